//! The HTTP server: the database loaded into memory once (`load` into a `snapshot`: the
//! `films` table and the similarity matrix), answered over JSON by axum (`routes`), reloaded
//! without downtime (`state`, `reload`). The server never writes the database and never builds
//! SQL from what a client sends: search runs over the film table in memory (`search`), similar
//! films come from the exact similarity matrix. The web page (`webui`) and the API viewers
//! (`docs`) are files embedded in the binary (`embedded`).
//!
//! [`run`] is `filmdex serve`. Tests use [`serve`] with a listener bound to port 0 and their
//! own shutdown future, or call [`router`] directly.

mod client_ip;
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
mod view;
mod webui;

use std::future::Future;
use std::net::SocketAddr;
use std::sync::Arc;
use std::time::Duration;

use anyhow::{Context, Result};
use tokio::net::TcpListener;
use tokio::sync::Notify;
use tracing::{info, warn};

pub use docs::OPENAPI_JSON;
pub use films::{AltTitle, Film, RowSet};
pub use load::load;
pub use paging::Page;
pub use routes::{router, ROUTES};
pub use search::query_string::FIELDS as SEARCH_FIELDS;
pub use search::{filter, search, Criteria, RegexCache, SearchQuery, SearchResult};
pub use snapshot::Snapshot;
pub use state::AppState;
pub use view::FilmView;

use crate::config::ServeConfig;

/// How long requests in flight may take to finish after a shutdown signal.
const SHUTDOWN_GRACE: Duration = Duration::from_secs(10);

/// Serves `config.database` until SIGTERM or Ctrl-C.
pub fn run(config: ServeConfig) -> Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")?;
    runtime.block_on(async {
        // Before binding: a database that cannot be served is an error at start, not a 500 later.
        let state = AppState::load(&config)?;
        let listener = TcpListener::bind(&config.bind)
            .await
            .with_context(|| format!("listening on {}", config.bind))?;
        let address = listener.local_addr().context("reading the bound address")?;
        info!(%address, database = %config.database.display(), "serving http://{address}/ (API docs at /docs)");
        reload::spawn_reloaders(state.clone(), config.watch);
        serve(listener, state, reload::shutdown_signal()).await
    })
}

/// Serves `state` on `listener` until `shutdown` resolves, then lets requests in flight finish
/// (for at most ten seconds) and returns.
pub async fn serve(
    listener: TcpListener,
    state: AppState,
    shutdown: impl Future<Output = ()> + Send + 'static,
) -> Result<()> {
    let app = router(state.clone());
    let stopping = Arc::new(Notify::new());
    let signal = {
        let stopping = Arc::clone(&stopping);
        async move {
            shutdown.await;
            state.begin_shutdown();
            stopping.notify_one();
        }
    };
    let server = axum::serve(
        listener,
        app.into_make_service_with_connect_info::<SocketAddr>(),
    )
    .with_graceful_shutdown(signal);
    let deadline = async {
        stopping.notified().await;
        tokio::time::sleep(SHUTDOWN_GRACE).await;
    };
    tokio::select! {
        served = server => served.context("serving HTTP")?,
        () = deadline => warn!("requests still running {} s after shutdown; stopping anyway", SHUTDOWN_GRACE.as_secs()),
    }
    info!("server stopped");
    Ok(())
}
