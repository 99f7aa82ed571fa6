//! The demo storefront: the pages in `site/demo/`, served on their own origin so the widget is embedded
//! across origins exactly as on a customer's website.

use std::net::SocketAddr;
use std::path::Path;

use anyhow::Context;
use tower_http::services::ServeDir;

/// Copies the storefront pages into a temporary folder with `{{HELP_CENTER}}` replaced by `help_center`.
pub fn prepare(source: &Path, help_center: &str) -> anyhow::Result<tempfile::TempDir> {
    let dir = tempfile::tempdir()?;
    for entry in std::fs::read_dir(source).with_context(|| format!("cannot list {}", source.display()))? {
        let path = entry?.path();
        let text =
            std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let name = path.file_name().context("a file without a name")?;
        std::fs::write(dir.path().join(name), text.replace("{{HELP_CENTER}}", help_center))?;
    }
    Ok(dir)
}

/// Serves `dir` on `addr` until interrupted.
pub fn serve(dir: &Path, addr: SocketAddr) -> anyhow::Result<()> {
    let runtime = tokio::runtime::Builder::new_multi_thread().worker_threads(1).enable_all().build()?;
    runtime.block_on(async {
        let listener =
            tokio::net::TcpListener::bind(addr).await.with_context(|| format!("cannot listen on {addr}"))?;
        let app = axum::Router::new().fallback_service(ServeDir::new(dir));
        axum::serve(listener, app)
            .with_graceful_shutdown(async {
                let _ = tokio::signal::ctrl_c().await;
            })
            .await
            .context("the storefront server failed")
    })
}
