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

/// The Trunk version Trunk.toml is written for (0.22 needs a newer rustc than the pinned toolchain).
const TRUNK_VERSION: &str = "0.21.14";
/// wasm-opt from npm binaryen; Debian's binaryen 108 corrupts wasm-bindgen's output.
const BINARYEN_VERSION: &str = "132.0.0";

/// Trunk at the pinned version, installed from crates.io when missing (about 9 minutes, once).
pub fn ensure_trunk() -> anyhow::Result<()> {
    let installed = Command::new("trunk").arg("--version").output().ok();
    let current =
        installed.map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string()).unwrap_or_default();
    if current == format!("trunk {TRUNK_VERSION}") {
        return Ok(());
    }
    eprintln!("installing trunk {TRUNK_VERSION} (found: {current:?}); this takes about 9 minutes once");
    crate::run(Command::new("cargo").args([
        "install",
        "trunk",
        "--version",
        TRUNK_VERSION,
        "--locked",
        "--force",
    ]))
    .with_context(|| {
        format!("could not install Trunk; run `cargo install trunk --version {TRUNK_VERSION} --locked`")
    })
}

/// Each Trunk.toml (the widget's and the console's) names the wasm-bindgen CLI version Trunk must use; it
/// has to be the one Cargo.lock locks.
pub fn check_trunk_toml() -> anyhow::Result<()> {
    let version = locked_wasm_bindgen_version()?;
    for file in ["Trunk.toml", "console/Trunk.toml"] {
        let trunk_toml = std::fs::read_to_string(crate::root().join(file))
            .with_context(|| format!("cannot read {file}"))?;
        if !trunk_toml.contains(&format!("wasm_bindgen = \"{version}\"")) {
            anyhow::bail!(
                "{file}: [tools] wasm_bindgen must be \"{version}\", the wasm-bindgen version in Cargo.lock"
            );
        }
    }
    Ok(())
}

/// The folder holding npm-installed tools (`.tools/`, ignored by git).
fn tools_dir() -> std::path::PathBuf {
    crate::root().join(".tools")
}

/// `wasm-opt` from npm binaryen, installed into `.tools/` when missing. Returns the folder to put on PATH.
pub fn ensure_wasm_opt() -> anyhow::Result<std::path::PathBuf> {
    let prefix = tools_dir().join("binaryen");
    let bin = prefix.join("node_modules/.bin");
    let wasm_opt = bin.join("wasm-opt");
    let current = Command::new(&wasm_opt).arg("--version").output().ok();
    let major = BINARYEN_VERSION.split('.').next().unwrap_or(BINARYEN_VERSION);
    if current.is_some_and(|o| String::from_utf8_lossy(&o.stdout).contains(&format!("version {major}"))) {
        return Ok(bin);
    }
    npm_install(&prefix, &[&format!("binaryen@{BINARYEN_VERSION}")])?;
    Ok(bin)
}

/// Minifies the loader, whose budget (3 KB gzip) the readable source with the shell's styles exceeds.
pub const TERSER_VERSION: &str = "5.51.4";

/// terser from npm, installed into `.tools/terser` when missing or at another version. Returns the program.
pub fn ensure_terser() -> anyhow::Result<std::path::PathBuf> {
    let prefix = tools_dir().join("terser");
    let terser = prefix.join("node_modules/.bin/terser");
    let current = Command::new(&terser).arg("--version").output().ok();
    if current.is_some_and(|o| String::from_utf8_lossy(&o.stdout).contains(TERSER_VERSION)) {
        return Ok(terser);
    }
    npm_install(&prefix, &[&format!("terser@{TERSER_VERSION}")])?;
    Ok(terser)
}

/// The peers `cargo xtask eval` compares kb-core with.
pub const MINISEARCH_VERSION: &str = "7.2.0";
/// Pagefind ships its indexer binary inside the npm package (no download at run time).
pub const PAGEFIND_VERSION: &str = "1.6.0";

/// MiniSearch and Pagefind from npm, installed into `.tools/peers` when missing or at another version.
/// Returns the folder whose `node_modules` holds them.
pub fn ensure_peers() -> anyhow::Result<std::path::PathBuf> {
    let prefix = tools_dir().join("peers");
    let installed = |package: &str, version: &str| {
        let manifest = prefix.join("node_modules").join(package).join("package.json");
        std::fs::read_to_string(manifest).is_ok_and(|m| m.contains(&format!("\"version\": \"{version}\"")))
    };
    if installed("minisearch", MINISEARCH_VERSION) && installed("pagefind", PAGEFIND_VERSION) {
        return Ok(prefix);
    }
    npm_install(
        &prefix,
        &[&format!("minisearch@{MINISEARCH_VERSION}"), &format!("pagefind@{PAGEFIND_VERSION}")],
    )?;
    Ok(prefix)
}

/// Headless Chromium and the matching chromedriver for the real-browser tests, from Debian packages.
pub fn ensure_chromium() -> anyhow::Result<()> {
    let have =
        |program: &str| Command::new(program).arg("--version").output().is_ok_and(|o| o.status.success());
    if have("chromium") && have("chromedriver") {
        return Ok(());
    }
    eprintln!("installing Chromium and chromedriver with apt-get");
    crate::run(Command::new("apt-get").arg("update")).and_then(|()| {
        crate::run(Command::new("apt-get").args(["install", "-y", "chromium", "chromium-driver"]))
    })
    .context("the browser tests need Chromium and chromedriver: `apt-get install -y chromium chromium-driver` (as root)")
}

/// PATH with `dir` in front, for child processes.
pub fn path_with(dir: &std::path::Path) -> std::ffi::OsString {
    let mut paths = vec![dir.to_path_buf()];
    paths.extend(std::env::split_paths(&std::env::var_os("PATH").unwrap_or_default()));
    std::env::join_paths(paths).unwrap_or_default()
}

/// PostgreSQL server binaries (initdb, pg_ctl) for chat-server's multi-node test, from Debian packages.
/// The test starts its own throwaway cluster; no service is started here.
pub fn ensure_postgres() -> anyhow::Result<()> {
    let installed = std::fs::read_dir("/usr/lib/postgresql")
        .map(|dirs| dirs.flatten().any(|d| d.path().join("bin/initdb").is_file()))
        .unwrap_or(false);
    apt_install(installed, "postgresql", "chat-server's multi-node test")
}

/// nginx and Caddy from Debian's packages, for the hosting test that serves the help center through each
/// with the README's block (the test runs its own servers; no service is started here).
pub fn ensure_web_servers() -> anyhow::Result<()> {
    let exists = |path: &str| std::path::Path::new(path).is_file();
    apt_install(exists("/usr/sbin/nginx"), "nginx-light", "the hosting test")?;
    apt_install(exists("/usr/bin/caddy"), "caddy", "the hosting test")
}

/// Installs Debian's `package` with apt-get unless it is `installed`, saying what needs it and, when
/// apt-get fails (not root, no network), how to do it by hand.
fn apt_install(installed: bool, package: &str, for_what: &str) -> anyhow::Result<()> {
    if installed {
        return Ok(());
    }
    eprintln!("installing {package} with apt-get (for {for_what})");
    crate::run(Command::new("apt-get").arg("update"))
        .and_then(|()| crate::run(Command::new("apt-get").args(["install", "-y", package])))
        .with_context(|| format!("{for_what} needs {package}: `apt-get install -y {package}` (as root)"))
}

/// Installs npm `packages` (`name@version`) into `prefix` (a folder under `.tools/`), saying how to do it by
/// hand when npm fails.
pub fn npm_install(prefix: &std::path::Path, packages: &[&str]) -> anyhow::Result<()> {
    ensure_node()?;
    crate::run(
        Command::new("npm")
            .args(["install", "--no-save", "--no-audit", "--no-fund", "--prefix"])
            .arg(prefix)
            .args(packages),
    )
    .with_context(|| {
        format!(
            "could not install {}; run `npm install --prefix {} {}`",
            packages.join(" "),
            prefix.display(),
            packages.join(" ")
        )
    })
}
