//! Part 2, widget weight (measurement only): raw, gzip and brotli bytes of the loader, the JS glue, the wasm
//! and the index bundle. The widget is measured when a built one exists (this part does not run Trunk):
//! `ANSWERDESK_WIDGET_DIST`, else `target/e2e/dist/` (what `cargo xtask test` builds), else `dist/`. Index
//! bundles for the sample KB and the 8,714-article corpus are built here with release kb-builder.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;
use serde_json::json;

use super::{Options, Section, bytes};
use crate::widget::{brotli, gzip};

/// One file's weight.
#[derive(Debug, Clone)]
pub struct Weight {
    /// What the file is.
    pub what: String,
    /// File name.
    pub file: String,
    /// Raw, gzip -9 and brotli -q 11 bytes.
    pub raw: u64,
    pub gzip: u64,
    pub brotli: u64,
}

/// Weights of a built widget (`<dist>/widget/`: answerdesk.js, the JS glue, the wasm) and its index's
/// language entries (`<dist>/kb/*.entry`, what the widget fetches before the first question; the chunks a
/// question needs are measured by the browser part).
pub fn measure(dist: &Path) -> anyhow::Result<Vec<Weight>> {
    let mut out = Vec::new();
    for (folder, what) in [("widget", "widget"), ("kb", "index entry")] {
        let dir = dist.join(folder);
        let Ok(entries) = std::fs::read_dir(&dir) else { continue };
        let mut files: Vec<PathBuf> = entries.filter_map(|e| Some(e.ok()?.path())).collect();
        files.sort();
        for path in files {
            let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
            let what = match () {
                _ if folder == "kb" && name.ends_with(".entry") => what.to_string(),
                _ if name == "answerdesk.js" => "loader".into(),
                _ if name.ends_with("_bg.wasm") => "wasm".into(),
                _ if name.ends_with(".js") => "JS glue".into(),
                _ => continue,
            };
            out.push(weigh(&path, what)?);
        }
    }
    Ok(out)
}

fn weigh(path: &Path, what: String) -> anyhow::Result<Weight> {
    let raw = std::fs::read(path).with_context(|| format!("cannot read {}", path.display()))?;
    Ok(Weight {
        what,
        file: path.file_name().unwrap_or_default().to_string_lossy().into_owned(),
        raw: raw.len() as u64,
        gzip: gzip(&raw)?.len() as u64,
        brotli: brotli(&raw)?.len() as u64,
    })
}

pub fn run(options: &Options) -> anyhow::Result<Section> {
    let mut md = String::from(
        "## Widget weight\n\nBytes as served: raw, gzip -9, brotli -q 11 (what `cargo xtask demo/test` now \
         writes next to each asset as `.gz`/`.br`).\n\n\
         | build | part | file | raw | gzip | brotli | target |\n|---|---|---|---|---|---|---|\n",
    );
    let mut rows = Vec::new();
    let widget = widget_dist();
    let mut sets: Vec<(String, Vec<Weight>)> = Vec::new();
    match &widget {
        Some(dist) => {
            let weights: Vec<Weight> =
                measure(dist)?.into_iter().filter(|w| w.what != "index entry").collect();
            sets.push((format!("widget ({})", dist.display()), weights));
        }
        None => {
            md.push_str("| widget | — | not built here (run `cargo xtask demo` or `test` first) | | | | |\n")
        }
    }
    let shared = crate::root().join("../shared/corpora");
    let mut kbs = vec![("sample KB", crate::root().join("content"))];
    // Building the 8,714-article corpus takes a while: not in `--quick`.
    if !options.quick {
        kbs.push(("azure-powershell-16.2", shared.join("azure-powershell-16.2")));
    }
    for (name, content) in kbs {
        let site = options.scratch.join("weight-site");
        let _ = std::fs::remove_dir_all(&site);
        let status = Command::new(options.bin.join("kb-builder"))
            .args(["build", "--quiet", "--keep-going", "--content"])
            .arg(&content)
            .arg("--out")
            .arg(&site)
            .stderr(std::process::Stdio::null())
            .status()?;
        anyhow::ensure!(status.success(), "kb-builder build {name} failed ({status})");
        sets.push((name.to_string(), measure(&site)?));
        std::fs::remove_dir_all(&site)?;
    }
    for (build, weights) in &sets {
        for w in weights {
            let target = match w.what.as_str() {
                "loader" => verdict(w.gzip, 3_000, "gzip"),
                "wasm" => verdict(w.brotli, 350_000, "brotli"),
                _ => String::new(),
            };
            md.push_str(&format!(
                "| {build} | {} | {} | {} | {} | {} | {target} |\n",
                w.what,
                w.file,
                bytes(w.raw),
                bytes(w.gzip),
                bytes(w.brotli)
            ));
            rows.push(json!({
                "build": build, "part": w.what, "file": w.file, "raw": w.raw, "gzip": w.gzip, "brotli": w.brotli,
            }));
        }
    }
    Ok(Section {
        name: "weight",
        markdown: md,
        json: json!({ "widget_built": widget.is_some(), "files": rows }),
    })
}

fn verdict(actual: u64, limit: u64, how: &str) -> String {
    let met = if actual <= limit { "met" } else { "**not met**" };
    format!("≤ {} {how}: {met}", bytes(limit))
}

/// A folder with a built widget in `widget/`, if there is one.
pub(super) fn widget_dist() -> Option<PathBuf> {
    let candidates = [
        std::env::var_os("ANSWERDESK_WIDGET_DIST").map(PathBuf::from),
        // What `cargo xtask test` last built from this tree, before a `dist/` a demo may have left long ago.
        Some(crate::root().join("target/e2e/dist")),
        Some(crate::root().join("dist")),
    ];
    candidates.into_iter().flatten().find(|d| d.join("widget/answerdesk.js").is_file())
}
