//! The README's nginx and Caddy blocks, tested as written: the help center (`dist/`, widget included) served
//! by the real servers from Debian's packages with exactly those blocks, checked for the headers a host must
//! send, and the widget loaded from each by a storefront on another origin, answering a question.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use answerdesk_e2e::{Browser, ROOT, dist, storefront_for, workspace};

/// A web server running one of the README's blocks on a free port, stopped when dropped.
struct Host {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Host {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The README's block in ````kind`, as a user would copy it.
fn readme_block(kind: &str) -> String {
    let readme = std::fs::read_to_string(workspace().join("README.md")).unwrap();
    let fence = format!("```{kind}\n");
    let start = readme.find(&fence).unwrap_or_else(|| panic!("the README has a {kind} block")) + fence.len();
    readme[start..start + readme[start..].find("```").unwrap()].to_owned()
}

fn free_port() -> u16 {
    std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

impl Host {
    /// nginx serving `root` with the README's block, changed only where a machine differs: address, root.
    fn nginx(root: &std::path::Path) -> Host {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let block = readme_block("nginx");
        assert!(block.contains("listen 80;") && block.contains("root /srv/answerdesk/dist;"), "{block}");
        let block = block
            .replace("listen 80;", &format!("listen 127.0.0.1:{port};"))
            .replace("root /srv/answerdesk/dist;", &format!("root {};", root.display()));
        let temp = dir.path().display();
        let conf = format!(
            "daemon off;\nmaster_process off;\nworker_processes 1;\npid {temp}/nginx.pid;\nerror_log stderr warn;\n\
             events {{}}\nhttp {{\n  include /etc/nginx/mime.types;\n  default_type application/octet-stream;\n\
             access_log off;\n  log_not_found off;\n  client_body_temp_path {temp}/body;\n  proxy_temp_path {temp}/proxy;\n\
             fastcgi_temp_path {temp}/fastcgi;\n  uwsgi_temp_path {temp}/uwsgi;\n  scgi_temp_path {temp}/scgi;\n\
             {block}\n}}\n"
        );
        let conf_path = dir.path().join("nginx.conf");
        std::fs::write(&conf_path, conf).unwrap();
        let child = Command::new("/usr/sbin/nginx")
            .arg("-p")
            .arg(dir.path())
            .arg("-c")
            .arg(&conf_path)
            .stdout(Stdio::null())
            .spawn()
            .expect("nginx runs (cargo xtask test installs nginx-light)");
        Host::listening(child, port, dir)
    }

    /// Caddy serving `root` with the README's block, changed only where a machine differs: the site
    /// address (plain HTTP on a free port) and the root; its admin endpoint is off.
    fn caddy(root: &std::path::Path) -> Host {
        let dir = tempfile::tempdir().unwrap();
        let port = free_port();
        let block = readme_block("caddy");
        assert!(
            block.contains("help.example.com {") && block.contains("root * /srv/answerdesk/dist"),
            "{block}"
        );
        let block = block
            .replace("help.example.com {", &format!("http://127.0.0.1:{port} {{"))
            .replace("root * /srv/answerdesk/dist", &format!("root * {}", root.display()));
        let conf_path = dir.path().join("Caddyfile");
        std::fs::write(&conf_path, format!("{{\n\tadmin off\n}}\n{block}")).unwrap();
        let child = Command::new("/usr/bin/caddy")
            .args(["run", "--adapter", "caddyfile", "--config"])
            .arg(&conf_path)
            .env("HOME", dir.path())
            .env("XDG_DATA_HOME", dir.path())
            .env("XDG_CONFIG_HOME", dir.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("caddy runs (cargo xtask test installs caddy)");
        Host::listening(child, port, dir)
    }

    fn listening(child: Child, port: u16, dir: tempfile::TempDir) -> Host {
        let host = Host { child, port, _dir: dir };
        let started = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(10), "the web server did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        host
    }

    fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_nginx_block_serves_the_help_center_and_the_widget_on_another_site() {
    let dist = dist();
    serves_the_help_center(&Host::nginx(&dist), &dist).await;
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_caddy_block_serves_the_help_center_and_the_widget_on_another_site() {
    let dist = dist();
    serves_the_help_center(&Host::caddy(&dist), &dist).await;
}

/// What any host of the help center must get right, and the widget answering from it on another site.
async fn serves_the_help_center(host: &Host, dist: &std::path::Path) {
    let origin = host.origin();
    let http = reqwest::Client::builder().no_gzip().build().unwrap();
    let get =
        |path: &str| http.get(format!("{origin}{path}")).header("origin", "https://shop.example").send();

    let manifest = get("/kb/manifest.json").await.unwrap();
    assert_eq!(manifest.status(), 200);
    assert_eq!(manifest.headers()["access-control-allow-origin"], "*");
    assert_eq!(manifest.headers()["cache-control"], "no-cache");
    let manifest: serde_json::Value = manifest.json().await.unwrap();
    let entry = manifest["entries"]["vi"]["file"].as_str().unwrap().to_owned();
    let entry = get(&format!("/kb/{entry}")).await.unwrap();
    assert_eq!(entry.headers()["cache-control"], "public, max-age=31536000, immutable");
    assert_eq!(entry.headers()["access-control-allow-origin"], "*");

    let loader = get("/widget/answerdesk.js").await.unwrap();
    assert_eq!(loader.headers()["cache-control"], "no-cache");
    let wasm = std::fs::read_dir(dist.join("widget"))
        .unwrap()
        .filter_map(|e| e.ok().map(|e| e.file_name().to_string_lossy().into_owned()))
        .find(|name| name.ends_with("_bg.wasm"))
        .unwrap();
    let wasm =
        http.get(format!("{origin}/widget/{wasm}")).header("accept-encoding", "gzip").send().await.unwrap();
    assert_eq!(wasm.headers()["content-type"], "application/wasm");
    assert_eq!(wasm.headers()["content-encoding"], "gzip", "the precompressed .gz is served");
    assert_eq!(wasm.headers()["cache-control"], "public, max-age=31536000, immutable");
    let page = get("/vi/").await.unwrap();
    assert_eq!(page.headers()["cache-control"], "no-cache");
    assert_eq!(page.headers()["x-content-type-options"], "nosniff");
    assert_eq!(get("/vi/no-such-page/").await.unwrap().status(), 404);

    // A storefront on another origin embeds the widget from nginx, and it answers.
    let (store, _pages) = storefront_for(&origin, &[], &[]).await.unwrap();
    let browser = Browser::start(1280, 900).await.unwrap();
    browser.client.goto(&format!("{}/index.html", store.origin())).await.unwrap();
    browser.js("Answerdesk('search', 'chinh sach doi tra')", vec![]).await.unwrap();
    let titles = browser
        .wait_for(
            &format!("[...{ROOT}.querySelectorAll('.hit-title')].map(e => e.textContent).join('|') || null"),
            "answers from the nginx-hosted index",
        )
        .await
        .unwrap();
    assert!(titles.as_str().unwrap_or_default().to_lowercase().contains("đổi trả"), "{titles}");
    browser.quit().await.unwrap();
}
