//! The web page (web page issue): placeholder until it lands.

/// Routes serving the embedded page at `/ui/`.
pub fn ui_router<S: Clone + Send + Sync + 'static>() -> axum::Router<S> {
    axum::Router::new()
}
