//! The README's nginx block, tested as written: the help center (`dist/`, widget included) served by the
//! real nginx from Debian's packages with exactly that block, checked for the headers a host must send,
//! and the widget loaded from it by a storefront on another origin, answering a question.

use std::process::{Child, Command, Stdio};
use std::time::Duration;

use answerdesk_e2e::{Browser, ROOT, dist, storefront_for, workspace};

/// nginx running the README's block on a free port, stopped when dropped.
struct Nginx {
    child: Child,
    port: u16,
    _dir: tempfile::TempDir,
}

impl Drop for Nginx {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
    }
}

/// The README's ```nginx block, as a user would copy it.
fn readme_block() -> String {
    let readme = std::fs::read_to_string(workspace().join("README.md")).unwrap();
    let start = readme.find("```nginx\n").expect("the README has an nginx block") + "```nginx\n".len();
    readme[start..start + readme[start..].find("```").unwrap()].to_owned()
}

impl Nginx {
    /// Serves `root` with the README's block, changed only where a machine differs: the address and root.
    fn start(root: &std::path::Path) -> Nginx {
        let dir = tempfile::tempdir().unwrap();
        let port = std::net::TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port();
        let block = readme_block();
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
        let started = std::time::Instant::now();
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(started.elapsed() < Duration::from_secs(10), "nginx did not start");
            std::thread::sleep(Duration::from_millis(50));
        }
        Nginx { child, port, _dir: dir }
    }

    fn origin(&self) -> String {
        format!("http://127.0.0.1:{}", self.port)
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 2)]
async fn the_readme_nginx_block_serves_the_help_center_and_the_widget_on_another_site() {
    let dist = dist();
    let nginx = Nginx::start(&dist);
    let origin = nginx.origin();
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
