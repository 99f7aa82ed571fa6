//! Building the widget and the agent console with Trunk, and writing the widget's loader (`answerdesk.js`)
//! with the hashed file names.

use std::io::Write;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use anyhow::{Context, bail};

use crate::tools;

/// The loader's source: readable, with placeholders for the files Trunk names by content hash.
const LOADER_SOURCE: &str = "widget/loader/answerdesk.js";

/// Builds the widget in release mode into `<dist>/widget/` (Trunk's post-build hook writes the loader).
pub fn build(dist: &Path) -> anyhow::Result<()> {
    trunk_build(&[], &dist.join("widget"))?;
    precompress(&dist.join("widget"))?;
    precompress(&dist.join("kb"))
}

/// Builds the agent console in release mode into `out` (chat-server serves it with `--console-dir`).
pub fn build_console(out: &Path) -> anyhow::Result<()> {
    trunk_build(&["--config", "console/Trunk.toml"], out)?;
    // chat-server sends these instead when the browser accepts them (757 KB of wasm: 249 KB brotli,
    // 318 KB gzip).
    precompress(out)
}

/// `trunk <options> build --release --dist <out>` with the pinned tools, installed when missing.
fn trunk_build(options: &[&str], out: &Path) -> anyhow::Result<()> {
    tools::ensure_wasm_target()?;
    tools::ensure_wasm_bindgen_cli()?;
    tools::check_trunk_toml()?;
    tools::ensure_trunk()?;
    let wasm_opt = tools::ensure_wasm_opt()?;
    crate::run(
        Command::new("trunk")
            .args(options)
            .args(["build", "--release", "--dist"])
            .arg(out)
            .env("PATH", tools::path_with(&wasm_opt)),
    )
}

/// Writes `<name>.gz` and `<name>.br` next to each immutable asset (the loader, JS glue, styles, wasm, the
/// index's entries, chunks and bodies), for hosts that serve precompressed files. The manifest is left alone:
/// it changes with every help-center build, which would leave a stale `.gz` beside it.
pub fn precompress(dir: &Path) -> anyhow::Result<()> {
    let Ok(entries) = std::fs::read_dir(dir) else { return Ok(()) };
    for entry in entries {
        let path = entry?.path();
        let compressed = ["js", "css", "wasm", "entry", "chunk", "body"];
        if !path.extension().is_some_and(|e| compressed.iter().any(|c| e == *c)) {
            continue;
        }
        let raw = std::fs::read(&path).with_context(|| format!("cannot read {}", path.display()))?;
        let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
        std::fs::write(dir.join(format!("{name}.gz")), gzip(&raw)?)?;
        std::fs::write(dir.join(format!("{name}.br")), brotli(&raw)?)?;
    }
    Ok(())
}

/// gzip at the highest level (what a host would precompress with).
pub fn gzip(raw: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut encoder = flate2::write::GzEncoder::new(Vec::new(), flate2::Compression::best());
    encoder.write_all(raw)?;
    Ok(encoder.finish()?)
}

/// Brotli at quality 11 with a 4 MiB window (the usual static-asset settings).
pub fn brotli(raw: &[u8]) -> anyhow::Result<Vec<u8>> {
    let mut out = Vec::new();
    {
        let mut encoder = brotli::CompressorWriter::new(&mut out, 64 * 1024, 11, 22);
        encoder.write_all(raw)?;
    }
    Ok(out)
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
    let loader = minified(&loader(&source, &js, &wasm)?)?;
    std::fs::write(staging.join("answerdesk.js"), loader).context("cannot write answerdesk.js")?;
    Ok(())
}

/// `loader` through terser (compressed, names mangled, no comments).
fn minified(loader: &str) -> anyhow::Result<String> {
    let terser = tools::ensure_terser()?;
    let mut child = Command::new(&terser)
        .args(["--compress", "--mangle", "--comments", "false"])
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .spawn()
        .with_context(|| format!("cannot run {}", terser.display()))?;
    child.stdin.take().context("terser's stdin")?.write_all(loader.as_bytes())?;
    let output = child.wait_with_output()?;
    if !output.status.success() {
        bail!("terser could not minify the loader ({})", output.status);
    }
    String::from_utf8(output.stdout).context("terser wrote something that is not UTF-8")
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

/// A folder with a built widget in `widget/`, if there is one.
pub fn built() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("ANSWERDESK_WIDGET_DIST").map(PathBuf::from),
        // What `cargo xtask test` last built from this tree, before a `dist/` a demo may have left long ago.
        Some(crate::root().join("target/e2e/dist")),
        Some(crate::root().join("dist")),
    ];
    candidates.into_iter().flatten().find(|d| d.join("widget/answerdesk.js").is_file())
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
    fn precompressed_files_decompress_to_the_asset() {
        let dir = tempfile::tempdir().unwrap();
        let asset = "answerdesk ".repeat(200);
        std::fs::write(dir.path().join("a.js"), &asset).unwrap();
        std::fs::write(dir.path().join("manifest.json"), "{}").unwrap();
        precompress(dir.path()).unwrap();
        let mut text = String::new();
        let gz = std::fs::read(dir.path().join("a.js.gz")).unwrap();
        std::io::Read::read_to_string(&mut flate2::read::GzDecoder::new(&gz[..]), &mut text).unwrap();
        assert_eq!(text, asset);
        let br = std::fs::read(dir.path().join("a.js.br")).unwrap();
        let mut text = String::new();
        std::io::Read::read_to_string(&mut brotli::Decompressor::new(&br[..], 4096), &mut text).unwrap();
        assert_eq!(text, asset);
        assert!(!dir.path().join("manifest.json.gz").exists());
    }

    #[test]
    fn the_real_loader_source_has_its_placeholders() {
        let source = std::fs::read_to_string(crate::root().join(LOADER_SOURCE)).unwrap();
        let out = loader(&source, "answerdesk-widget-1.js", "answerdesk-widget-1_bg.wasm").unwrap();
        assert!(out.contains("import(base + 'answerdesk-widget-1.js')"));
    }
}
