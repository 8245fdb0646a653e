//! The server's defences over real sockets: half-sent requests and idle connections closed after
//! the header timeout, connection caps per client and overall, the whole-request timeout, the
//! cap on expensive work, no HTTP/2 without TLS, and `/metrics` on its own address.

use std::net::SocketAddr;
use std::time::{Duration, Instant};

use filmdex::config::ServeConfig;
use filmdex::serve::{serve_split, AppState};
use tokio::io::{AsyncReadExt, AsyncWriteExt};
use tokio::net::{TcpListener, TcpSocket, TcpStream};

use super::reload::http_client;
use super::{config, franchises, state};

/// A server on port 0 with `edit`ed settings, stopped when dropped.
struct TestServer {
    address: SocketAddr,
    metrics: Option<SocketAddr>,
    state: AppState,
    _stop: tokio::sync::oneshot::Sender<()>,
}

impl TestServer {
    async fn start(edit: impl FnOnce(&mut ServeConfig)) -> TestServer {
        let mut config = config(franchises());
        edit(&mut config);
        let listener = TcpListener::bind("127.0.0.1:0").await.expect("a port");
        let address = listener.local_addr().expect("an address");
        let metrics_listener = match config.metrics_bind {
            Some(_) => Some(TcpListener::bind("127.0.0.1:0").await.expect("a port")),
            None => None,
        };
        let metrics = metrics_listener
            .as_ref()
            .map(|listener| listener.local_addr().expect("an address"));
        let state = state(&config);
        let (stop, stopped) = tokio::sync::oneshot::channel::<()>();
        tokio::spawn(serve_split(
            listener,
            metrics_listener,
            state.clone(),
            async move {
                let _ = stopped.await;
            },
        ));
        TestServer {
            address,
            metrics,
            state,
            _stop: stop,
        }
    }

    fn url(&self, path: &str) -> String {
        format!("http://{}{path}", self.address)
    }

    /// A connection from `source` (a loopback address), having sent `bytes`.
    async fn connect_from(&self, source: &str, bytes: &[u8]) -> TcpStream {
        let socket = TcpSocket::new_v4().expect("a socket");
        socket
            .bind(format!("{source}:0").parse().expect("an address"))
            .expect("binding a loopback address");
        let mut stream = socket.connect(self.address).await.expect("connecting");
        stream.write_all(bytes).await.expect("sending");
        stream
    }
}

/// Reads until the server closes the connection; the bytes it sent, or `None` if it is still
/// open after `within`.
async fn closed_within(stream: &mut TcpStream, within: Duration) -> Option<Vec<u8>> {
    let mut received = Vec::new();
    let read = tokio::time::timeout(within, async {
        let mut buffer = [0u8; 4096];
        loop {
            match stream.read(&mut buffer).await {
                Ok(0) | Err(_) => break,
                Ok(n) => received.extend_from_slice(&buffer[..n]),
            }
        }
    })
    .await;
    read.ok().map(|()| received)
}

const HALF_REQUEST: &[u8] = b"GET /film/99785 HTTP/1.1\r\nHost: filmdex\r\nX-Slow: a\r\n";

#[tokio::test]
async fn half_sent_requests_are_closed_after_the_header_timeout_while_others_are_served() {
    let server = TestServer::start(|config| {
        config.limits.header_timeout = Duration::from_millis(500);
        config.limits.max_connections_per_client = 1000;
    })
    .await;
    let mut slow = Vec::new();
    for _ in 0..200 {
        slow.push(server.connect_from("127.0.0.1", HALF_REQUEST).await);
    }
    let answer = http_client()
        .get(server.url("/film/99785"))
        .send()
        .await
        .expect("an answer beside the slow connections");
    assert_eq!(answer.status(), 200);
    let started = Instant::now();
    for stream in &mut slow {
        assert!(
            closed_within(stream, Duration::from_secs(5))
                .await
                .is_some(),
            "a half-sent request still open {:?} after it began",
            started.elapsed()
        );
    }
    assert!(started.elapsed() < Duration::from_secs(3));
}

#[tokio::test]
async fn an_idle_keep_alive_connection_is_closed_after_the_header_timeout() {
    let server = TestServer::start(|config| {
        config.limits.header_timeout = Duration::from_millis(500);
    })
    .await;
    let mut stream = server
        .connect_from(
            "127.0.0.1",
            b"GET /healthz HTTP/1.1\r\nHost: filmdex\r\n\r\n",
        )
        .await;
    let mut buffer = [0u8; 1024];
    let n = stream.read(&mut buffer).await.expect("an answer");
    assert!(buffer[..n].starts_with(b"HTTP/1.1 200"));
    let idle = Instant::now();
    assert!(
        closed_within(&mut stream, Duration::from_secs(5))
            .await
            .is_some(),
        "still open"
    );
    assert!(
        idle.elapsed() >= Duration::from_millis(400),
        "{:?}",
        idle.elapsed()
    );
}

#[tokio::test]
async fn a_client_that_does_not_read_its_answers_is_closed_after_the_write_timeout() {
    let server = TestServer::start(|config| {
        config.limits.write_timeout = Duration::from_millis(500);
        config.limits.header_timeout = Duration::from_secs(60);
    })
    .await;
    // A small receive buffer, and far more answers asked for (100 of about 100 KB) than the
    // socket buffers on both sides hold: the server's writes soon make no progress.
    let socket = TcpSocket::new_v4().expect("a socket");
    socket
        .set_recv_buffer_size(4096)
        .expect("a receive buffer size");
    let mut stream = socket.connect(server.address).await.expect("connecting");
    let request = b"GET /openapi.json HTTP/1.1\r\nHost: filmdex\r\n\r\n".repeat(100);
    stream.write_all(&request).await.expect("sending");
    let open = || {
        let metrics = server.state.metrics().render(&server.state.snapshot());
        metrics.contains("filmdex_open_connections 1")
    };
    let asked = Instant::now();
    while !open() && asked.elapsed() < Duration::from_secs(5) {
        tokio::time::sleep(Duration::from_millis(10)).await;
    }
    assert!(open(), "the server never took the connection");
    while open() && asked.elapsed() < Duration::from_secs(10) {
        tokio::time::sleep(Duration::from_millis(50)).await;
    }
    assert!(
        !open(),
        "the connection of a client that reads nothing is still open"
    );
    // The server is still answering other clients.
    let answer = http_client()
        .get(server.url("/film/99785"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(answer.status(), 200);
    drop(stream);
}

#[tokio::test]
async fn connections_over_a_clients_cap_are_closed_and_other_clients_still_connect() {
    let server = TestServer::start(|config| {
        config.limits.max_connections_per_client = 5;
    })
    .await;
    let mut held = Vec::new();
    for _ in 0..5 {
        held.push(server.connect_from("127.0.0.1", HALF_REQUEST).await);
    }
    let mut over = server.connect_from("127.0.0.1", HALF_REQUEST).await;
    assert!(
        closed_within(&mut over, Duration::from_secs(2))
            .await
            .is_some(),
        "the sixth connection of one client is closed"
    );
    // Another address is another client.
    let mut other = server
        .connect_from(
            "127.0.0.2",
            b"GET /healthz HTTP/1.1\r\nHost: filmdex\r\nConnection: close\r\n\r\n",
        )
        .await;
    let answer = closed_within(&mut other, Duration::from_secs(2))
        .await
        .expect("answered and closed");
    assert!(
        answer.starts_with(b"HTTP/1.1 200"),
        "{}",
        String::from_utf8_lossy(&answer)
    );
    // A closed connection gives its place back.
    drop(held.pop());
    tokio::time::sleep(Duration::from_millis(200)).await;
    let mut again = server
        .connect_from(
            "127.0.0.1",
            b"GET /healthz HTTP/1.1\r\nHost: filmdex\r\nConnection: close\r\n\r\n",
        )
        .await;
    let answer = closed_within(&mut again, Duration::from_secs(2))
        .await
        .expect("answered and closed");
    assert!(answer.starts_with(b"HTTP/1.1 200"));
    let metrics = server.state.metrics().render(&server.state.snapshot());
    assert!(
        metrics.contains("filmdex_connections_refused_total{cap=\"client\"} 1"),
        "{metrics}"
    );
}

#[tokio::test]
async fn connections_over_the_total_cap_are_closed() {
    let server = TestServer::start(|config| {
        config.limits.max_connections = 3;
    })
    .await;
    let mut held = Vec::new();
    for source in ["127.0.0.1", "127.0.0.2", "127.0.0.3"] {
        held.push(server.connect_from(source, HALF_REQUEST).await);
    }
    let mut over = server.connect_from("127.0.0.4", HALF_REQUEST).await;
    assert!(closed_within(&mut over, Duration::from_secs(2))
        .await
        .is_some());
    let metrics = server.state.metrics().render(&server.state.snapshot());
    assert!(metrics.contains("filmdex_open_connections 3"), "{metrics}");
}

#[tokio::test]
async fn a_request_not_answered_in_time_gets_503_timed_out_in_the_error_shape() {
    let server = TestServer::start(|config| {
        config.limits.request_timeout = Duration::from_millis(300);
    })
    .await;
    // A body announced but never sent: the handler waits for it past the request timeout.
    let mut stream = server
        .connect_from(
            "127.0.0.1",
            b"POST /film/search HTTP/1.1\r\nHost: filmdex\r\nContent-Type: application/json\r\nContent-Length: 100\r\n\r\n{\"title\"",
        )
        .await;
    let started = Instant::now();
    let mut buffer = vec![0u8; 4096];
    let n = tokio::time::timeout(Duration::from_secs(5), stream.read(&mut buffer))
        .await
        .expect("answered in time")
        .expect("readable");
    let answer = String::from_utf8_lossy(&buffer[..n]);
    assert!(answer.starts_with("HTTP/1.1 503"), "{answer}");
    assert!(answer.contains("\"code\":\"timed_out\""), "{answer}");
    assert!(answer.contains("\"request_id\""), "{answer}");
    assert!(started.elapsed() >= Duration::from_millis(250));
}

#[tokio::test]
async fn expensive_work_over_the_cap_gets_503_overloaded_with_retry_after() {
    let server = TestServer::start(|config| {
        config.limits.max_expensive = 1;
        config.limits.expensive_wait = Duration::from_millis(50);
    })
    .await;
    let client = http_client();
    let held = server.state.expensive_turn().await.expect("the one turn");
    let refused = client
        .get(server.url("/film/search?title=alone"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(refused.status(), 503);
    assert_eq!(refused.headers()["retry-after"], "1");
    let body: serde_json::Value =
        serde_json::from_slice(&refused.bytes().await.expect("a body")).expect("JSON");
    assert_eq!(body["code"], "overloaded");
    assert_eq!(
        client
            .get(server.url("/film/99785"))
            .send()
            .await
            .expect("an answer")
            .status(),
        200,
        "cheap routes need no turn"
    );
    drop(held);
    let served = client
        .get(server.url("/film/search?title=alone"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(served.status(), 200);
}

/// Suggestions rank on a blocking thread under the same cap as searches: many at once with one
/// turn all get their answer in turn, and a request that finds the turn held too long gets 503.
#[tokio::test]
async fn suggest_answers_under_the_cap_on_expensive_work() {
    let server = TestServer::start(|config| {
        config.limits.max_expensive = 1;
        config.limits.expensive_wait = Duration::from_millis(200);
    })
    .await;
    let client = http_client();
    let url = server.url("/film/suggest?q=home%20alo");
    let answers = futures_util::future::join_all((0..8).map(|_| client.get(&url).send())).await;
    for answer in answers {
        let answer = answer.expect("an answer");
        assert_eq!(answer.status(), 200);
        let films: serde_json::Value =
            serde_json::from_slice(&answer.bytes().await.expect("a body")).expect("JSON");
        assert_eq!(films[0]["title"], "Home Alone", "{films}");
    }
    let held = server.state.expensive_turn().await.expect("the one turn");
    let refused = client.get(&url).send().await.expect("an answer");
    assert_eq!(refused.status(), 503);
    assert_eq!(refused.headers()["retry-after"], "1");
    let body: serde_json::Value =
        serde_json::from_slice(&refused.bytes().await.expect("a body")).expect("JSON");
    assert_eq!(body["code"], "overloaded");
    drop(held);
    assert_eq!(
        client.get(&url).send().await.expect("an answer").status(),
        200
    );
}

#[tokio::test]
async fn http2_without_tls_is_not_spoken() {
    let server = TestServer::start(|_| {}).await;
    // HTTP/2 by prior knowledge: the connection preface, then an empty SETTINGS frame.
    let mut preface = b"PRI * HTTP/2.0\r\n\r\nSM\r\n\r\n".to_vec();
    preface.extend_from_slice(&[0, 0, 0, 4, 0, 0, 0, 0, 0]);
    let mut stream = server.connect_from("127.0.0.1", &preface).await;
    let answer = closed_within(&mut stream, Duration::from_secs(5))
        .await
        .expect("closed");
    // An HTTP/2 server's first bytes are a SETTINGS frame (type 4); ours are HTTP/1 or nothing.
    assert!(
        answer.is_empty() || answer.starts_with(b"HTTP/1.1 "),
        "{answer:?}"
    );
    // An upgrade request is answered over HTTP/1.1, not switched.
    let mut stream = server
        .connect_from(
            "127.0.0.1",
            b"GET /healthz HTTP/1.1\r\nHost: filmdex\r\nConnection: Upgrade, HTTP2-Settings\r\nUpgrade: h2c\r\nHTTP2-Settings: AAMAAABkAAQAAP__\r\n\r\n",
        )
        .await;
    let mut buffer = [0u8; 1024];
    let n = stream.read(&mut buffer).await.expect("an answer");
    assert!(
        buffer[..n].starts_with(b"HTTP/1.1 200"),
        "{:?}",
        &buffer[..n]
    );
}

#[tokio::test]
async fn metrics_carry_process_figures_and_can_have_their_own_address() {
    let server = TestServer::start(|config| {
        config.metrics_bind = Some("127.0.0.1:0".into());
    })
    .await;
    let client = http_client();
    let on_api = client
        .get(server.url("/metrics"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(on_api.status(), 404, "not on the API's address");
    let metrics_address = server.metrics.expect("a metrics address");
    let text = client
        .get(format!("http://{metrics_address}/metrics"))
        .send()
        .await
        .expect("an answer")
        .text()
        .await
        .expect("a body");
    let value = |name: &str| -> f64 {
        text.lines()
            .find_map(|line| line.strip_prefix(&format!("{name} ")))
            .unwrap_or_else(|| panic!("{name} missing:\n{text}"))
            .parse()
            .expect("a number")
    };
    assert!(value("process_resident_memory_bytes") > 1e6);
    assert!(value("process_cpu_seconds_total") >= 0.0);
    assert!(value("process_open_fds") >= 3.0);
    assert!(value("process_max_fds") >= value("process_open_fds"));
    assert!(
        value("filmdex_open_connections") >= 1.0,
        "this scrape's own"
    );
    assert!(value("filmdex_http_requests_in_flight") >= 0.0);
    let other = client
        .get(format!("http://{metrics_address}/film/99785"))
        .send()
        .await
        .expect("an answer");
    assert_eq!(
        other.status(),
        404,
        "the metrics address serves nothing else"
    );
}
