//! Part 1, build: release kb-builder vs the Pagefind CLI on the same articles, and how kb-builder's cost
//! grows with the largest corpus at 1×, 2× and 4×.
//!
//! Pagefind indexes HTML, so it is fed the help-center pages kb-builder rendered in the same run: only the
//! article pages (`<lang>/<category>/<id>/index.html`), rooted at `<main>`. kb-builder's time therefore
//! includes Markdown parsing, sanitizing and rendering every page; Pagefind's only reading HTML.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;
use serde_json::json;

use super::{Measured, Options, Section, bytes, median, thousands};

/// The npm package that ships the Pagefind binary.
pub(super) const PAGEFIND_VERSION: &str = "1.6.0";

/// A corpus to build.
struct Corpus {
    name: String,
    content: PathBuf,
}

/// Medians of a few runs of one tool on one corpus.
#[derive(Debug, Clone, Copy, Default)]
struct Run {
    articles: u64,
    wall_s: f64,
    peak_rss: u64,
    index_bytes: u64,
    pages_bytes: u64,
}

impl Run {
    fn per_second(&self) -> f64 {
        self.articles as f64 / self.wall_s
    }

    fn json(&self) -> serde_json::Value {
        json!({
            "articles": self.articles, "wall_s": self.wall_s, "articles_per_s": self.per_second(),
            "peak_rss_bytes": self.peak_rss, "index_bytes": self.index_bytes, "pages_bytes": self.pages_bytes,
        })
    }
}

pub fn run(options: &Options) -> anyhow::Result<Section> {
    let pagefind = ensure_pagefind()?;
    let shared = crate::root().join("../shared/corpora");
    let mut corpora = vec![Corpus { name: "sample content/".into(), content: crate::root().join("content") }];
    // `--quick` (CI smoke) leaves out the largest corpus; the full run has it and its growth.
    let names: &[&str] = if options.quick {
        &["sendgrid-docs", "powershell-docs"]
    } else {
        &["sendgrid-docs", "powershell-docs", "azure-powershell-16.2"]
    };
    for &name in names {
        corpora.push(Corpus { name: name.into(), content: shared.join(name) });
    }
    let repeats = if options.quick { 1 } else { 3 };

    let mut md = String::from(
        "## Build: kb-builder vs Pagefind\n\n\
         kb-builder: `kb-builder build --keep-going` (release), Markdown → sanitized HTML pages + tantivy index (entries, chunks, bodies). \
         Pagefind: the npm `pagefind` CLI (its bundled binary), fed **the article pages kb-builder rendered in \
         this run** (`--glob '*/*/*/index.html' --root-selector main`). ",
    );
    md.push_str(&format!(
        "Medians of {repeats} run(s); peak RSS from getrusage of the child. Index = every file of kb/ / Pagefind \
         index+filter+meta files; pages = kb help-center HTML / Pagefind fragments (its stored page text).\n\n"
    ));
    md.push_str(
        "| corpus | tool | articles | wall | articles/s | peak RSS | index | pages |\n\
         |---|---|---|---|---|---|---|---|\n",
    );
    let mut verdicts = String::new();
    let mut rows = Vec::new();
    for corpus in &corpora {
        let (kb, pf) = compare(options, &pagefind, &corpus.content, repeats)
            .with_context(|| format!("corpus {}", corpus.name))?;
        for (tool, r) in [("kb-builder", kb), ("Pagefind (kb HTML)", pf)] {
            md.push_str(&format!(
                "| {} | {tool} | {} | {:.2} s | {:.0} | {} | {} | {} |\n",
                corpus.name,
                thousands(r.articles),
                r.wall_s,
                r.per_second(),
                bytes(r.peak_rss),
                bytes(r.index_bytes),
                bytes(r.pages_bytes)
            ));
        }
        let speed = kb.per_second() / pf.per_second();
        let memory = kb.peak_rss as f64 / pf.peak_rss as f64;
        let met = speed >= 2.0 && memory <= 0.5;
        verdicts.push_str(&format!(
            "| {} | {speed:.2}× | {memory:.2}× | {} |\n",
            corpus.name,
            if met { "met" } else { "**not met**" }
        ));
        rows.push(json!({
            "corpus": corpus.name, "kb_builder": kb.json(), "pagefind": pf.json(),
            "speed_ratio": speed, "memory_ratio": memory, "target_met": met,
        }));
    }
    md.push_str(
        "\nTarget: kb-builder ≥ 2× Pagefind's articles/s with ≤ 0.5× its peak RSS.\n\n\
         | corpus | articles/s, kb ÷ Pagefind | peak RSS, kb ÷ Pagefind | target |\n|---|---|---|---|\n",
    );
    md.push_str(&verdicts);

    let mut growth_json = Vec::new();
    if options.quick {
        md.push_str("\n`--quick` leaves out azure-powershell-16.2 and the cost growth (1×, 2×, 4× of it).\n");
    } else {
        let largest = corpora.last().context("no corpus")?;
        md.push_str(&format!(
            "\n### Cost growth: {} duplicated with new ids (one run each)\n\n\
             | copies | tool | articles | wall | articles/s | peak RSS | wall ÷ 1× | RSS ÷ 1× |\n\
             |---|---|---|---|---|---|---|---|\n",
            largest.name
        ));
        let mut base: Option<(Run, Run)> = None;
        for copies in [1, 2, 4] {
            let content = options.scratch.join(format!("growth-{copies}x"));
            duplicate(&largest.content, &content, copies)?;
            let (kb, pf) = compare(options, &pagefind, &content, 1)?;
            std::fs::remove_dir_all(&content)?;
            let (kb1, pf1) = *base.get_or_insert((kb, pf));
            for (tool, r, r1) in [("kb-builder", kb, kb1), ("Pagefind", pf, pf1)] {
                md.push_str(&format!(
                    "| {copies}× | {tool} | {} | {:.2} s | {:.0} | {} | {:.2} | {:.2} |\n",
                    thousands(r.articles),
                    r.wall_s,
                    r.per_second(),
                    bytes(r.peak_rss),
                    r.wall_s / r1.wall_s,
                    r.peak_rss as f64 / r1.peak_rss as f64
                ));
            }
            growth_json.push(json!({"copies": copies, "kb_builder": kb.json(), "pagefind": pf.json()}));
        }
        md.push_str("\nLinear growth would read 2.00 and 4.00 in the ratio columns.\n");
    }
    Ok(Section {
        name: "build",
        markdown: md,
        json: json!({"pagefind_version": PAGEFIND_VERSION, "corpora": rows, "growth": growth_json}),
    })
}

/// kb-builder then Pagefind on one content folder, `repeats` times each; medians.
fn compare(options: &Options, pagefind: &Path, content: &Path, repeats: usize) -> anyhow::Result<(Run, Run)> {
    let mut kb_runs = Vec::new();
    let mut pf_runs = Vec::new();
    for _ in 0..repeats {
        let site = options.scratch.join("site");
        let _ = std::fs::remove_dir_all(&site);
        let mut build = Command::new(options.bin.join("kb-builder"));
        build.args(["build", "--quiet", "--keep-going", "--content"]).arg(content).arg("--out").arg(&site);
        let measured = super::measure(options, &build, &[])?;
        kb_runs.push(kb_run(&site, measured)?);

        let index = options.scratch.join("pagefind");
        let _ = std::fs::remove_dir_all(&index);
        let measured = super::measure(options, &pagefind_command(pagefind, &site, &index), &[])?;
        pf_runs.push(pagefind_run(&index, measured)?);
        std::fs::remove_dir_all(&site)?;
        std::fs::remove_dir_all(&index)?;
    }
    Ok((medians(&kb_runs), medians(&pf_runs)))
}

/// Pagefind over the article pages kb-builder rendered into `site` (`<lang>/<category>/<id>/index.html`,
/// rooted at `<main>`), writing its index and UI into `out`.
pub(super) fn pagefind_command(pagefind: &Path, site: &Path, out: &Path) -> Command {
    let mut command = Command::new(pagefind);
    command.arg("--site").arg(site).arg("--output-path").arg(out).args([
        "--glob",
        "*/*/*/index.html",
        "--root-selector",
        "main",
        "--quiet",
    ]);
    command
}

fn kb_run(site: &Path, measured: Measured) -> anyhow::Result<Run> {
    let manifest: serde_json::Value = serde_json::from_slice(
        &std::fs::read(site.join("kb/manifest.json")).context("no kb/manifest.json")?,
    )?;
    let total = super::dir_bytes(site, &|_| true);
    let index = manifest["index_bytes"].as_u64().unwrap_or_default();
    Ok(Run {
        articles: manifest["articles"].as_u64().unwrap_or_default(),
        wall_s: measured.wall.as_secs_f64(),
        peak_rss: measured.peak_rss,
        index_bytes: index,
        pages_bytes: total - index,
    })
}

fn pagefind_run(index: &Path, measured: Measured) -> anyhow::Result<Run> {
    let entry: serde_json::Value = serde_json::from_slice(
        &std::fs::read(index.join("pagefind-entry.json")).context("Pagefind wrote no pagefind-entry.json")?,
    )?;
    let articles = entry["languages"]
        .as_object()
        .map(|langs| langs.values().filter_map(|l| l["page_count"].as_u64()).sum())
        .unwrap_or_default();
    let under = |prefix: &'static str| move |p: &Path| p.starts_with(prefix);
    let search_index = super::dir_bytes(index, &under("index"))
        + super::dir_bytes(index, &under("filter"))
        + super::dir_bytes(index, &|p: &Path| p.extension().is_some_and(|e| e == "pf_meta"));
    Ok(Run {
        articles,
        wall_s: measured.wall.as_secs_f64(),
        peak_rss: measured.peak_rss,
        index_bytes: search_index,
        pages_bytes: super::dir_bytes(index, &under("fragment")),
    })
}

fn medians(runs: &[Run]) -> Run {
    let pick = |f: &dyn Fn(&Run) -> f64| median(&mut runs.iter().map(f).collect::<Vec<_>>());
    Run {
        articles: runs.first().map_or(0, |r| r.articles),
        wall_s: pick(&|r| r.wall_s),
        peak_rss: pick(&|r| r.peak_rss as f64) as u64,
        index_bytes: pick(&|r| r.index_bytes as f64) as u64,
        pages_bytes: pick(&|r| r.pages_bytes as f64) as u64,
    }
}

/// Writes `copies` copies of `source` under `out`, copy n in `out/copy-n/`; copies after the first get
/// `id: <file stem>-c<n>` in their front matter so every article is new. Links stay relative, so they
/// resolve inside their own copy.
fn duplicate(source: &Path, out: &Path, copies: usize) -> anyhow::Result<()> {
    let files = markdown_files(source)?;
    for copy in 1..=copies {
        for file in &files {
            let relative = file.strip_prefix(source)?;
            let target = out.join(format!("copy-{copy}")).join(relative);
            std::fs::create_dir_all(target.parent().context("a file has a folder")?)?;
            if copy == 1 || file.extension().is_none_or(|e| e != "md") {
                std::fs::copy(file, &target)?;
                continue;
            }
            let text = std::fs::read_to_string(file).with_context(|| format!("{}", file.display()))?;
            let stem = file.file_stem().unwrap_or_default().to_string_lossy();
            std::fs::write(&target, with_id(&text, &format!("{stem}-c{copy}")))?;
        }
    }
    Ok(())
}

/// The article with `id` set in its front matter (replacing an `id:` it had).
fn with_id(text: &str, id: &str) -> String {
    let Some(rest) = text.strip_prefix("---\n") else {
        return format!("---\nid: {id}\n---\n{text}");
    };
    let kept: Vec<&str> = match rest.split_once("\n---") {
        Some((front, _)) => front.lines().filter(|l| !l.starts_with("id:")).collect(),
        None => Vec::new(),
    };
    let body = rest.split_once("\n---").map_or(rest, |(_, body)| body);
    format!("---\nid: {id}\n{}\n---{body}", kept.join("\n"))
}

fn markdown_files(dir: &Path) -> anyhow::Result<Vec<PathBuf>> {
    let mut out = Vec::new();
    let mut stack = vec![dir.to_path_buf()];
    while let Some(dir) = stack.pop() {
        for entry in std::fs::read_dir(&dir).with_context(|| format!("cannot list {}", dir.display()))? {
            let entry = entry?;
            if entry.file_type()?.is_dir() {
                stack.push(entry.path());
            } else {
                out.push(entry.path());
            }
        }
    }
    Ok(out)
}

/// The Pagefind binary from npm `pagefind`, installed into `.tools/pagefind` when missing. The npm package's
/// `bin` is a Node wrapper; the measured process is the native binary it ships.
pub(super) fn ensure_pagefind() -> anyhow::Result<PathBuf> {
    let prefix = crate::root().join(".tools/pagefind");
    let binary = prefix.join("node_modules/@pagefind/linux-x64/bin/pagefind_extended");
    let version = |b: &Path| Command::new(b).arg("--version").output().ok();
    if version(&binary).is_some_and(|o| String::from_utf8_lossy(&o.stdout).contains(PAGEFIND_VERSION)) {
        return Ok(binary);
    }
    crate::tools::npm_install(&prefix, &[&format!("pagefind@{PAGEFIND_VERSION}")])?;
    anyhow::ensure!(binary.is_file(), "npm pagefind did not ship {} (not linux-x64?)", binary.display());
    Ok(binary)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn with_id_sets_or_replaces_the_id() {
        assert_eq!(with_id("---\ntitle: A\n---\nBody\n", "a-c2"), "---\nid: a-c2\ntitle: A\n---\nBody\n");
        assert_eq!(with_id("---\nid: old\ntitle: A\n---\nB", "n"), "---\nid: n\ntitle: A\n---\nB");
        assert_eq!(with_id("# A\nBody", "a-c2"), "---\nid: a-c2\n---\n# A\nBody");
    }
}
