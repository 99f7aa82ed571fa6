//! Building the widget with Trunk, and writing its loader (`answerdesk.js`) with the hashed file names.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::{Context, bail};

use crate::tools;

/// The loader's source: readable, with placeholders for the files Trunk names by content hash.
const LOADER_SOURCE: &str = "widget/loader/answerdesk.js";

/// Builds the widget in release mode into `<dist>/widget/` (Trunk's post-build hook writes the loader).
pub fn build(dist: &Path) -> anyhow::Result<()> {
    tools::ensure_wasm_target()?;
    tools::ensure_wasm_bindgen_cli()?;
    tools::check_trunk_toml()?;
    tools::ensure_trunk()?;
    let wasm_opt = tools::ensure_wasm_opt()?;
    crate::run(
        Command::new("trunk")
            .args(["build", "--release", "--dist"])
            .arg(dist.join("widget"))
            .env("PATH", tools::path_with(&wasm_opt)),
    )
}

/// Trunk's post-build hook: writes `answerdesk.js` into the staging folder Trunk names in
/// `TRUNK_STAGING_DIR`.
pub fn write_loader() -> anyhow::Result<()> {
    let staging = PathBuf::from(
        std::env::var_os("TRUNK_STAGING_DIR")
            .context("run by Trunk's post-build hook (TRUNK_STAGING_DIR unset)")?,
    );
    let (js, wasm) = built_files(&staging)?;
    let source = std::fs::read_to_string(crate::root().join(LOADER_SOURCE))
        .with_context(|| format!("cannot read {LOADER_SOURCE}"))?;
    let loader = loader(&source, &js, &wasm)?;
    std::fs::write(staging.join("answerdesk.js"), loader).context("cannot write answerdesk.js")?;
    Ok(())
}

/// The hashed JS glue and wasm file names Trunk wrote.
fn built_files(staging: &Path) -> anyhow::Result<(String, String)> {
    let mut wasm = None;
    for entry in std::fs::read_dir(staging).with_context(|| format!("cannot list {}", staging.display()))? {
        let name = entry?.file_name().to_string_lossy().into_owned();
        if name.starts_with("answerdesk-widget") && name.ends_with("_bg.wasm") {
            wasm = Some(name);
        }
    }
    let wasm = wasm.with_context(|| format!("no answerdesk-widget*_bg.wasm in {}", staging.display()))?;
    let js = format!("{}.js", wasm.trim_end_matches("_bg.wasm"));
    if !staging.join(&js).is_file() {
        bail!("Trunk wrote {wasm} but not {js}");
    }
    Ok((js, wasm))
}

/// Fills in the file names and drops comments and indentation (whole-line comments only, so strings that
/// contain `//` stay intact).
fn loader(source: &str, js: &str, wasm: &str) -> anyhow::Result<String> {
    for placeholder in ["__WIDGET_JS__", "__WIDGET_WASM__"] {
        if !source.contains(placeholder) {
            bail!("{LOADER_SOURCE} lost its {placeholder} placeholder");
        }
    }
    let mut out = String::with_capacity(source.len());
    for line in source.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with("//")) {
        out.push_str(line);
        out.push('\n');
    }
    Ok(out.replace("__WIDGET_JS__", js).replace("__WIDGET_WASM__", wasm))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn loader_gets_file_names_and_loses_comments_but_not_urls() {
        let source =
            "// comment\n  var a = '__WIDGET_JS__';\n\n  // more\n  var b = 'http://x/__WIDGET_WASM__';\n";
        let out = loader(source, "w-1.js", "w-1_bg.wasm").unwrap();
        assert_eq!(out, "var a = 'w-1.js';\nvar b = 'http://x/w-1_bg.wasm';\n");
        assert!(loader("no placeholders", "a", "b").is_err());
    }

    #[test]
    fn the_real_loader_source_has_its_placeholders() {
        let source = std::fs::read_to_string(crate::root().join(LOADER_SOURCE)).unwrap();
        let out = loader(&source, "answerdesk-widget-1.js", "answerdesk-widget-1_bg.wasm").unwrap();
        assert!(out.contains("import(base + 'answerdesk-widget-1.js')"));
    }
}
