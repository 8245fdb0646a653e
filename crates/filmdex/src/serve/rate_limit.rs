//! Rate limiting: one token bucket per client and route group (search, everything else), as
//! `RateLimit-*` headers on every limited answer and a 429 `rate_limited` with `Retry-After`
//! when a bucket is empty. Health probes are never limited.
//!
//! Memory is bounded: the table is split into shards, each capped; a bucket that has refilled
//! to full is the same as no bucket, so those are dropped first, then the longest idle. IPv6
//! clients are keyed by their /64, the block one subscriber usually gets, so that one client
//! cannot get fresh buckets by changing addresses within it.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::net::{IpAddr, Ipv6Addr};
use std::sync::Mutex;
use std::time::Instant;

use axum::http::{HeaderMap, HeaderValue};

use crate::config::{Bucket, RateLimits};

const SHARDS: usize = 16;
/// Buckets kept at most, over all shards: a few MB.
const MAX_BUCKETS: usize = 65_536;

/// Which bucket of a client a request draws from.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Group {
    Search,
    Other,
}

impl Group {
    /// The group of a path; `None` for routes that are never limited.
    pub fn of(path: &str) -> Option<Group> {
        // A route's trailing-slash form (kept for the original's clients) is the route.
        let route = path.strip_suffix('/').filter(|route| !route.is_empty());
        match route.unwrap_or(path) {
            "/healthz" | "/readyz" => None,
            // The expensive routes: a search or a recommendation scans every film.
            "/film/search" | "/film/suggest" | "/recommend" => Some(Group::Search),
            _ => Some(Group::Other),
        }
    }
}

#[derive(Debug, Clone, Copy)]
struct State {
    tokens: f64,
    updated: Instant,
}

/// The answer for one request.
#[derive(Debug, Clone, Copy, PartialEq)]
pub struct Decision {
    pub allowed: bool,
    /// The burst size.
    pub limit: u32,
    /// Whole tokens left after this request.
    pub remaining: u32,
    /// Seconds until the bucket is full again.
    pub reset: u64,
    /// Seconds until the next request would be allowed (0 when allowed).
    pub retry_after: u64,
}

impl Decision {
    /// `RateLimit-Limit`, `RateLimit-Remaining`, `RateLimit-Reset` and, when refused,
    /// `Retry-After`.
    pub fn headers(&self) -> HeaderMap {
        let mut headers = HeaderMap::new();
        headers.insert("ratelimit-limit", HeaderValue::from(self.limit));
        headers.insert("ratelimit-remaining", HeaderValue::from(self.remaining));
        headers.insert("ratelimit-reset", HeaderValue::from(self.reset));
        if !self.allowed {
            headers.insert(
                axum::http::header::RETRY_AFTER,
                HeaderValue::from(self.retry_after),
            );
        }
        headers
    }
}

type Key = (IpAddr, Group);

pub struct RateLimiter {
    limits: RateLimits,
    hasher: RandomState,
    shards: Vec<Mutex<HashMap<Key, State>>>,
    per_shard: usize,
}

impl RateLimiter {
    pub fn new(limits: RateLimits) -> Self {
        Self::with_capacity(limits, MAX_BUCKETS)
    }

    /// A limiter keeping at most about `capacity` buckets.
    pub fn with_capacity(limits: RateLimits, capacity: usize) -> Self {
        RateLimiter {
            limits,
            hasher: RandomState::new(),
            shards: (0..SHARDS).map(|_| Mutex::new(HashMap::new())).collect(),
            per_shard: capacity.div_ceil(SHARDS).max(1),
        }
    }

    fn bucket(&self, group: Group) -> Bucket {
        match group {
            Group::Search => self.limits.search,
            Group::Other => self.limits.other,
        }
    }

    /// Takes a token from the client's bucket of `group`, if there is one.
    pub fn check(&self, client: IpAddr, group: Group, now: Instant) -> Decision {
        let key = (client_key(client), group);
        let bucket = self.bucket(group);
        let shard = &self.shards[self.hasher.hash_one(key) as usize % SHARDS];
        let mut states = shard
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        if !states.contains_key(&key) && states.len() >= self.per_shard {
            self.evict(&mut states, now);
        }
        let state = states.entry(key).or_insert(State {
            tokens: f64::from(bucket.burst),
            updated: now,
        });
        let tokens = refilled(state, bucket, now);
        let allowed = tokens >= 1.0;
        state.tokens = if allowed { tokens - 1.0 } else { tokens };
        state.updated = now;
        let remaining = state.tokens;
        let seconds = |tokens: f64| (tokens / bucket.per_second).ceil().max(0.0) as u64;
        Decision {
            allowed,
            limit: bucket.burst,
            remaining: remaining.floor() as u32,
            reset: seconds(f64::from(bucket.burst) - remaining),
            retry_after: if allowed {
                0
            } else {
                seconds(1.0 - remaining).max(1)
            },
        }
    }

    /// Makes room in a full shard: drop the buckets that have refilled, then the longest idle.
    fn evict(&self, states: &mut HashMap<Key, State>, now: Instant) {
        states.retain(|key, state| {
            refilled(state, self.bucket(key.1), now) < f64::from(self.bucket(key.1).burst)
        });
        if states.len() >= self.per_shard {
            let oldest = states
                .iter()
                .min_by_key(|(_, state)| state.updated)
                .map(|(key, _)| *key);
            if let Some(key) = oldest {
                states.remove(&key);
            }
        }
    }

    /// Buckets currently kept, for tests of the memory bound.
    #[cfg(test)]
    fn len(&self) -> usize {
        self.shards
            .iter()
            .map(|shard| shard.lock().map_or(0, |states| states.len()))
            .sum()
    }
}

fn refilled(state: &State, bucket: Bucket, now: Instant) -> f64 {
    let elapsed = now.saturating_duration_since(state.updated).as_secs_f64();
    (state.tokens + elapsed * bucket.per_second).min(f64::from(bucket.burst))
}

/// IPv4 addresses as they are; IPv6 addresses by their /64.
fn client_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => IpAddr::V6(Ipv6Addr::from(u128::from(v6) & !((1u128 << 64) - 1))),
    }
}

#[cfg(test)]
mod tests {
    use std::time::Duration;

    use super::*;

    fn limiter(capacity: usize) -> RateLimiter {
        let bucket = Bucket {
            per_second: 2.0,
            burst: 3,
        };
        RateLimiter::with_capacity(
            RateLimits {
                search: bucket,
                other: bucket,
            },
            capacity,
        )
    }

    fn ip(text: &str) -> IpAddr {
        text.parse().expect("address")
    }

    #[test]
    fn a_trailing_slash_is_the_same_route_group() {
        assert_eq!(Group::of("/film/search/"), Some(Group::Search));
        assert_eq!(Group::of("/recommend/"), Some(Group::Search));
        assert_eq!(Group::of("/film/search"), Some(Group::Search));
        assert_eq!(Group::of("/film/1/"), Some(Group::Other));
        assert_eq!(Group::of("/"), Some(Group::Other));
        assert_eq!(Group::of("/healthz"), None);
    }

    #[test]
    fn a_burst_then_refusal_then_refill() {
        let limiter = limiter(100);
        let start = Instant::now();
        let client = ip("192.0.2.1");
        let decisions: Vec<bool> = (0..4)
            .map(|_| limiter.check(client, Group::Search, start).allowed)
            .collect();
        assert_eq!(decisions, [true, true, true, false]);
        let refused = limiter.check(client, Group::Search, start);
        assert_eq!(
            (refused.remaining, refused.retry_after, refused.reset),
            (0, 1, 2)
        );
        assert!(
            limiter.check(client, Group::Other, start).allowed,
            "groups have their own buckets"
        );
        assert!(
            limiter
                .check(client, Group::Search, start + Duration::from_millis(500))
                .allowed
        );
    }

    #[test]
    fn ipv6_clients_share_their_64() {
        let limiter = limiter(100);
        let now = Instant::now();
        for suffix in 1..=3 {
            assert!(
                limiter
                    .check(ip(&format!("2001:db8::{suffix}")), Group::Other, now)
                    .allowed
            );
        }
        assert!(
            !limiter
                .check(ip("2001:db8::ffff"), Group::Other, now)
                .allowed
        );
        assert!(
            limiter
                .check(ip("2001:db8:0:1::1"), Group::Other, now)
                .allowed
        );
    }

    #[test]
    fn the_table_stays_bounded_with_many_clients() {
        let limiter = limiter(SHARDS * 4);
        let now = Instant::now();
        for n in 0..10_000u32 {
            limiter.check(IpAddr::from(n.to_be_bytes()), Group::Other, now);
        }
        assert!(limiter.len() <= SHARDS * 4, "{} buckets", limiter.len());
    }
}
