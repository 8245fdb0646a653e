//! Rate limiting: one token bucket per client and route group (search, everything else), as
//! `RateLimit-*` headers on every limited answer and a 429 `rate_limited` with `Retry-After`
//! when a bucket is empty. Health probes are never limited.
//!
//! IPv6 clients are keyed by their /64, the block one subscriber usually gets, and also share a
//! bucket per /48 (the biggest block a site is given) holding [`PREFIX_48_SHARE`] times theirs:
//! a client cannot get fresh buckets by changing addresses within its /64, nor beyond a few
//! clients' worth by changing /64 within its /48. The search group also has a budget over all
//! clients; when it is spent, only clients with at least half of their own burst left get
//! through, so a flood from many addresses is refused while light users are still served.
//!
//! Searches differ in cost by a hundred times, so a search is paid for by its work: one token on
//! arrival and one more per [`WORK_PER_TOKEN`] of blocking work (CPU time) it took
//! ([`WorkTime`], charged when it is answered; a bucket may go into debt down to minus its
//! burst). A client sending
//! many cheap searches and one sending few costly ones are told apart by the CPU they take. The
//! same recent work, halved every second, places the requests waiting for a turn (`turns.rs`).
//!
//! Memory is bounded: the table is split into shards, each capped. A full shard is swept once
//! for room for an eighth of its capacity (buckets that have refilled to full are the same as
//! no bucket and go first, then the longest idle), so that new keys after it insert without
//! scanning the shard again.

use std::collections::HashMap;
use std::hash::{BuildHasher, RandomState};
use std::net::{IpAddr, Ipv6Addr};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::{Mutex, MutexGuard};
use std::time::{Duration, Instant};

use axum::http::{HeaderMap, HeaderValue};

use crate::config::{Bucket, RateLimits};

const SHARDS: usize = 16;
/// Buckets kept at most, over all shards: a few MB.
const MAX_BUCKETS: usize = 65_536;
/// A /48's bucket holds this many /64 clients' worth of requests.
pub const PREFIX_48_SHARE: u32 = 8;

/// Seconds after which a client's recent work counts half.
const WORK_HALF_LIFE: f64 = 1.0;

/// Blocking work worth one token beyond the first.
pub const WORK_PER_TOKEN: Duration = Duration::from_millis(5);

/// The CPU time of a request's blocking work: a response extension set by the handlers that do
/// such work, read by the rate limit to charge for it.
#[derive(Debug, Clone, Copy)]
pub struct WorkTime(pub Duration);

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
    /// Seconds of blocking work charged, halved every [`WORK_HALF_LIFE`] seconds.
    work: f64,
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

/// A bucket's owner: a client (an IPv4 address or an IPv6 /64) or an IPv6 /48, and a group.
/// The prefix length keeps a /48 apart from the /64 with the same leading bits.
type Key = (IpAddr, u8, Group);

pub struct RateLimiter {
    limits: RateLimits,
    hasher: RandomState,
    shards: Vec<Mutex<HashMap<Key, State>>>,
    per_shard: usize,
    global: Mutex<Option<State>>,
    /// How many times a full shard was swept, for tests of the eviction's cost.
    sweeps: AtomicU64,
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
            global: Mutex::new(None),
            sweeps: AtomicU64::new(0),
        }
    }

    /// The bucket of a key: its group's, times [`PREFIX_48_SHARE`] for a /48.
    fn bucket(&self, key: &Key) -> Bucket {
        let bucket = match key.2 {
            Group::Search => self.limits.search,
            Group::Other => self.limits.other,
        };
        if key.1 == 48 {
            Bucket {
                per_second: bucket.per_second * f64::from(PREFIX_48_SHARE),
                burst: bucket.burst.saturating_mul(PREFIX_48_SHARE),
            }
        } else {
            bucket
        }
    }

    /// Takes a token from each bucket the client's request draws from, if all have one.
    pub fn check(&self, client: IpAddr, group: Group, now: Instant) -> Decision {
        let own = (client_key(client), client_prefix(client), group);
        let bucket = self.bucket(&own);
        let tokens = self.tokens(own, now);
        if tokens < 1.0 {
            return decision(false, tokens, bucket);
        }
        let wider = prefix_48_key(client, group);
        if let Some(wider) = wider {
            let wider_tokens = self.tokens(wider, now);
            if wider_tokens < 1.0 {
                return decision(false, wider_tokens, self.bucket(&wider));
            }
        }
        let light_user = tokens >= f64::from(bucket.burst) / 2.0;
        if group == Group::Search && !self.take_global(now) && !light_user {
            return Decision {
                retry_after: 1,
                ..decision(false, tokens, bucket)
            };
        }
        if let Some(wider) = wider {
            self.take(wider, now);
        }
        decision(true, self.take(own, now), bucket)
    }

    /// Charges a request's blocking work beyond its first token to the buckets it drew from.
    pub fn charge(&self, client: IpAddr, group: Group, work: Duration, now: Instant) {
        let extra = (work.as_secs_f64() / WORK_PER_TOKEN.as_secs_f64()).floor();
        let own = (client_key(client), client_prefix(client), group);
        self.debit(own, extra, work.as_secs_f64(), now);
        if let Some(wider) = prefix_48_key(client, group) {
            self.debit(wider, extra, work.as_secs_f64(), now);
        }
        if extra < 1.0 {
            return;
        }
        if let (Group::Search, Some(bucket)) = (group, self.limits.global_search) {
            let mut global = self
                .global
                .lock()
                .unwrap_or_else(|poisoned| poisoned.into_inner());
            if let Some(state) = global.as_mut() {
                state.tokens = (refilled(state, bucket, now) - extra).max(-f64::from(bucket.burst));
                state.updated = now;
            }
        }
    }

    /// Takes `amount` tokens from a key's bucket, into debt down to minus its burst, and adds
    /// `work` seconds to its recent work.
    fn debit(&self, key: Key, amount: f64, work: f64, now: Instant) {
        let bucket = self.bucket(&key);
        let mut states = self.shard(&key);
        if let Some(state) = states.get_mut(&key) {
            state.work = decayed_work(state, now) + work;
            state.tokens = (refilled(state, bucket, now) - amount).max(-f64::from(bucket.burst));
            state.updated = now;
        }
    }

    /// The client's recent blocking work in `group`, in seconds (halved every second); for an
    /// IPv6 client, its /48's when that is more, so that changing /64 does not reset it.
    pub fn recent_work(&self, client: IpAddr, group: Group, now: Instant) -> f64 {
        let work = |key: Key| {
            self.shard(&key)
                .get(&key)
                .map_or(0.0, |state| decayed_work(state, now))
        };
        let own = work((client_key(client), client_prefix(client), group));
        prefix_48_key(client, group).map_or(own, |wider| own.max(work(wider)))
    }

    /// The tokens a key's bucket holds now.
    fn tokens(&self, key: Key, now: Instant) -> f64 {
        let bucket = self.bucket(&key);
        let states = self.shard(&key);
        match states.get(&key) {
            Some(state) => refilled(state, bucket, now),
            None => f64::from(bucket.burst),
        }
    }

    /// Takes one token from a key's bucket (which had one a moment ago); returns what is left.
    fn take(&self, key: Key, now: Instant) -> f64 {
        let bucket = self.bucket(&key);
        let mut states = self.shard(&key);
        if !states.contains_key(&key) && states.len() >= self.per_shard {
            self.sweep(&mut states, now);
        }
        let state = states.entry(key).or_insert(State {
            tokens: f64::from(bucket.burst),
            updated: now,
            work: 0.0,
        });
        state.work = decayed_work(state, now);
        state.tokens = (refilled(state, bucket, now) - 1.0).max(0.0);
        state.updated = now;
        state.tokens
    }

    /// Takes a token from the search budget over all clients; false when it is spent (or
    /// true when there is no such budget).
    fn take_global(&self, now: Instant) -> bool {
        let Some(bucket) = self.limits.global_search else {
            return true;
        };
        let mut global = self
            .global
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner());
        let state = global.get_or_insert(State {
            tokens: f64::from(bucket.burst),
            updated: now,
            work: 0.0,
        });
        let tokens = refilled(state, bucket, now);
        state.updated = now;
        state.tokens = if tokens >= 1.0 { tokens - 1.0 } else { tokens };
        tokens >= 1.0
    }

    fn shard(&self, key: &Key) -> MutexGuard<'_, HashMap<Key, State>> {
        self.shards[self.hasher.hash_one(key) as usize % SHARDS]
            .lock()
            .unwrap_or_else(|poisoned| poisoned.into_inner())
    }

    /// Makes room in a full shard for an eighth of its capacity: drop the buckets that have
    /// refilled, then the longest idle.
    fn sweep(&self, states: &mut HashMap<Key, State>, now: Instant) {
        self.sweeps.fetch_add(1, Ordering::Relaxed);
        states.retain(|key, state| {
            let bucket = self.bucket(key);
            refilled(state, bucket, now) < f64::from(bucket.burst)
        });
        let keep = self.per_shard - self.per_shard.div_ceil(8);
        if states.len() > keep {
            let mut idle: Vec<Instant> = states.values().map(|state| state.updated).collect();
            let cut = idle.len() - keep;
            // The `cut` oldest go; ties at the boundary may take a few more.
            let (_, &mut newest_dropped, _) = idle.select_nth_unstable(cut - 1);
            states.retain(|_, state| state.updated > newest_dropped);
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

fn decision(allowed: bool, tokens: f64, bucket: Bucket) -> Decision {
    let seconds = |tokens: f64| (tokens / bucket.per_second).ceil().max(0.0) as u64;
    Decision {
        allowed,
        limit: bucket.burst,
        remaining: tokens.floor() as u32,
        reset: seconds(f64::from(bucket.burst) - tokens),
        retry_after: if allowed {
            0
        } else {
            seconds(1.0 - tokens).max(1)
        },
    }
}

fn decayed_work(state: &State, now: Instant) -> f64 {
    let elapsed = now.saturating_duration_since(state.updated).as_secs_f64();
    state.work * 0.5f64.powf(elapsed / WORK_HALF_LIFE)
}

fn refilled(state: &State, bucket: Bucket, now: Instant) -> f64 {
    let elapsed = now.saturating_duration_since(state.updated).as_secs_f64();
    (state.tokens + elapsed * bucket.per_second).min(f64::from(bucket.burst))
}

/// IPv4 addresses as they are; IPv6 addresses by their /64.
pub fn client_key(address: IpAddr) -> IpAddr {
    match address {
        IpAddr::V4(_) => address,
        IpAddr::V6(v6) => IpAddr::V6(prefix(v6, 64)),
    }
}

fn client_prefix(address: IpAddr) -> u8 {
    match address {
        IpAddr::V4(_) => 32,
        IpAddr::V6(_) => 64,
    }
}

/// The /48 bucket of an IPv6 client; IPv4 clients have none.
fn prefix_48_key(address: IpAddr, group: Group) -> Option<Key> {
    match address {
        IpAddr::V4(_) => None,
        IpAddr::V6(v6) => Some((IpAddr::V6(prefix(v6, 48)), 48, group)),
    }
}

fn prefix(address: Ipv6Addr, bits: u32) -> Ipv6Addr {
    Ipv6Addr::from(u128::from(address) & !(u128::MAX >> bits))
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
                global_search: None,
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
    fn a_48_shares_one_bucket_over_its_64s() {
        let limiter = limiter(1000);
        let now = Instant::now();
        // Each /64 has a burst of 3; the /48 holds PREFIX_48_SHARE times that.
        let allowed = (0..100u32)
            .filter(|n| {
                let address = format!("2001:db8:1:{n:x}::1");
                limiter.check(ip(&address), Group::Search, now).allowed
            })
            .count();
        assert_eq!(allowed, 3 * PREFIX_48_SHARE as usize);
        let refused = limiter.check(ip("2001:db8:1:ffff::1"), Group::Search, now);
        assert!(!refused.allowed);
        assert_eq!(refused.limit, 3 * PREFIX_48_SHARE, "the /48's bucket");
        assert!(
            limiter
                .check(ip("2001:db8:2::1"), Group::Search, now)
                .allowed,
            "another /48"
        );
        assert!(
            limiter
                .check(ip("2001:db8:1::1"), Group::Other, now)
                .allowed,
            "another group"
        );
    }

    #[test]
    fn a_spent_global_budget_refuses_heavy_clients_but_not_light_ones() {
        let client = Bucket {
            per_second: 1.0,
            burst: 10,
        };
        let limiter = RateLimiter::with_capacity(
            RateLimits {
                search: client,
                other: client,
                global_search: Some(Bucket {
                    per_second: 1.0,
                    burst: 12,
                }),
            },
            1000,
        );
        let now = Instant::now();
        // Two flooding clients spend the global budget (12) between them...
        let flood = (0..20)
            .filter(|n| {
                let address = IpAddr::from([192, 0, 2, 1 + (n % 2)]);
                limiter.check(address, Group::Search, now).allowed
            })
            .count();
        // ...6 each from the budget, then each has 4 of 10 left: under half, refused.
        assert_eq!(flood, 12);
        let heavy = limiter.check(ip("192.0.2.1"), Group::Search, now);
        assert!(!heavy.allowed);
        assert_eq!(heavy.retry_after, 1);
        // A client with its own burst untouched still gets through, until it too is heavy.
        let light: Vec<bool> = (0..7)
            .map(|_| {
                limiter
                    .check(ip("198.51.100.7"), Group::Search, now)
                    .allowed
            })
            .collect();
        assert_eq!(light, [true, true, true, true, true, true, false]);
        assert!(
            limiter.check(ip("192.0.2.1"), Group::Other, now).allowed,
            "the budget is the search group's"
        );
    }

    #[test]
    fn costly_searches_make_a_client_heavy_where_cheap_ones_do_not() {
        let client = Bucket {
            per_second: 1.0,
            burst: 20,
        };
        let limiter = RateLimiter::with_capacity(
            RateLimits {
                search: client,
                other: client,
                global_search: Some(Bucket {
                    per_second: 1.0,
                    burst: 10,
                }),
            },
            1000,
        );
        let now = Instant::now();
        let cheap = ip("192.0.2.1");
        let costly = ip("192.0.2.2");
        // Both spend the global budget; the costly client's 30 ms searches cost 7 tokens each.
        for _ in 0..5 {
            assert!(limiter.check(cheap, Group::Search, now).allowed);
            limiter.charge(cheap, Group::Search, Duration::from_micros(800), now);
        }
        for _ in 0..2 {
            assert!(limiter.check(costly, Group::Search, now).allowed);
            limiter.charge(costly, Group::Search, Duration::from_millis(30), now);
        }
        // The budget is spent: the costly client (20 - 14 = 6 left) is heavy, the cheap one
        // (15 left) is not, though it sent more requests.
        assert!(!limiter.check(costly, Group::Search, now).allowed);
        assert!(limiter.check(cheap, Group::Search, now).allowed);
        // Debt: 10 more costly searches' worth leaves the bucket at minus its burst, and the
        // refusal says how long it takes to earn a token back.
        limiter.charge(costly, Group::Search, Duration::from_secs(1), now);
        let refused = limiter.check(costly, Group::Search, now);
        assert_eq!((refused.allowed, refused.retry_after), (false, 21));
    }

    #[test]
    fn recent_work_adds_up_and_halves_every_second() {
        let limiter = limiter(100);
        let now = Instant::now();
        let client = ip("2001:db8::1");
        limiter.check(client, Group::Search, now);
        limiter.charge(client, Group::Search, Duration::from_millis(300), now);
        limiter.charge(client, Group::Search, Duration::from_millis(100), now);
        let work = |at| limiter.recent_work(ip("2001:db8::2"), Group::Search, at);
        assert!((work(now) - 0.4).abs() < 1e-9, "the /64's work");
        let elsewhere = limiter.recent_work(ip("2001:db8:0:1::1"), Group::Search, now);
        assert!((elsewhere - 0.4).abs() < 1e-9, "another /64 of the /48");
        assert!((work(now + Duration::from_secs(1)) - 0.2).abs() < 1e-9);
        assert_eq!(limiter.recent_work(client, Group::Other, now), 0.0);
    }

    #[test]
    fn new_keys_in_a_full_table_do_not_sweep_it_each_time() {
        let limiter = limiter(SHARDS * 64);
        let now = Instant::now();
        for n in 0..20_000u32 {
            let later = now + Duration::from_micros(u64::from(n));
            limiter.check(IpAddr::from(n.to_be_bytes()), Group::Other, later);
        }
        // Every shard frees 8 places per sweep: about 20,000 / 8 sweeps, never one per key.
        let sweeps = limiter.sweeps.load(Ordering::Relaxed);
        assert!(sweeps <= 20_000 / 8, "{sweeps} sweeps for 20,000 new keys");
        assert!(limiter.len() <= SHARDS * 64, "{} buckets", limiter.len());
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
