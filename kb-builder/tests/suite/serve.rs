//! `kb-builder serve`: editors see their change in the browser without doing anything.

use crate::support::copy_dir;
use std::io::{BufRead, BufReader, Read, Write};
use std::net::{TcpListener, TcpStream};
use std::path::Path;
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

/// Kills the server even when an assertion fails.
struct Server(Child);

impl Drop for Server {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

/// Sends a GET and reads the head; the reader is positioned at the start of the body.
fn get(port: u16, path: &str) -> (String, BufReader<TcpStream>) {
    get_with(port, path, "")
}

/// Like [`get`], with more header lines (each ending in CRLF).
fn get_with(port: u16, path: &str, headers: &str) -> (String, BufReader<TcpStream>) {
    let mut stream = TcpStream::connect(("127.0.0.1", port)).unwrap();
    write!(stream, "GET {path} HTTP/1.1\r\nHost: 127.0.0.1\r\n{headers}Connection: close\r\n\r\n").unwrap();
    let mut head = String::new();
    let mut reader = BufReader::new(stream);
    loop {
        let mut line = String::new();
        reader.read_line(&mut line).unwrap();
        if line == "\r\n" || line.is_empty() {
            break;
        }
        head.push_str(&line);
    }
    (head, reader)
}

#[test]
fn serve_reloads_open_pages_after_a_content_change() {
    let temp = tempfile::tempdir().unwrap();
    let content = temp.path().join("content");
    copy_dir(&Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures/valid"), &content);
    let port = free_port();
    let _server = Server(
        Command::new(env!("CARGO_BIN_EXE_kb-builder"))
            .args(["serve", "--quiet", "--content", "content", "--out", "dist", "--listen"])
            .arg(format!("127.0.0.1:{port}"))
            .current_dir(temp.path())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let started = Instant::now();
    while TcpStream::connect(("127.0.0.1", port)).is_err() {
        assert!(started.elapsed() < Duration::from_secs(30), "serve did not start");
        std::thread::sleep(Duration::from_millis(100));
    }

    let (head, mut stream) = get(port, "/en/returns/return-policy/");
    assert!(head.starts_with("HTTP/1.1 200"), "{head}");
    let mut page = String::new();
    stream.read_to_string(&mut page).unwrap();
    assert!(page.contains("What is the return policy?"), "{head}\n{page}");
    assert!(page.contains("new EventSource(\"/__answerdesk/events\")"), "reload script missing");
    assert!(get(port, "/missing/").0.starts_with("HTTP/1.1 404"));

    // The widget as a production host serves it: precompressed when accepted, cached forever when hashed.
    let widget = temp.path().join("dist/widget");
    std::fs::create_dir_all(&widget).unwrap();
    std::fs::write(widget.join("answerdesk-widget-0a1b_bg.wasm"), "raw wasm").unwrap();
    std::fs::write(widget.join("answerdesk-widget-0a1b_bg.wasm.br"), "brotli wasm").unwrap();
    let wasm = "/widget/answerdesk-widget-0a1b_bg.wasm";
    let (head, mut body) = get_with(port, wasm, "Accept-Encoding: gzip, br\r\n");
    let mut bytes = String::new();
    body.read_to_string(&mut bytes).unwrap();
    assert_eq!(bytes, "brotli wasm", "{head}");
    let head = head.to_ascii_lowercase();
    assert!(head.contains("content-encoding: br"), "{head}");
    assert!(head.contains("cache-control: public, max-age=31536000, immutable"), "{head}");
    assert!(head.contains("content-type: application/wasm"), "streaming compilation needs it: {head}");
    let (head, mut body) = get(port, wasm);
    let mut bytes = String::new();
    body.read_to_string(&mut bytes).unwrap();
    assert_eq!(bytes, "raw wasm", "without Accept-Encoding: {head}");
    let (head, _) = get(port, "/kb/manifest.json");
    assert!(head.to_ascii_lowercase().contains("cache-control: no-cache"), "{head}");

    let (head, events) = get(port, "/__answerdesk/events");
    assert!(head.contains("text/event-stream"), "{head}");
    events.get_ref().set_read_timeout(Some(Duration::from_secs(20))).unwrap();
    let article = content.join("en/returns/return-policy.md");
    let text = std::fs::read_to_string(&article).unwrap();
    std::fs::write(&article, text.replace("What is the return policy?", "Returns, explained")).unwrap();

    let mut reader = events;
    let mut line = String::new();
    while !line.starts_with("data:") {
        line.clear();
        assert!(reader.read_line(&mut line).unwrap() > 0, "event stream closed");
    }
    let (_, mut stream) = get(port, "/en/returns/return-policy/");
    let mut page = String::new();
    stream.read_to_string(&mut page).unwrap();
    assert!(page.contains("Returns, explained"), "the rebuilt page is served");
}
