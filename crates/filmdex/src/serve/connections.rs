//! Connections: accepted, capped and timed out before any request reaches the router.
//!
//! - HTTP/1.1 only (hyper's `http1` builder): HTTP/2 without TLS (h2c) is not spoken, neither
//!   by prior knowledge nor by `Upgrade: h2c`. Browsers speak HTTP/2 only over TLS, which a
//!   proxy in front terminates; h2c would add a second protocol's abuse surface (stream floods,
//!   resets) with no client to use it. A client that sends the HTTP/2 preface gets an HTTP/1
//!   error and a closed connection.
//! - A request's headers must arrive whole within the header timeout, counted from when the
//!   connection opens or its previous answer has been written: a slow sender and an idle
//!   keep-alive connection are both closed after it.
//! - Writing an answer must make progress within the write timeout: a client that asks and
//!   does not read (or reads too slowly for the socket's buffer to drain) is closed instead of
//!   holding its connection and the answer's memory forever.
//! - Open connections are capped overall and per client address (an IPv6 client by its /64);
//!   a connection over a cap is closed as soon as it is accepted. Trusted proxies carry many
//!   clients on their connections, so they have no per-client cap.
//!
//! The whole-request timeout and the cap on expensive work are per request, in the router's
//! layers (`middleware.rs`, `state.rs`).

use std::collections::HashMap;
use std::future::Future;
use std::net::{IpAddr, SocketAddr};
use std::sync::{Arc, Mutex};
use std::time::Duration;

use axum::extract::ConnectInfo;
use axum::Router;
use hyper::body::Incoming;
use hyper::server::conn::http1;
use hyper::service::{service_fn, Service as _};
use hyper::Request;
use hyper_util::rt::{TokioIo, TokioTimer};
use hyper_util::server::graceful::GracefulShutdown;
use hyper_util::service::TowerToHyperService;
use tokio::net::TcpListener;
use tokio_io_timeout::TimeoutStream;
use tracing::{debug, warn};

use super::client_ip::canonical;
use super::rate_limit::client_key;
use super::state::AppState;
use crate::config::ServeLimits;

/// After a failed accept (most often: out of file descriptors), wait this long before the next
/// one instead of spinning.
const ACCEPT_BACKOFF: Duration = Duration::from_millis(50);

/// File descriptors kept free for everything but client connections (the database on reload,
/// the log, the metrics listener).
const RESERVED_FILES: u64 = 128;

/// Accepts connections on `listener` and serves `app` on them until `shutdown` resolves, then
/// stops accepting and waits for open connections to finish their requests.
pub async fn serve_connections(
    listener: TcpListener,
    app: Router,
    limits: ServeLimits,
    admission: Arc<Admission>,
    shutdown: impl Future<Output = ()>,
) {
    let mut builder = http1::Builder::new();
    builder
        .timer(TokioTimer::new())
        .header_read_timeout(limits.header_timeout);
    let graceful = GracefulShutdown::new();
    tokio::pin!(shutdown);
    loop {
        let (stream, peer) = tokio::select! {
            accepted = listener.accept() => match accepted {
                Ok(accepted) => accepted,
                Err(error) => {
                    warn!(%error, "accepting a connection failed");
                    tokio::time::sleep(ACCEPT_BACKOFF).await;
                    continue;
                }
            },
            () = &mut shutdown => break,
        };
        // Over a cap: the stream is dropped here, which closes it.
        let Some(slot) = admission.admit(peer.ip()) else {
            continue;
        };
        let mut stream = TimeoutStream::new(stream);
        stream.set_write_timeout(Some(limits.write_timeout));
        let connection =
            builder.serve_connection(TokioIo::new(Box::pin(stream)), service(app.clone(), peer));
        let connection = graceful.watch(connection);
        tokio::spawn(async move {
            if let Err(error) = connection.await {
                debug!(%error, %peer, "connection ended with an error");
            }
            drop(slot);
        });
    }
    drop(listener);
    graceful.shutdown().await;
}

/// The router as a hyper service for one connection, telling handlers the peer's address.
fn service(
    app: Router,
    peer: SocketAddr,
) -> impl hyper::service::Service<
    Request<Incoming>,
    Response = axum::response::Response,
    Error = std::convert::Infallible,
    Future: Send,
> + Clone {
    let app = TowerToHyperService::new(app);
    service_fn(move |mut request: Request<Incoming>| {
        request.extensions_mut().insert(ConnectInfo(peer));
        app.call(request)
    })
}

/// Who may open one more connection; shared by the accept loops of one server.
pub struct Admission {
    max_total: usize,
    max_per_client: usize,
    /// For its trusted proxies and its metrics.
    state: AppState,
    open: Mutex<OpenConnections>,
}

#[derive(Default)]
struct OpenConnections {
    total: usize,
    per_client: HashMap<IpAddr, usize>,
}

impl Admission {
    /// The caps of `limits`.
    pub fn new(limits: &ServeLimits, state: AppState) -> Self {
        Admission {
            max_total: limits.max_connections,
            max_per_client: limits.max_connections_per_client,
            state,
            open: Mutex::new(OpenConnections::default()),
        }
    }

    /// A slot for a connection from `peer`, held while it is open; `None` over a cap.
    fn admit(self: &Arc<Self>, peer: IpAddr) -> Option<Slot> {
        let client = (!self.state.proxies().trusts(peer)).then(|| client_key(canonical(peer)));
        let mut open = self.lock();
        let over_client_cap = client.is_some_and(|client| {
            open.per_client.get(&client).copied().unwrap_or(0) >= self.max_per_client
        });
        if open.total >= self.max_total || over_client_cap {
            drop(open);
            let reason = if over_client_cap { "client" } else { "total" };
            self.state.metrics().connection_refused(reason);
            debug!(%peer, reason, "connection over its cap closed");
            return None;
        }
        open.total += 1;
        if let Some(client) = client {
            *open.per_client.entry(client).or_default() += 1;
        }
        self.state.metrics().connection_opened();
        Some(Slot {
            admission: Arc::clone(self),
            client,
        })
    }

    fn lock(&self) -> std::sync::MutexGuard<'_, OpenConnections> {
        // Counts only: valid after any panic.
        self.open
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
    }
}

/// An open connection's place under the caps, given back when it closes.
struct Slot {
    admission: Arc<Admission>,
    client: Option<IpAddr>,
}

impl Drop for Slot {
    fn drop(&mut self) {
        let mut open = self.admission.lock();
        open.total -= 1;
        if let Some(client) = self.client {
            if let Some(count) = open.per_client.get_mut(&client) {
                *count -= 1;
                if *count == 0 {
                    open.per_client.remove(&client);
                }
            }
        }
        drop(open);
        self.admission.state.metrics().connection_closed();
    }
}

/// Raises the soft open-file limit to the hard one (each connection is a file descriptor) and
/// returns the connection cap that fits under it: `wanted`, or fewer with a warning.
pub fn fit_open_files(wanted: usize) -> usize {
    use nix::sys::resource::{getrlimit, setrlimit, Resource};
    let limit = match getrlimit(Resource::RLIMIT_NOFILE) {
        Ok((soft, hard)) if soft < hard => match setrlimit(Resource::RLIMIT_NOFILE, hard, hard) {
            Ok(()) => hard,
            Err(error) => {
                warn!(%error, soft, hard, "could not raise the open-file limit");
                soft
            }
        },
        Ok((soft, _)) => soft,
        Err(error) => {
            warn!(%error, "could not read the open-file limit");
            return wanted;
        }
    };
    let fits = usize::try_from(limit.saturating_sub(RESERVED_FILES))
        .unwrap_or(usize::MAX)
        .max(1);
    if fits < wanted {
        warn!(
            open_file_limit = limit,
            max_connections = fits,
            "the open-file limit allows fewer connections than --max-connections"
        );
    }
    wanted.min(fits)
}
