//! The HTTP server: the database loaded into memory once (`load` into a `snapshot`: the
//! `films` table and the similarity matrix), answered over JSON by axum (`routes`), reloaded
//! without downtime (`state`, `reload`). The server never writes the database and never builds
//! SQL from what a client sends: search runs over the film table in memory (`search`), similar
//! films come from the exact similarity matrix. The web page (`webui`) and the API viewers
//! (`docs`) are files embedded in the binary (`embedded`).
//!
//! [`run`] is `filmdex serve`. Tests use [`serve`] with a listener bound to port 0 and their
//! own shutdown future, or call [`router`] directly.

mod caching;
mod client_ip;
mod connections;
mod cors;
mod docs;
mod embedded;
mod error;
mod extract;
mod films;
mod load;
mod metrics;
mod middleware;
mod paging;
mod rate_limit;
mod recommend;
mod reload;
mod routes;
mod search;
mod snapshot;
mod state;
mod turns;
mod view;
mod webui;

use std::future::Future;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use connections::{serve_connections, Admission};
use tokio::net::TcpListener;
use tokio::sync::watch;
use tracing::{info, warn};

pub use docs::OPENAPI_JSON;
pub use films::{text_index, AltTitle, Film, RowSet};
pub use load::load;
pub use paging::Page;
pub use routes::{router, ROUTES};
pub use search::query_string::FIELDS as SEARCH_FIELDS;
pub use search::{filter, search, Criteria, RegexCache, SearchQuery, SearchResult};
pub use snapshot::Snapshot;
pub use state::AppState;
pub use view::FilmView;

use crate::config::ServeConfig;
use crate::exit::ExitKind;

/// How long requests in flight may take to finish after a shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Serves `config.database` until SIGTERM or Ctrl-C.
pub fn run(mut config: ServeConfig) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    config.limits.max_connections = connections::fit_open_files(config.limits.max_connections);
    runtime.block_on(async {
        // Before binding: a database that cannot be served is an error at start, not a 500 later.
        let state = AppState::load(&config).map_err(|error| ExitKind::Data.mark(error))?;
        let listener = listen(&config.bind, "").await?;
        let address = listener.local_addr().context("reading the bound address")?;
        let metrics = match &config.metrics_bind {
            Some(bind) => {
                let listener = listen(bind, " for /metrics").await?;
                let address = listener.local_addr().context("reading the bound address")?;
                info!(%address, "serving metrics at http://{address}/metrics");
                Some(listener)
            }
            None => None,
        };
        info!(%address, database = %config.database.display(), "serving http://{address}/ (API docs at /docs)");
        reload::spawn_reloaders(state.clone(), config.watch);
        serve_split(listener, metrics, state, reload::shutdown_signal()).await
    })
}

/// Listens on `address`. An address another process holds may be free later (busy, as the
/// build lock); one this machine does not have, or may not use, is a wrong option (usage).
async fn listen(address: &str, purpose: &str) -> Result<TcpListener> {
    TcpListener::bind(address).await.map_err(|error| {
        let kind = match error.kind() {
            std::io::ErrorKind::AddrInUse => ExitKind::Busy,
            _ => ExitKind::Usage,
        };
        kind.mark(anyhow::Error::new(error).context(format!("listening on {address}{purpose}")))
    })
}

/// Serves `state` on `listener` until `shutdown` resolves, then lets requests in flight finish
/// (for at most ten seconds) and returns.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    serve_split(listener, None, state, shutdown).await
}

/// [`serve`], with `/metrics` on `metrics` alone when given (and answered 404 on `listener`
/// when the state's configuration says so).
pub async fn serve_split(
    listener: TcpListener,
    metrics: Option<TcpListener>,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let (stop, stopping) = watch::channel(false);
    let stopped = |mut stopping: watch::Receiver<bool>| async move {
        let _ = stopping.wait_for(|stop| *stop).await;
    };
    let limits = *state.limits();
    let api = serve_connections(
        listener,
        router(state.clone()),
        limits,
        Arc::new(Admission::new(&limits, state.clone())),
        stopped(stopping.clone()),
    );
    // Its own caps, so that scrapes still get through while clients fill the API's.
    let metrics = async {
        if let Some(listener) = metrics {
            let admission = Arc::new(Admission::new(&limits, state.clone()));
            let app = routes::metrics_router(state.clone());
            serve_connections(listener, app, limits, admission, stopped(stopping.clone())).await;
        }
    };
    let signal_state = state.clone();
    tokio::spawn(async move {
        shutdown.await;
        signal_state.begin_shutdown();
        let _ = stop.send(true);
    });
    let deadline = async {
        stopped(stopping.clone()).await;
        tokio::time::sleep(SHUTDOWN_GRACE).await;
    };
    tokio::select! {
        ((), ()) = async { tokio::join!(api, metrics) } => {}
        () = deadline => warn!("requests still running {} s after shutdown; stopping anyway", SHUTDOWN_GRACE.as_secs()),
    }
    info!("server stopped");
    Ok(())
}
