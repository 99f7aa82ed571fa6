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
