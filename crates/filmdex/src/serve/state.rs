//! The server's shared state: the current [`Snapshot`] behind an atomic pointer, and what lives
//! as long as the server (metrics, rate limiter, settings). A reload loads the new database
//! beside the old one and swaps the pointer: requests that already hold the old snapshot finish
//! on it, and it is freed when the last of them ends.

use std::path::{Path, PathBuf};
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Arc;

use anyhow::{Context, Result};
use arc_swap::ArcSwap;
use tower_http::cors::CorsLayer;
use tracing::{error, info};

use super::client_ip::TrustedProxies;
use super::cors;
use super::error::ApiError;
use super::load::load;
use super::metrics::Metrics;
use super::rate_limit::RateLimiter;
use super::search::RegexCache;
use super::snapshot::Snapshot;
use super::turns::{Turn, Turns, CLIENT_RECENT_WORK};
use crate::config::{ServeConfig, ServeLimits};

/// Cheap to clone: every clone shares one server's state.
#[derive(Clone)]
pub struct AppState {
    shared: Arc<Shared>,
}

struct Shared {
    database: PathBuf,
    snapshot: ArcSwap<Snapshot>,
    metrics: Metrics,
    limiter: Option<RateLimiter>,
    proxies: TrustedProxies,
    /// `None` when CORS is off.
    cors: Option<CorsLayer>,
    request_ids: RequestIds,
    /// Search patterns compiled by earlier requests; they do not depend on the database.
    regexes: RegexCache,
    /// One reload at a time, so two SIGHUPs cannot load the file twice in parallel.
    reloading: tokio::sync::Mutex<()>,
    shutting_down: AtomicBool,
    limits: ServeLimits,
    /// Turns for blocking work (searches, recommendations, similar films): at most
    /// `limits.max_expensive` at once.
    expensive: Turns,
    /// `/metrics` is served on its own address, not with the API.
    metrics_elsewhere: bool,
}

impl AppState {
    /// Loads `config.database` (blocking: call it outside async code or in `spawn_blocking`).
    pub fn load(config: &ServeConfig) -> Result<AppState> {
        let snapshot = load(&config.database)?;
        AppState::new(config, snapshot)
    }

    /// A state serving `snapshot`, with the settings of `config`.
    pub fn new(config: &ServeConfig, snapshot: Snapshot) -> Result<AppState> {
        let shared = Shared {
            database: config.database.clone(),
            snapshot: ArcSwap::from_pointee(snapshot),
            metrics: Metrics::default(),
            limiter: config.rate_limits.map(RateLimiter::new),
            proxies: TrustedProxies::parse(&config.trusted_proxies)?,
            cors: cors::layer(&config.cors_origins)?,
            request_ids: RequestIds::new(),
            regexes: RegexCache::default(),
            reloading: tokio::sync::Mutex::new(()),
            shutting_down: AtomicBool::new(false),
            limits: config.limits,
            expensive: Turns::new(config.limits.max_expensive),
            metrics_elsewhere: config.metrics_bind.is_some(),
        };
        Ok(AppState {
            shared: Arc::new(shared),
        })
    }

    /// The database being served now; hold it for the whole request.
    pub fn snapshot(&self) -> Arc<Snapshot> {
        self.shared.snapshot.load_full()
    }

    pub fn database(&self) -> &Path {
        &self.shared.database
    }

    pub fn metrics(&self) -> &Metrics {
        &self.shared.metrics
    }

    pub fn limiter(&self) -> Option<&RateLimiter> {
        self.shared.limiter.as_ref()
    }

    pub fn proxies(&self) -> &TrustedProxies {
        &self.shared.proxies
    }

    pub fn cors(&self) -> Option<&CorsLayer> {
        self.shared.cors.as_ref()
    }

    pub fn regexes(&self) -> &RegexCache {
        &self.shared.regexes
    }

    pub fn limits(&self) -> &ServeLimits {
        &self.shared.limits
    }

    pub fn metrics_elsewhere(&self) -> bool {
        self.shared.metrics_elsewhere
    }

    /// A turn for blocking work, held until the work ends (move it into the blocking task):
    /// waits at most `expensive_wait` for one, clients with less recent work first, then
    /// refuses with 503 `overloaded`.
    pub async fn expensive_turn(&self) -> Result<Turn, ApiError> {
        let recent_work = CLIENT_RECENT_WORK.try_with(|work| *work).unwrap_or(0.0);
        self.shared
            .expensive
            .take(recent_work, self.shared.limits.expensive_wait)
            .await
            .ok_or_else(ApiError::overloaded)
    }

    pub fn next_request_id(&self) -> String {
        self.shared.request_ids.next()
    }

    /// Loads the database file again and serves it if it loads; otherwise keeps serving the
    /// current one and returns why the new file was refused.
    pub async fn reload(&self) -> Result<()> {
        let _one_at_a_time = self.shared.reloading.lock().await;
        let path = self.shared.database.clone();
        let loaded = tokio::task::spawn_blocking(move || load(&path))
            .await
            .context("the reload task failed")?;
        match loaded {
            Ok(snapshot) => {
                info!(films = snapshot.films().len(), built_at = %snapshot.meta.built_at, "serving the reloaded database");
                self.shared.snapshot.store(Arc::new(snapshot));
                self.shared.metrics.reloaded(true);
                Ok(())
            }
            Err(error) => {
                error!(error = %format!("{error:#}"), "reload refused; still serving the previous database");
                self.shared.metrics.reloaded(false);
                Err(error)
            }
        }
    }

    pub fn begin_shutdown(&self) {
        self.shared.shutting_down.store(true, Ordering::Relaxed);
    }

    pub fn is_shutting_down(&self) -> bool {
        self.shared.shutting_down.load(Ordering::Relaxed)
    }
}

/// Request ids for requests that come without one: a per-process prefix, so that ids from two
/// runs of the server do not collide in logs, and a counter.
struct RequestIds {
    prefix: u32,
    counter: AtomicU64,
}

impl RequestIds {
    fn new() -> Self {
        use std::hash::{BuildHasher, RandomState};
        let prefix = RandomState::new().hash_one(std::process::id()) as u32;
        RequestIds {
            prefix,
            counter: AtomicU64::new(0),
        }
    }

    fn next(&self) -> String {
        let n = self.counter.fetch_add(1, Ordering::Relaxed);
        format!("{:08x}-{n:012x}", self.prefix)
    }
}
