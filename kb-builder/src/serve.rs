//! `kb-builder serve`: build, serve the output on localhost, rebuild when content changes, and reload open
//! pages (a small script injected into served HTML listens on a server-sent-events stream).

use std::convert::Infallible;
use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use std::time::Duration;

use anyhow::Context;
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{StatusCode, header};
use axum::response::sse::{Event, KeepAlive, Sse};
use axum::response::{IntoResponse, Response};
use axum::routing::get;
use tokio::sync::watch;
use tokio_stream::StreamExt;
use tokio_stream::wrappers::WatchStream;
use tower::ServiceExt;
use tower_http::services::ServeDir;

use crate::config::SiteConfig;
use crate::pipeline;
use crate::progress::Progress;

const EVENTS_PATH: &str = "/__answerdesk/events";
const RELOAD_SCRIPT: &str =
    "<script>new EventSource(\"/__answerdesk/events\").onmessage = () => location.reload();</script>";

#[derive(Clone)]
struct AppState {
    out: PathBuf,
    builds: watch::Receiver<u64>,
}

/// Runs until interrupted.
pub fn run(content: PathBuf, out: PathBuf, listen: SocketAddr, quiet: bool) -> anyhow::Result<ExitCode> {
    let runtime = tokio::runtime::Builder::new_multi_thread().enable_all().build()?;
    runtime.block_on(serve(content, out, listen, quiet))
}

async fn serve(content: PathBuf, out: PathBuf, listen: SocketAddr, quiet: bool) -> anyhow::Result<ExitCode> {
    rebuild(&content, &out, quiet).await;
    let (builds_tx, builds) = watch::channel(0u64);

    // File events arrive on a std channel; a blocking task debounces them and rebuilds.
    let (events_tx, events_rx) = std::sync::mpsc::channel();
    let mut debouncer = notify_debouncer_mini::new_debouncer(Duration::from_millis(200), events_tx)?;
    debouncer
        .watcher()
        .watch(&content, notify_debouncer_mini::notify::RecursiveMode::Recursive)
        .with_context(|| format!("cannot watch {}", content.display()))?;
    if let Some(config) = content.parent().map(|p| p.join(crate::config::FILE_NAME)).filter(|p| p.is_file()) {
        debouncer.watcher().watch(&config, notify_debouncer_mini::notify::RecursiveMode::NonRecursive)?;
    }
    let handle = tokio::runtime::Handle::current();
    let (watch_content, watch_out) = (content.clone(), out.clone());
    std::thread::spawn(move || {
        let mut version = 0;
        let mut last = fingerprint(&watch_content);
        // Reading files during a build raises events too; only a real change of content triggers a build.
        while events_rx.recv().is_ok() {
            let now = fingerprint(&watch_content);
            if now != last {
                last = now;
                handle.block_on(rebuild(&watch_content, &watch_out, quiet));
                version += 1;
                let _ = builds_tx.send(version);
            }
        }
    });

    let app = Router::new()
        .route(EVENTS_PATH, get(events))
        .fallback(static_file)
        .with_state(AppState { out: out.clone(), builds });
    let listener =
        tokio::net::TcpListener::bind(listen).await.with_context(|| format!("cannot listen on {listen}"))?;
    eprintln!(
        "serving {} on http://{}/ (Ctrl+C to stop); watching {}",
        out.display(),
        listener.local_addr()?,
        content.display()
    );
    axum::serve(listener, app)
        .with_graceful_shutdown(async {
            let _ = tokio::signal::ctrl_c().await;
        })
        .await?;
    drop(debouncer);
    Ok(ExitCode::SUCCESS)
}

/// Every file under the content folder (and the config beside it) with its size and modification time.
fn fingerprint(content: &Path) -> Vec<(PathBuf, u64, Option<std::time::SystemTime>)> {
    let config = content.parent().map(|p| p.join(crate::config::FILE_NAME));
    walkdir::WalkDir::new(content)
        .into_iter()
        .filter_map(Result::ok)
        .map(|e| e.into_path())
        .chain(config)
        .filter_map(|path| {
            let meta = std::fs::metadata(&path).ok()?;
            meta.is_file().then(|| (path, meta.len(), meta.modified().ok()))
        })
        .collect()
}

async fn rebuild(content: &Path, out: &Path, quiet: bool) {
    let (content, out) = (content.to_path_buf(), out.to_path_buf());
    let result = tokio::task::spawn_blocking(move || -> anyhow::Result<()> {
        let (config, _) = SiteConfig::load(&content)?;
        // Editors previewing want to see what is valid while they fix the rest.
        let report = pipeline::build(
            &content,
            &out,
            &config,
            true,
            kb_core::lazy::ALL_IN_ENTRY_BELOW,
            &Progress::new(quiet),
        )?;
        for d in report.loaded.diagnostics.iter().filter(|d| d.is_error()) {
            eprintln!("{d}");
        }
        eprintln!("rebuilt: {} articles, {} errors", report.loaded.articles.len(), report.loaded.errors());
        Ok(())
    })
    .await;
    match result {
        Ok(Ok(())) => {}
        Ok(Err(err)) => eprintln!("build failed (previous output kept): {err:#}"),
        Err(err) => eprintln!("build crashed (previous output kept): {err}"),
    }
}

async fn events(
    State(state): State<AppState>,
) -> Sse<impl tokio_stream::Stream<Item = Result<Event, Infallible>>> {
    // Skip the current value: only builds after the page loaded trigger a reload.
    let stream =
        WatchStream::from_changes(state.builds).map(|version| Ok(Event::default().data(version.to_string())));
    Sse::new(stream).keep_alive(KeepAlive::default())
}

async fn static_file(State(state): State<AppState>, request: Request) -> Response {
    let relative = request.uri().path().trim_start_matches('/').to_string();
    if relative.split('/').any(|part| part == "..") {
        return StatusCode::BAD_REQUEST.into_response();
    }
    let mut path = state.out.join(&relative);
    if path.is_dir() {
        path = path.join("index.html");
    }
    if path.extension().is_some_and(|e| e == "html") {
        let status = if path.is_file() { StatusCode::OK } else { StatusCode::NOT_FOUND };
        let file = if status == StatusCode::OK { path } else { state.out.join("404.html") };
        if let Ok(html) = tokio::fs::read_to_string(&file).await {
            let html = match html.rfind("</body>") {
                Some(at) => format!("{}{RELOAD_SCRIPT}{}", &html[..at], &html[at..]),
                None => html + RELOAD_SCRIPT,
            };
            return (
                status,
                [(header::CONTENT_TYPE, "text/html; charset=utf-8"), (header::CACHE_CONTROL, "no-store")],
                html,
            )
                .into_response();
        }
    }
    // As a production host serves it: `.br`/`.gz` next to a file (what `cargo xtask` writes for the widget
    // and the index) when the browser accepts them, with the cache rules the README gives.
    let files = ServeDir::new(&state.out).precompressed_br().precompressed_gzip();
    match files.oneshot(request).await {
        Ok(response) => {
            let mut response = response.map(Body::new);
            let headers = response.headers_mut();
            // The widget is embedded on other origins: its module, wasm and index are fetched with CORS.
            headers.insert(header::ACCESS_CONTROL_ALLOW_ORIGIN, header::HeaderValue::from_static("*"));
            if response.status().is_success() {
                let cache = header::HeaderValue::from_static(cache_control(&relative));
                response.headers_mut().insert(header::CACHE_CONTROL, cache);
            }
            response
        }
        Err(err) => (StatusCode::INTERNAL_SERVER_ERROR, err.to_string()).into_response(),
    }
}

/// Content-hashed files never change under their name; everything else is revalidated, so a rebuild is
/// seen at once.
fn cache_control(path: &str) -> &'static str {
    let name = path.rsplit('/').next().unwrap_or_default();
    let hashed = match path.split('/').next() {
        Some("kb") => [".entry", ".chunk", ".body"].iter().any(|ext| name.ends_with(ext)),
        Some("assets") => true,
        // Trunk names the module and the wasm after their hash; the loader keeps its name.
        Some("widget") => name.starts_with("answerdesk-widget-"),
        _ => false,
    };
    if hashed { "public, max-age=31536000, immutable" } else { "no-cache" }
}

#[cfg(test)]
mod tests {
    use super::cache_control;

    #[test]
    fn content_hashed_files_are_immutable_and_the_rest_revalidated() {
        for immutable in [
            "kb/en-0123456789abcdef.entry",
            "kb/0a1b.chunk",
            "kb/0a1b.body",
            "assets/help-9f3e.css",
            "widget/answerdesk-widget-2663260c9c688191_bg.wasm",
        ] {
            assert_eq!(cache_control(immutable), "public, max-age=31536000, immutable", "{immutable}");
        }
        for revalidated in ["kb/manifest.json", "widget/answerdesk.js", "sitemap.xml", "en/returns/"] {
            assert_eq!(cache_control(revalidated), "no-cache", "{revalidated}");
        }
    }
}
