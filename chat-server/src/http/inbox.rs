//! The agent inbox: one static page, a stylesheet and a script, compiled into the binary.

use axum::http::header;
use axum::response::IntoResponse;

/// Scripts only from this server, no inline code, no framing: user text can never become markup.
const POLICY: &str = "default-src 'self'; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'";

pub(super) async fn page() -> impl IntoResponse {
    (
        [(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CONTENT_SECURITY_POLICY, POLICY)],
        include_str!("../../assets/inbox.html"),
    )
}

pub(super) async fn script() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/javascript; charset=utf-8")], include_str!("../../assets/inbox.js"))
}

pub(super) async fn style() -> impl IntoResponse {
    ([(header::CONTENT_TYPE, "text/css; charset=utf-8")], include_str!("../../assets/inbox.css"))
}
