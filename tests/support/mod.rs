//! What the end-to-end tests run against: the built `dist/` (help center, index, widget) served on
//! 127.0.0.1 like a static host, a storefront page on a second origin that embeds the widget the way a
//! customer would, and a real headless Chromium driven through chromedriver (WebDriver).

use std::net::SocketAddr;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use anyhow::{Context, bail};
use axum::Router;
use axum::body::Body;
use axum::extract::{Request, State};
use axum::http::{HeaderName, HeaderValue};
use axum::response::Response;
use fantoccini::{Client, ClientBuilder};
use futures_util::StreamExt;
use serde_json::{Value, json};
use tower::ServiceExt;
use tower_http::services::ServeDir;

/// Where `cargo xtask test` put the help center and the widget it built for these tests.
pub fn dist() -> PathBuf {
    built("ANSWERDESK_E2E_DIST", workspace().join("dist"))
}

/// Where `cargo xtask test` put a large help center (the 8,714-article azure-powershell corpus from
/// `../shared/corpora`, built by kb-builder) with the same widget.
pub fn large_dist() -> PathBuf {
    built("ANSWERDESK_E2E_LARGE", workspace().join("target/e2e/large"))
}

/// Where `cargo xtask test` put the agent console Trunk built (chat-server serves it at `/agent`).
pub fn console_dist() -> PathBuf {
    let dir = std::env::var_os("ANSWERDESK_E2E_CONSOLE")
        .map_or_else(|| workspace().join("target/e2e/console"), PathBuf::from);
    assert!(
        dir.join("index.html").is_file(),
        "{} has no built console: run the browser tests with `cargo xtask test`, which builds it",
        dir.display()
    );
    dir
}

/// The kb-builder binary `cargo xtask test` built (the browser walk from a gap to a draft runs its
/// `drafts pull` and `check`).
pub fn kb_builder() -> PathBuf {
    let path = std::env::var_os("ANSWERDESK_E2E_KB_BUILDER")
        .map_or_else(|| workspace().join("target/debug/kb-builder"), PathBuf::from);
    assert!(path.is_file(), "{} is missing: run the browser tests with `cargo xtask test`", path.display());
    path
}

/// Copies folder `from` into `to` (created), files and subfolders.
pub fn copy_tree(from: &Path, to: &Path) -> std::io::Result<()> {
    std::fs::create_dir_all(to)?;
    for entry in std::fs::read_dir(from)? {
        let entry = entry?;
        let target = to.join(entry.file_name());
        if entry.file_type()?.is_dir() {
            copy_tree(&entry.path(), &target)?;
        } else {
            std::fs::copy(entry.path(), target)?;
        }
    }
    Ok(())
}

/// The folder named by the environment variable `var` (else `default`), checked to hold a built widget
/// and index.
fn built(var: &str, default: PathBuf) -> PathBuf {
    let dist = std::env::var_os(var).map(PathBuf::from).unwrap_or(default);
    assert!(
        dist.join("widget/answerdesk.js").is_file() && dist.join("kb/manifest.json").is_file(),
        "{} has no built widget and index: run the browser tests with `cargo xtask test`, which builds them",
        dist.display()
    );
    dist
}

/// The workspace root.
pub fn workspace() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("tests/ is inside the workspace").to_path_buf()
}

/// Where screenshots and timings go (kept after the run as test artifacts).
pub fn artifacts() -> PathBuf {
    let dir = workspace().join("target/e2e-artifacts");
    std::fs::create_dir_all(&dir).expect("cannot create target/e2e-artifacts");
    dir
}

/// A static file server on 127.0.0.1 that records every path requested.
#[derive(Debug)]
pub struct Server {
    pub addr: SocketAddr,
    requests: Arc<Mutex<Vec<String>>>,
    refused: Arc<Mutex<Vec<String>>>,
    held: Arc<tokio::sync::watch::Sender<Vec<String>>>,
    _task: tokio::task::JoinHandle<()>,
}

#[derive(Clone)]
struct ServerState {
    root: PathBuf,
    headers: Arc<Vec<(HeaderName, HeaderValue)>>,
    precompressed: bool,
    requests: Arc<Mutex<Vec<String>>>,
    /// Paths ending in one of these get a 404, as from a host that lost them.
    refused: Arc<Mutex<Vec<String>>>,
    /// Paths ending in one of these wait until [`Server::release`], as on a very slow network.
    held: Arc<tokio::sync::watch::Sender<Vec<String>>>,
    link: Option<Arc<Shaper>>,
}

/// A slow network made by the server itself: each response starts `latency` after its request, and the
/// bytes of all responses share one link of `bytes_per_second`. It reaches every request, the page's and
/// a worker's alike; DevTools' network emulation, set on the page, does not reach a dedicated worker's.
#[derive(Debug, Clone, Copy)]
pub struct Link {
    pub latency: Duration,
    pub bytes_per_second: f64,
}

#[derive(Debug)]
struct Shaper {
    link: Link,
    /// When the link has sent everything handed to it so far.
    free_at: tokio::sync::Mutex<tokio::time::Instant>,
}

impl Shaper {
    /// Slices of one response's chunk that interleave with other responses' (as TCP segments would).
    const SLICE: usize = 8 * 1024;

    /// Waits until `len` more bytes have crossed the link, after what is already queued on it.
    async fn send(&self, len: usize) {
        let mut left = len;
        while left > 0 {
            let slice = left.min(Self::SLICE);
            left -= slice;
            let done = {
                let mut free_at = self.free_at.lock().await;
                let start = (*free_at).max(tokio::time::Instant::now());
                *free_at = start + Duration::from_secs_f64(slice as f64 / self.link.bytes_per_second);
                *free_at
            };
            tokio::time::sleep_until(done).await;
        }
    }

    async fn shape(self: Arc<Self>, response: Response) -> Response {
        tokio::time::sleep(self.link.latency).await;
        let (parts, body) = response.into_parts();
        let body = body.into_data_stream().then(move |chunk| {
            let shaper = self.clone();
            async move {
                if let Ok(bytes) = &chunk {
                    shaper.send(bytes.len()).await;
                }
                chunk
            }
        });
        Response::from_parts(parts, Body::from_stream(body))
    }
}

impl Server {
    /// Serves `root`, adding `headers` to every response.
    pub async fn start(root: PathBuf, headers: &[(&'static str, String)]) -> anyhow::Result<Self> {
        Self::serve(root, headers, false, None).await
    }

    /// Like [`Server::start`], but serves `<file>.br` or `<file>.gz` instead of `<file>` when the browser
    /// accepts that encoding, as a static host or CDN does with the precompressed assets `cargo xtask`
    /// writes.
    pub async fn start_precompressed(
        root: PathBuf,
        headers: &[(&'static str, String)],
    ) -> anyhow::Result<Self> {
        Self::serve(root, headers, true, None).await
    }

    /// Like [`Server::start_precompressed`], every response going through `link`.
    pub async fn start_shaped(
        root: PathBuf,
        headers: &[(&'static str, String)],
        link: Link,
    ) -> anyhow::Result<Self> {
        Self::serve(root, headers, true, Some(link)).await
    }

    async fn serve(
        root: PathBuf,
        headers: &[(&'static str, String)],
        precompressed: bool,
        link: Option<Link>,
    ) -> anyhow::Result<Self> {
        let headers = headers
            .iter()
            .map(|(name, value)| Ok((HeaderName::from_static(name), HeaderValue::from_str(value)?)))
            .collect::<anyhow::Result<Vec<_>>>()?;
        let requests = Arc::new(Mutex::new(Vec::new()));
        let refused = Arc::new(Mutex::new(Vec::new()));
        let held = Arc::new(tokio::sync::watch::Sender::new(Vec::new()));
        let state = ServerState {
            root,
            headers: Arc::new(headers),
            precompressed,
            requests: requests.clone(),
            refused: refused.clone(),
            held: held.clone(),
            link: link.map(|link| {
                Arc::new(Shaper { link, free_at: tokio::sync::Mutex::new(tokio::time::Instant::now()) })
            }),
        };
        let app = Router::new().fallback(serve_file).with_state(state);
        let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
        let addr = listener.local_addr()?;
        let task = tokio::spawn(async move {
            let _ = axum::serve(listener, app).await;
        });
        Ok(Server { addr, requests, refused, held, _task: task })
    }

    /// `http://127.0.0.1:PORT`.
    pub fn origin(&self) -> String {
        format!("http://{}", self.addr)
    }

    /// From now on, answers 404 for every path ending in `suffix` (e.g. `.chunk`).
    pub fn refuse(&self, suffix: &str) {
        if let Ok(mut refused) = self.refused.lock() {
            refused.push(suffix.to_owned());
        }
    }

    /// From now on, holds every response for a path ending in `suffix` (e.g. `.wasm`) until
    /// [`Server::release`].
    pub fn hold(&self, suffix: &str) {
        self.held.send_modify(|held| held.push(suffix.to_owned()));
    }

    /// Sends what [`Server::hold`] held, and holds nothing more.
    pub fn release(&self) {
        self.held.send_replace(Vec::new());
    }

    /// Paths requested so far.
    pub fn requests(&self) -> Vec<String> {
        self.requests.lock().map(|r| r.clone()).unwrap_or_default()
    }
}

async fn serve_file(State(state): State<ServerState>, request: Request) -> Response {
    if let Ok(mut log) = state.requests.lock() {
        log.push(request.uri().path().to_owned());
    }
    let path = request.uri().path().to_owned();
    let mut held = state.held.subscribe();
    let _ = held.wait_for(|held| !held.iter().any(|suffix| path.ends_with(suffix.as_str()))).await;
    if state.refused.lock().is_ok_and(|refused| refused.iter().any(|suffix| path.ends_with(suffix.as_str())))
    {
        let mut response = Response::new(Body::from("gone"));
        *response.status_mut() = axum::http::StatusCode::NOT_FOUND;
        for (name, value) in state.headers.iter() {
            response.headers_mut().insert(name.clone(), value.clone());
        }
        return response;
    }
    let files = ServeDir::new(&state.root);
    let files = if state.precompressed { files.precompressed_br().precompressed_gzip() } else { files };
    let mut response = match files.oneshot(request).await {
        Ok(response) => response.map(Body::new),
        Err(err) => Response::new(Body::from(err.to_string())),
    };
    for (name, value) in state.headers.iter() {
        response.headers_mut().insert(name.clone(), value.clone());
    }
    match state.link {
        Some(link) => link.shape(response).await,
        None => response,
    }
}

/// The help center (`dist/`) as a static host serves it to other origins (with CORS).
pub async fn help_center() -> anyhow::Result<Server> {
    Server::start(dist(), &[("access-control-allow-origin", "*".into())]).await
}

/// The storefront pages (`site/demo/` and `tests/pages/`) on their own origin, with `{{HELP_CENTER}}`
/// replaced by the help center's origin, and `headers` (e.g. a CSP) on every response.
pub async fn storefront(
    help: &Server,
    headers: &[(&'static str, String)],
) -> anyhow::Result<(Server, tempfile::TempDir)> {
    storefront_with(help, headers, &[]).await
}

/// Like [`storefront`], with more `{{NAME}}` → value replacements (e.g. `{{CHAT}}`).
pub async fn storefront_with(
    help: &Server,
    headers: &[(&'static str, String)],
    vars: &[(&str, String)],
) -> anyhow::Result<(Server, tempfile::TempDir)> {
    storefront_for(&help.origin(), headers, vars).await
}

/// Like [`storefront_with`], for a help center served by something else at `help_origin`.
pub async fn storefront_for(
    help_origin: &str,
    headers: &[(&'static str, String)],
    vars: &[(&str, String)],
) -> anyhow::Result<(Server, tempfile::TempDir)> {
    let dir = tempfile::tempdir()?;
    for source in [workspace().join("site/demo"), workspace().join("tests/pages")] {
        for entry in
            std::fs::read_dir(&source).with_context(|| format!("cannot list {}", source.display()))?
        {
            let path = entry?.path();
            let text =
                std::fs::read_to_string(&path).with_context(|| format!("cannot read {}", path.display()))?;
            let name = path.file_name().context("file without a name")?;
            let mut text = text.replace("{{HELP_CENTER}}", help_origin);
            for (name, value) in vars {
                text = text.replace(&format!("{{{{{name}}}}}"), value);
            }
            std::fs::write(dir.path().join(name), text)?;
        }
    }
    let server = Server::start(dir.path().to_path_buf(), headers).await?;
    Ok((server, dir))
}

/// Only one browser at a time: the machines have two cores, and timings must not fight each other.
static BROWSER_LOCK: tokio::sync::Mutex<()> = tokio::sync::Mutex::const_new(());

/// A fresh headless Chromium (new profile, cold cache) behind its own chromedriver.
pub struct Browser {
    pub client: Client,
    port: u16,
    session: Option<String>,
    driver: Child,
    _profile: tempfile::TempDir,
    _turn: Option<tokio::sync::MutexGuard<'static, ()>>,
}

impl Browser {
    /// Starts Chromium with a `width`×`height` window.
    pub async fn start(width: u32, height: u32) -> anyhow::Result<Self> {
        let turn = BROWSER_LOCK.lock().await;
        Self::launch(width, height, Some(turn)).await
    }

    /// A second, separate browser (own profile: own cookies and storage) for a test that already has
    /// one, e.g. an agent next to a visitor.
    pub async fn another(&self, width: u32, height: u32) -> anyhow::Result<Self> {
        Self::launch(width, height, None).await
    }

    async fn launch(
        width: u32,
        height: u32,
        turn: Option<tokio::sync::MutexGuard<'static, ()>>,
    ) -> anyhow::Result<Self> {
        let port = std::net::TcpListener::bind("127.0.0.1:0")?.local_addr()?.port();
        let driver = Command::new("chromedriver")
            .arg(format!("--port={port}"))
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .context(
                "cannot start chromedriver: `cargo xtask test` installs it (apt-get install chromium-driver)",
            )?;
        let profile = tempfile::tempdir()?;
        let mut capabilities = serde_json::Map::new();
        let mut options = json!({
                "binary": chromium_binary(),
                "args": [
                    "--headless=new", "--no-sandbox", "--disable-gpu", "--disable-dev-shm-usage",
                    "--disable-background-networking", "--disable-component-update", "--disable-sync",
                    "--no-first-run", "--hide-scrollbars",
                    format!("--user-data-dir={}", profile.path().display()),
                    format!("--window-size={width},{height}"),
                ],
        });
        // Chromium windows are at least 500 px wide; narrower screens are emulated like DevTools does.
        if width < 500 {
            options["mobileEmulation"] =
                json!({ "deviceMetrics": { "width": width, "height": height, "pixelRatio": 2.0 } });
        }
        capabilities.insert("goog:chromeOptions".into(), options);
        let url = format!("http://127.0.0.1:{port}");
        let deadline = Instant::now() + Duration::from_secs(20);
        let client = loop {
            let builder = ClientBuilder::new(hyper_util::client::legacy::connect::HttpConnector::new())
                .capabilities(capabilities.clone())
                .connect(&url)
                .await;
            match builder {
                Ok(client) => break client,
                Err(err) if Instant::now() > deadline => bail!("chromedriver did not start a session: {err}"),
                Err(_) => tokio::time::sleep(Duration::from_millis(100)).await,
            }
        };
        let session = client.session_id().await?;
        Ok(Browser { client, port, session, driver, _profile: profile, _turn: turn })
    }

    /// Runs `script` (a function body; `arguments` holds `args`) and returns its result.
    pub async fn js(&self, script: &str, args: Vec<Value>) -> anyhow::Result<Value> {
        self.client.execute(script, args).await.with_context(|| format!("script failed: {script}"))
    }

    /// Waits until `condition` (a JS expression) is truthy; fails with `what` after 20 s.
    pub async fn wait_for(&self, condition: &str, what: &str) -> anyhow::Result<Value> {
        self.wait_for_within(condition, what, Duration::from_secs(20)).await
    }

    /// Like [`Browser::wait_for`], with a time limit of its own (e.g. for downloads on a throttled network).
    pub async fn wait_for_within(
        &self,
        condition: &str,
        what: &str,
        limit: Duration,
    ) -> anyhow::Result<Value> {
        let script = format!("return ({condition});");
        let deadline = Instant::now() + limit;
        loop {
            let value = self.js(&script, vec![]).await?;
            if !matches!(value, Value::Null | Value::Bool(false)) && value != json!(0) && value != json!("") {
                return Ok(value);
            }
            if Instant::now() > deadline {
                bail!("timed out after {limit:?} waiting for {what} ({condition})");
            }
            tokio::time::sleep(Duration::from_millis(25)).await;
        }
    }

    /// Sends a Chrome DevTools protocol command to the current tab (through chromedriver's
    /// `goog/cdp/execute`), e.g. `Network.emulateNetworkConditions`, and returns its result.
    pub async fn cdp(&self, cmd: &str, params: Value) -> anyhow::Result<Value> {
        let command = DevToolsCommand { cmd: cmd.to_owned(), params };
        self.client.issue_cmd(command).await.with_context(|| format!("DevTools command {cmd} failed"))
    }

    /// Presses keys as a keyboard would (to whatever has focus). Special keys: `fantoccini::key::Key`.
    pub async fn keys(&self, keys: &[char]) -> anyhow::Result<()> {
        use fantoccini::actions::{InputSource, KeyAction, KeyActions};
        let mut actions = KeyActions::new("keyboard".into());
        for &key in keys {
            actions = actions.then(KeyAction::Down { value: key }).then(KeyAction::Up { value: key });
        }
        self.client.perform_actions(actions).await?;
        Ok(())
    }

    /// Holds the keys down together, then releases them (e.g. Shift+Tab).
    pub async fn chord(&self, keys: &[char]) -> anyhow::Result<()> {
        use fantoccini::actions::{InputSource, KeyAction, KeyActions};
        let mut actions = KeyActions::new("keyboard".into());
        for &key in keys {
            actions = actions.then(KeyAction::Down { value: key });
        }
        for &key in keys.iter().rev() {
            actions = actions.then(KeyAction::Up { value: key });
        }
        self.client.perform_actions(actions).await?;
        Ok(())
    }

    /// Types `text` into whatever has focus.
    pub async fn type_text(&self, text: &str) -> anyhow::Result<()> {
        self.keys(&text.chars().collect::<Vec<_>>()).await
    }

    /// Saves a PNG screenshot under target/e2e-artifacts/.
    pub async fn screenshot(&self, name: &str) -> anyhow::Result<PathBuf> {
        let png = self.client.screenshot().await?;
        let path = artifacts().join(name);
        std::fs::write(&path, png)?;
        Ok(path)
    }

    /// Ends the session and chromedriver.
    pub async fn quit(mut self) -> anyhow::Result<()> {
        self.client.clone().close().await?;
        self.session = None;
        Ok(())
    }
}

impl std::fmt::Debug for Browser {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Browser").field("chromedriver_pid", &self.driver.id()).finish_non_exhaustive()
    }
}

impl Drop for Browser {
    fn drop(&mut self) {
        // A failed test must not leave Chromium running: killing chromedriver alone orphans it, so ask
        // chromedriver to end the session (which quits Chromium) first. Blocking is fine here.
        if let Some(session) = &self.session {
            end_session(self.port, session);
        }
        let _ = self.driver.kill();
        let _ = self.driver.wait();
    }
}

/// A DevTools protocol command, sent through chromedriver's vendor endpoint.
#[derive(Debug)]
struct DevToolsCommand {
    cmd: String,
    params: Value,
}

impl fantoccini::wd::WebDriverCompatibleCommand for DevToolsCommand {
    fn endpoint(&self, base: &url::Url, session: Option<&str>) -> Result<url::Url, url::ParseError> {
        base.join(&format!("session/{}/goog/cdp/execute", session.unwrap_or_default()))
    }

    fn method_and_body(&self, _: &url::Url) -> (axum::http::Method, Option<String>) {
        let body = json!({ "cmd": self.cmd, "params": self.params });
        (axum::http::Method::POST, Some(body.to_string()))
    }
}

/// `DELETE /session/{id}` to chromedriver, by hand because Drop cannot await the async client.
fn end_session(port: u16, session: &str) {
    use std::io::{Read, Write};
    let Ok(mut stream) = std::net::TcpStream::connect(("127.0.0.1", port)) else { return };
    let _ = stream.set_read_timeout(Some(Duration::from_secs(10)));
    let request = format!(
        "DELETE /session/{session} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Length: 0\r\nConnection: close\r\n\r\n"
    );
    if stream.write_all(request.as_bytes()).is_ok() {
        let _ = stream.read_to_end(&mut Vec::new());
    }
}

fn chromium_binary() -> String {
    std::env::var("CHROMIUM").unwrap_or_else(|_| "/usr/bin/chromium".into())
}

/// JS expression for the widget's shadow root.
pub const ROOT: &str = "document.querySelector('answerdesk-widget')?.shadowRoot";
