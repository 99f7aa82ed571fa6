//! `cargo xtask <command>`: the project's two front doors and their helpers.
//!
//! - `demo`: installs what is missing, builds the help center and the widget, serves a demo storefront that
//!   embeds the widget (127.0.0.1:8081), the help center (127.0.0.1:8080) and chat-server with its agent
//!   console (127.0.0.1:8787/agent).
//! - `test`: every test: unit, fixture, corpus, kb-core in wasm32 ranking like native, chat-server (with two
//!   nodes on a real Postgres), and the widget in a real headless Chromium.
//! - `eval`: search quality of kb-core on every set in ../shared/eval.
//! - `bench`: performance side by side with Pagefind (also in headless Chromium), and chat-server under load
//!   (`bench/results/`).

mod bench;
mod eval;
mod storefront;
mod tools;
mod wasm_parity;
mod widget;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

const USAGE: &str =
    "usage: cargo xtask <demo | test | eval [--quick] | fuzz [--cases N] | bench [--quick] [build|chat|query|weight|browser|soak]>

  demo   build the help center and the widget; serve a demo storefront on http://127.0.0.1:8081/
  test   run every test (what CI runs, without fmt and clippy)
  eval   measure search quality on ../shared/eval (--quick: answerdesk and the calibration only, printed, no report written)
  fuzz   run every fuzz target long (20,000 cases each unless --cases says otherwise)
  bench  measure performance against peers; tables and JSON go to bench/results/
         (soak, 30 minutes of chat with reconnect storms and a restart, runs only when named)";

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("demo") => demo(),
        Some("test") => test(),
        Some("eval") => eval::run(&root(), args.get(1).is_some_and(|a| a == "--quick")),
        Some("fuzz") => fuzz(&args[1..]),
        Some("bench") => bench::run(&args[1..]),
        // bench's child-process wrapper (exact peak RSS of one child), not meant to be run by hand.
        Some("bench-exec") => bench::exec_measured(&args[1..]),
        // Trunk's post-build hook (Trunk.toml), not meant to be run by hand.
        Some("widget-loader") => widget::write_loader(),
        Some("-h" | "--help" | "help") => {
            println!("{USAGE}");
            Ok(())
        }
        _ => bail!("{USAGE}"),
    }
}

/// The workspace root (xtask lives one level below it).
pub fn root() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().expect("xtask is inside the workspace").to_path_buf()
}

/// Runs a command in the workspace root, failing with the command line if it fails.
pub fn run(command: &mut Command) -> anyhow::Result<()> {
    let line = format!("{command:?}");
    eprintln!("$ {line}");
    let status = command.current_dir(root()).status().with_context(|| format!("cannot start {line}"))?;
    if !status.success() {
        bail!("failed ({status}): {line}");
    }
    Ok(())
}

fn cargo() -> Command {
    Command::new(std::env::var("CARGO").unwrap_or_else(|_| "cargo".into()))
}

fn test() -> anyhow::Result<()> {
    tools::ensure_wasm_target()?;
    tools::ensure_postgres()?;
    // Unit, integration and doc tests in one cargo run: one feature resolution, so one build of the
    // dependencies. Two chat-server nodes on one real Postgres must be tested, not skipped.
    run(cargo()
        .args(["test", "--workspace", "--exclude", E2E_PACKAGE])
        .env("CHAT_SERVER_REQUIRE_POSTGRES", "1"))?;
    // That run built kb-builder for its CLI tests (a separate `cargo build` would resolve features
    // differently and build everything again).
    let kb_builder = root().join("target/debug/kb-builder");
    anyhow::ensure!(kb_builder.is_file(), "cargo test did not build {}", kb_builder.display());
    // The widget runs kb-core in the browser: it must compile for wasm32 and rank exactly as natively.
    wasm_parity::run(&root(), &kb_builder)?;

    // Real-browser tests against the release widget and the sample help center, built like `demo` does
    // but into their own folder so a running demo is not disturbed.
    let dist = root().join("target/e2e/dist");
    run(Command::new(&kb_builder).args(["build", "--quiet", "--content", "content", "--out"]).arg(&dist))?;
    widget::build(&dist)?;
    let console = root().join("target/e2e/console");
    widget::build_console(&console)?;
    let large = build_large_help_center(&kb_builder, &dist)?;
    tools::ensure_chromium()?;
    tools::ensure_web_servers()?;
    run(cargo()
        .args(["test", "--package", E2E_PACKAGE])
        .env("ANSWERDESK_E2E_DIST", &dist)
        .env("ANSWERDESK_E2E_CONSOLE", &console)
        .env("ANSWERDESK_E2E_LARGE", &large)
        .env("ANSWERDESK_E2E_KB_BUILDER", &kb_builder))?;
    eprintln!("all tests passed; screenshots and timings in target/e2e-artifacts/");
    Ok(())
}

/// The fuzz targets (see `fuzz/src/lib.rs`): a name and the `cargo test` arguments that run it.
const FUZZ_TARGETS: &[(&str, &[&str])] = &[
    (
        "articles (front matter and Markdown → HTML)",
        &["-p", "kb-builder", "--bin", "kb-builder", "content::fuzz::"],
    ),
    ("engine (entry and chunk bytes, query text)", &["-p", "kb-core", "--lib", "fuzz::"]),
    ("frames (visitor and agent sockets)", &["-p", "chat-server", "--test", "suite", "fuzz::"]),
];

/// `cargo xtask fuzz [--cases N]`: each target's property tests with many cases. `cargo xtask test` runs
/// the same targets with `fuzzing::DEFAULT_CASES`.
fn fuzz(args: &[String]) -> anyhow::Result<()> {
    let cases = match args {
        [] => 20_000,
        [flag, n] if flag == "--cases" => n.parse().with_context(|| format!("--cases {n}: not a number"))?,
        _ => bail!("usage: cargo xtask fuzz [--cases N]"),
    };
    let mut report = Vec::new();
    for (name, cargo_args) in FUZZ_TARGETS {
        let started = std::time::Instant::now();
        run(cargo()
            .arg("test")
            .args(*cargo_args)
            .args(["--", "--nocapture"])
            .env("ANSWERDESK_FUZZ_CASES", cases.to_string()))?;
        report.push(format!("{name}: {cases} cases per property, {:.0} s", started.elapsed().as_secs_f64()));
    }
    eprintln!("no failures:\n  {}", report.join("\n  "));
    Ok(())
}

/// The 8,714-article corpus the lazy index is tested on in the browser, built into target/e2e/large with
/// the widget from `dist` beside it. Its third-party content has real errors: they are kept going past
/// and not printed (a failed build prints its last lines).
fn build_large_help_center(kb_builder: &Path, dist: &Path) -> anyhow::Result<PathBuf> {
    let large = root().join("target/e2e/large");
    let corpus = root().join("../shared/corpora/azure-powershell-16.2");
    eprintln!("$ kb-builder build --keep-going --content {} --out {}", corpus.display(), large.display());
    let output = Command::new(kb_builder)
        .args(["build", "--quiet", "--keep-going", "--content"])
        .arg(&corpus)
        .arg("--out")
        .arg(&large)
        .output()
        .context("cannot start kb-builder")?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let tail: Vec<&str> = stderr.lines().rev().take(20).collect();
        bail!(
            "kb-builder build {} failed ({}):\n{}",
            corpus.display(),
            output.status,
            tail.into_iter().rev().collect::<Vec<_>>().join("\n")
        );
    }
    // The same widget as the sample's, none of an earlier run's (kb-builder leaves `widget/` alone).
    let widget = large.join("widget");
    let _ = std::fs::remove_dir_all(&widget);
    std::fs::create_dir_all(&widget)?;
    for file in std::fs::read_dir(dist.join("widget"))? {
        let file = file?;
        std::fs::copy(file.path(), widget.join(file.file_name()))?;
    }
    Ok(large)
}

/// The crate of real-browser tests; it needs the built widget, so `test` runs it last.
const E2E_PACKAGE: &str = "answerdesk-e2e";

/// Where the demo storefront is served (the help center is on 8080).
const STOREFRONT: &str = "127.0.0.1:8081";
const HELP_CENTER: &str = "127.0.0.1:8080";
/// Where the demo chat-server listens: `chat_url` in content/answerdesk.toml points here.
const CHAT: &str = "127.0.0.1:8787";
/// The demo agent, created (or reset) on every `cargo xtask demo`.
const DEMO_AGENT: (&str, &str) = ("demo", "demo-password");

fn demo() -> anyhow::Result<()> {
    tools::ensure_wasm_target()?;
    run(cargo().args(["build", "--package", "kb-builder", "--package", "chat-server"]))?;
    let kb_builder = root().join("target/debug/kb-builder");
    let dist = root().join("dist");
    run(Command::new(&kb_builder).args(["build", "--content", "content", "--out"]).arg(&dist))?;
    widget::build(&dist)?;
    let console = root().join("target/demo/console");
    widget::build_console(&console)?;
    let mut chat = start_demo_chat(&console, &dist)?;
    let pages = storefront::prepare(&root().join("site/demo"), &format!("http://{HELP_CENTER}"))?;

    let mut help_center = Command::new(&kb_builder)
        .args(["serve", "--content", "content", "--out"])
        .arg(&dist)
        .args(["--listen", HELP_CENTER])
        .current_dir(root())
        .spawn()
        .context("cannot start kb-builder serve")?;
    println!();
    println!("Answerdesk demo");
    println!("  storefront with the widget (Vietnamese): http://{STOREFRONT}/");
    println!("  storefront with the widget (English):    http://{STOREFRONT}/en.html");
    println!(
        "  help center (rebuilds and reloads when content/ changes): http://{HELP_CENTER}/vi/  http://{HELP_CENTER}/en/"
    );
    println!(
        "  search from the terminal: target/debug/kb-builder search --index dist \"chinh sach doi tra\""
    );
    println!(
        "  agent console (live chat): http://{CHAT}/agent  user {}  password {}",
        DEMO_AGENT.0, DEMO_AGENT.1
    );
    println!("  Ctrl+C stops the servers.");
    println!();
    let served = storefront::serve(pages.path(), STOREFRONT.parse()?);
    let _ = help_center.kill();
    let _ = chat.kill();
    served
}

/// chat-server on [`CHAT`] with its SQLite file under target/ (never inside dist/, which is published),
/// taking the storefront's visitors, with the demo agent in every team the sample articles name, and the
/// agent console built into `console`, inserting articles from the help center built into `dist`.
fn start_demo_chat(console: &Path, dist: &Path) -> anyhow::Result<std::process::Child> {
    let chat_server = root().join("target/debug/chat-server");
    let data = root().join("target/demo");
    std::fs::create_dir_all(&data)?;
    let database = data.join("chat.db");
    run(Command::new(&chat_server)
        .args(["agent", "add", DEMO_AGENT.0, "--name", "Lan (demo)"])
        .args(["--teams", "orders,logistics,returns,billing,accounts,warranty", "--database-url"])
        .arg(&database)
        .env("CHAT_SERVER_AGENT_PASSWORD", DEMO_AGENT.1))?;
    Command::new(&chat_server)
        .args(["--listen", CHAT, "--allowed-origins", &format!("http://{STOREFRONT}"), "--database-url"])
        .arg(&database)
        .arg("--console-dir")
        .arg(console)
        .arg("--help-center-dir")
        .arg(dist)
        .args(["--help-center-url", &format!("http://{HELP_CENTER}")])
        .spawn()
        .context("cannot start chat-server")
}
