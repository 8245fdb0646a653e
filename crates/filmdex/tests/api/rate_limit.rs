//! Rate limiting through the router: 429 after the burst with `Retry-After` and RateLimit
//! headers, other clients and other route groups unaffected, `X-Forwarded-For` believed only
//! from trusted proxies, health probes never limited.

use std::net::SocketAddr;

use axum::body::Body;
use axum::extract::ConnectInfo;
use axum::http::Request;
use axum::Router;
use filmdex::config::{Bucket, RateLimits};
use filmdex::serve::router;

use super::{config, franchises, send, state, Reply};

/// A router allowing bursts of 3 searches and 5 other requests, refilled slowly.
fn limited_app(trusted_proxies: &[&str]) -> Router {
    let mut config = config(franchises());
    config.rate_limits = Some(RateLimits {
        search: Bucket {
            per_second: 0.5,
            burst: 3,
        },
        other: Bucket {
            per_second: 0.5,
            burst: 5,
        },
        global_search: None,
    });
    config.trusted_proxies = trusted_proxies
        .iter()
        .map(|range| range.to_string())
        .collect();
    router(state(&config))
}

/// A GET from `peer`, with an optional `X-Forwarded-For`.
async fn get_from(app: &Router, uri: &str, peer: &str, forwarded_for: Option<&str>) -> Reply {
    let mut request = Request::get(uri);
    if let Some(chain) = forwarded_for {
        request = request.header("x-forwarded-for", chain);
    }
    let mut request = request.body(Body::empty()).expect("a request");
    let peer: SocketAddr = format!("{peer}:40000").parse().expect("an address");
    request.extensions_mut().insert(ConnectInfo(peer));
    send(app, request).await
}

#[tokio::test]
async fn the_burst_passes_then_429_with_retry_after() {
    let app = limited_app(&[]);
    for remaining in (0..3).rev() {
        let reply = get_from(&app, "/film/search?limit=1", "192.0.2.1", None).await;
        assert_eq!(reply.status, 200);
        assert_eq!(reply.header("ratelimit-limit"), Some("3"));
        assert_eq!(
            reply.header("ratelimit-remaining"),
            Some(remaining.to_string().as_str())
        );
    }
    let refused = get_from(&app, "/film/search?limit=1", "192.0.2.1", None).await;
    refused.assert_error(429, "rate_limited");
    assert_eq!(
        refused.header("retry-after"),
        Some("2"),
        "one token at 0.5/s"
    );
    assert_eq!(refused.header("ratelimit-remaining"), Some("0"));
    assert!(refused.header("ratelimit-reset").is_some());
}

#[tokio::test]
async fn other_clients_and_other_groups_are_unaffected() {
    let app = limited_app(&[]);
    for _ in 0..4 {
        get_from(&app, "/film/search", "192.0.2.1", None).await;
    }
    assert_eq!(
        get_from(&app, "/film/search", "192.0.2.1", None)
            .await
            .status,
        429
    );
    assert_eq!(
        get_from(&app, "/film/search", "192.0.2.2", None)
            .await
            .status,
        200,
        "another client"
    );
    assert_eq!(
        get_from(&app, "/film/99785", "192.0.2.1", None)
            .await
            .status,
        200,
        "another group"
    );
    assert_eq!(
        get_from(&app, "/healthz", "192.0.2.1", None).await.status,
        200
    );
}

#[tokio::test]
async fn health_probes_are_never_limited() {
    let app = limited_app(&[]);
    for _ in 0..20 {
        let reply = get_from(&app, "/readyz", "192.0.2.1", None).await;
        assert_eq!(reply.status, 200);
        assert!(reply.header("ratelimit-limit").is_none());
    }
}

#[tokio::test]
async fn forwarded_for_counts_only_from_trusted_proxies() {
    let app = limited_app(&["10.0.0.0/8"]);
    // Through the trusted proxy, two clients have a bucket each.
    for _ in 0..5 {
        assert_eq!(
            get_from(&app, "/film/99785", "10.0.0.1", Some("198.51.100.1"))
                .await
                .status,
            200
        );
    }
    let refused = get_from(&app, "/film/99785", "10.0.0.1", Some("198.51.100.1")).await;
    assert_eq!(refused.status, 429);
    let other = get_from(&app, "/film/99785", "10.0.0.1", Some("198.51.100.2")).await;
    assert_eq!(other.status, 200);
    // A client cannot pick a new identity by writing the header itself: the proxy appends the
    // address it saw, and that rightmost untrusted address is the client.
    let spoofed = get_from(
        &app,
        "/film/99785",
        "10.0.0.1",
        Some("203.0.113.77, 198.51.100.1"),
    )
    .await;
    assert_eq!(spoofed.status, 429);
    // From an untrusted peer the header is ignored: all these are the one peer.
    for n in 0..5 {
        let forged = format!("203.0.113.{n}");
        assert_eq!(
            get_from(&app, "/film/99785", "192.0.2.9", Some(&forged))
                .await
                .status,
            200
        );
    }
    assert_eq!(
        get_from(&app, "/film/99785", "192.0.2.9", Some("203.0.113.99"))
            .await
            .status,
        429
    );
}

#[tokio::test]
async fn limits_can_be_turned_off() {
    let app = router(state(&config(franchises())));
    for _ in 0..30 {
        let reply = get_from(&app, "/film/search?limit=1", "192.0.2.1", None).await;
        assert_eq!(reply.status, 200);
        assert!(reply.header("ratelimit-limit").is_none());
    }
}
