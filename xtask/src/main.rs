//! `cargo xtask <command>`: the project's two front doors and their helpers.
//!
//! - `demo`: installs what is missing, builds everything, serves the help center on localhost.
//! - `test`: every test: unit, fixture, corpus, and kb-core in wasm32 ranking like native.
//! - `eval`: search quality of kb-core on every set in ../shared/eval.

mod eval;
mod tools;
mod wasm_parity;

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

const USAGE: &str = "usage: cargo xtask <demo | test | eval>

  demo   build the sample help center and serve it on http://127.0.0.1:8080/
  test   run every test (what CI runs, without fmt and clippy)
  eval   measure search quality on ../shared/eval";

fn main() -> anyhow::Result<()> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    match args.first().map(String::as_str) {
        Some("demo") => demo(),
        Some("test") => test(),
        Some("eval") => eval::run(&root()),
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
    run(cargo().args(["test", "--workspace", "--all-targets"]))?;
    run(cargo().args(["test", "--workspace", "--doc"]))?;
    // The widget runs kb-core in the browser: it must compile for wasm32 and rank exactly as natively.
    run(cargo().args(["build", "--package", "kb-core", "--target", "wasm32-unknown-unknown"]))?;
    run(cargo().args(["build", "--package", "kb-builder"]))?;
    wasm_parity::run(&root(), &root().join("target/debug/kb-builder"))?;
    eprintln!("all tests passed");
    Ok(())
}

fn demo() -> anyhow::Result<()> {
    tools::ensure_wasm_target()?;
    run(cargo().args(["build", "--package", "kb-builder"]))?;
    let kb_builder = root().join("target/debug/kb-builder");
    run(Command::new(&kb_builder).args(["build", "--content", "content", "--out", "dist"]))?;
    println!();
    println!("Answerdesk demo");
    println!("  help center (rebuilds and reloads when content/ changes): http://127.0.0.1:8080/");
    println!("  Vietnamese: http://127.0.0.1:8080/vi/   English: http://127.0.0.1:8080/en/");
    println!(
        "  search from the terminal: target/debug/kb-builder search --index dist \"chinh sach doi tra\""
    );
    println!();
    run(Command::new(&kb_builder).args([
        "serve",
        "--content",
        "content",
        "--out",
        "dist",
        "--listen",
        "127.0.0.1:8080",
    ]))
}
