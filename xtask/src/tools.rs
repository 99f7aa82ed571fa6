//! Installing what the build needs, from the registries these machines can reach.

use std::process::Command;

use anyhow::Context;

/// The wasm32 target for kb-core and the widget. rust-toolchain.toml names it too, so rustup usually
/// installs it on first use; this makes sure, and says how if it cannot.
pub fn ensure_wasm_target() -> anyhow::Result<()> {
    let installed = Command::new("rustup")
        .args(["target", "list", "--installed"])
        .current_dir(crate::root())
        .output()
        .context("rustup is needed to add the wasm32 target (https://rustup.rs)")?;
    if String::from_utf8_lossy(&installed.stdout).lines().any(|l| l.trim() == "wasm32-unknown-unknown") {
        return Ok(());
    }
    crate::run(Command::new("rustup").args(["target", "add", "wasm32-unknown-unknown"]))
        .context("could not add the wasm32 target; run `rustup target add wasm32-unknown-unknown`")
}

/// The wasm-bindgen version the workspace locks; the CLI must match it exactly.
pub fn locked_wasm_bindgen_version() -> anyhow::Result<String> {
    let lock = std::fs::read_to_string(crate::root().join("Cargo.lock")).context("cannot read Cargo.lock")?;
    let mut lines = lock.lines();
    while let Some(line) = lines.next() {
        if line == "name = \"wasm-bindgen\""
            && let Some(version) = lines.next().and_then(|l| l.strip_prefix("version = \""))
        {
            return Ok(version.trim_end_matches('"').to_string());
        }
    }
    anyhow::bail!("wasm-bindgen is not in Cargo.lock")
}

/// `wasm-bindgen-test-runner` (from wasm-bindgen-cli) at the locked version, installed from crates.io when
/// missing. Not `--locked`: one of its locked dependencies is no longer on the registry.
pub fn ensure_wasm_bindgen_cli() -> anyhow::Result<()> {
    let version = locked_wasm_bindgen_version()?;
    let installed = Command::new("wasm-bindgen").arg("--version").output().ok();
    let current =
        installed.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string()).unwrap_or_default();
    if current == format!("wasm-bindgen {version}") {
        return Ok(());
    }
    eprintln!("installing wasm-bindgen-cli {version} (found: {current:?}); this takes a few minutes once");
    crate::run(Command::new("cargo").args(["install", "wasm-bindgen-cli", "--version", &version, "--force"]))
        .with_context(|| {
            format!(
                "could not install wasm-bindgen-cli; run `cargo install wasm-bindgen-cli --version {version}`"
            )
        })
}

/// Node.js runs the wasm32 tests.
pub fn ensure_node() -> anyhow::Result<()> {
    if Command::new("node").arg("--version").output().is_ok_and(|o| o.status.success()) {
        return Ok(());
    }
    eprintln!("Node.js is missing; installing it with apt-get");
    crate::run(Command::new("apt-get").args(["install", "-y", "nodejs"]))
        .context("Node.js is needed for the wasm32 tests: install it (Debian: `apt-get install -y nodejs`)")
}
