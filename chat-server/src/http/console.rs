//! The agent console at `/agent`: the files Trunk built from `console/` (`console_dir`), the page under a
//! strict Content-Security-Policy, the content-hashed assets cached for good.

use std::sync::Arc;

use axum::Router;
use axum::body::Body;
use axum::extract::{Path, Request, State};
use axum::http::{HeaderValue, StatusCode, header};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use base64::Engine;
use sha2::{Digest, Sha256};
use tower::ServiceExt;
use tower_http::services::ServeDir;

use crate::AppState;

/// `/agent` (the page) and `/agent/*` (its hashed assets).
pub(super) fn routes() -> Router<Arc<AppState>> {
    Router::new().route("/agent", get(page)).route("/agent/", get(page)).route("/agent/{*file}", get(asset))
}

/// A file of the build, by name. Trunk names every asset by its content hash, so a cached copy is
/// never stale.
async fn asset(State(state): State<Arc<AppState>>, Path(file): Path<String>, request: Request) -> Response {
    if file == "index.html" {
        return page(State(state)).await;
    }
    let Some(dir) = state.config.console_dir.as_deref() else { return not_built(None) };
    let (mut parts, body) = request.into_parts();
    let Ok(uri) = format!("/{file}").parse() else { return StatusCode::NOT_FOUND.into_response() };
    parts.uri = uri;
    // ServeDir refuses `..` and anything outside `dir`, and sends the `.br`/`.gz` beside a file (written by
    // `cargo xtask`) to browsers that accept it.
    let files = ServeDir::new(dir).precompressed_br().precompressed_gzip();
    let Ok(mut response) = files.oneshot(Request::from_parts(parts, body)).await;
    if response.status().is_success() {
        response
            .headers_mut()
            .insert(header::CACHE_CONTROL, HeaderValue::from_static("public, max-age=31536000, immutable"));
    }
    response.map(Body::new)
}

/// Trunk's page, with a policy that allows exactly its own inline start-up script.
async fn page(State(state): State<Arc<AppState>>) -> Response {
    let Some(dir) = state.config.console_dir.as_deref() else { return not_built(None) };
    let index = dir.join("index.html");
    let Ok(html) = tokio::fs::read_to_string(&index).await else { return not_built(Some(&index)) };
    let policy = policy(&html);
    let Ok(policy) = HeaderValue::from_str(&policy) else { return not_built(Some(&index)) };
    (
        [
            (header::CONTENT_TYPE, HeaderValue::from_static("text/html; charset=utf-8")),
            (header::CONTENT_SECURITY_POLICY, policy),
            // The page names the current hashed files: always ask for it again.
            (header::CACHE_CONTROL, HeaderValue::from_static("no-cache")),
            (header::X_CONTENT_TYPE_OPTIONS, HeaderValue::from_static("nosniff")),
            (header::REFERRER_POLICY, HeaderValue::from_static("same-origin")),
        ],
        html,
    )
        .into_response()
}

/// Scripts and styles only from this server plus the page's own inline scripts by hash, WebAssembly
/// allowed, no framing: text a visitor or agent writes can never become code.
pub fn policy(html: &str) -> String {
    let hashes: String = inline_scripts(html)
        .map(|script| {
            let digest = Sha256::digest(script.as_bytes());
            format!(" 'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(digest))
        })
        .collect();
    format!(
        "default-src 'self'; script-src 'self' 'wasm-unsafe-eval'{hashes}; style-src 'self'; \
         img-src 'self' data:; connect-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'self'"
    )
}

/// The bodies of the `<script>` elements that have no `src`.
fn inline_scripts(html: &str) -> impl Iterator<Item = &str> {
    html.split("<script").skip(1).filter_map(|rest| {
        let (attributes, rest) = rest.split_once('>')?;
        if attributes.contains("src=") {
            return None;
        }
        Some(rest.split_once("</script>")?.0)
    })
}

fn not_built(missing: Option<&std::path::Path>) -> Response {
    let why = match missing {
        Some(index) => format!("{} is missing or unreadable.", index.display()),
        None => "chat-server was started without --console-dir.".to_owned(),
    };
    let text = format!(
        "The agent console is not available: {why}\n\nBuild it with `cargo xtask demo` (which also serves it), \
         or with `trunk --config console/Trunk.toml build --release --dist DIR`, then start chat-server with \
         `--console-dir DIR` (or CHAT_SERVER_CONSOLE_DIR=DIR, or `console_dir` in its settings file).\n"
    );
    (StatusCode::SERVICE_UNAVAILABLE, [(header::CONTENT_TYPE, "text/plain; charset=utf-8")], text)
        .into_response()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_policy_names_each_inline_script_by_hash_and_nothing_unsafe() {
        let html = r#"<head><script type="module">import init from '/agent/a.js'; await init();</script>
            <script src="/agent/b.js"></script></head>"#;
        let policy = policy(html);
        let digest = Sha256::digest(b"import init from '/agent/a.js'; await init();");
        let expected = format!("'sha256-{}'", base64::engine::general_purpose::STANDARD.encode(digest));
        assert!(policy.contains(&expected), "{policy}");
        assert_eq!(policy.matches("'sha256-").count(), 1, "{policy}");
        assert!(!policy.contains("unsafe-inline") && !policy.contains("'unsafe-eval'"), "{policy}");
        assert!(policy.contains("frame-ancestors 'none'"));
    }
}
