//! Part 2, widget weight (measurement only): raw, gzip and brotli bytes of the loader, the JS glue, the wasm
//! and the index bundle. The widget is measured when a built one exists (this part does not run Trunk):
//! `ANSWERDESK_WIDGET_DIST`, else `target/e2e/dist/` (what `cargo xtask test` builds), else `dist/`. Index
//! bundles for the sample KB and the 8,714-article corpus are built here with release kb-builder.

use std::path::{Path, PathBuf};
use std::process::Command;

use anyhow::Context;
use serde_json::json;

use super::FIRST_ANSWER;
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
    let widget = crate::widget::built();
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
    // Building the large corpora takes a while: only the sample in `--quick`.
    let corpora = if options.quick { &FIRST_ANSWER[..1] } else { &FIRST_ANSWER[..] };
    let mut fetch_md = String::from(FETCH_INTRO);
    let mut fetch_rows = Vec::new();
    for &(name, content, query, second) in corpora {
        let content = crate::root().join(content);
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
        let fetched = fetches(&site.join("kb"), [query, second])?;
        fetch_md.push_str(&fetched.row(name, [query, second]));
        fetch_rows.push(fetched.json(name, [query, second]));
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
    md.push_str(&fetch_md);
    Ok(Section {
        name: "weight",
        markdown: md,
        json: json!({ "widget_built": widget.is_some(), "files": rows, "fetched_per_question": fetch_rows }),
    })
}

const FETCH_INTRO: &str = "\n## What a question fetches (native, deterministic)\n\n\
    kb-core searching the built `kb/` folder exactly as the widget does (English, the last word typed as \
    a prefix, 8 results), through `kb_core::lazy::measure::Rounds`, a source that holds every request \
    until the search cannot go on without one and then answers all of them at once: one round trip. So the \
    count is what a browser waits for whatever the latency, the same on every run. Bytes are brotli -q 11 \
    of each file fetched. *Entry*: the language's entry, which the loader fetches in parallel with the \
    wasm. *First answer*: the result cards of the first question (entry not included), then *snippets*: \
    the article bodies the cards' snippets are cut from. *Second question*: a different one, right after. \
    Targets (issue 12): entry + first answer ≤ 300 KB in ≤ 3 round trips after the wasm.\n\n\
    | corpus | English articles | index (entries + chunks) | entry | first question | first answer: round trips, files, bytes | snippets | second question | second answer: round trips, files, bytes | target |\n\
    |---|---|---|---|---|---|---|---|---|---|\n";

/// What the questions fetched, round by round.
struct Fetched {
    articles: u64,
    index_brotli: u64,
    entry: u64,
    first: Vec<(usize, u64)>,
    snippets: Vec<(usize, u64)>,
    second: Vec<(usize, u64)>,
}

impl Fetched {
    fn sum(rounds: &[(usize, u64)]) -> (usize, usize, u64) {
        (rounds.len(), rounds.iter().map(|r| r.0).sum(), rounds.iter().map(|r| r.1).sum())
    }

    fn cell(rounds: &[(usize, u64)]) -> String {
        let (trips, files, size) = Self::sum(rounds);
        format!("{trips}, {files}, {}", bytes(size))
    }

    fn row(&self, name: &str, [query, second]: [&str; 2]) -> String {
        let (trips, _, size) = Self::sum(&self.first);
        let met = trips <= 3 && self.entry + size <= 300_000;
        format!(
            "| {name} | {} | {} | {} | `{query}` | {} | {} | `{second}` | {} | {} |\n",
            super::thousands(self.articles),
            bytes(self.index_brotli),
            bytes(self.entry),
            Self::cell(&self.first),
            Self::cell(&self.snippets),
            Self::cell(&self.second),
            if met { "met" } else { "**not met**" },
        )
    }

    fn json(&self, name: &str, [query, second]: [&str; 2]) -> serde_json::Value {
        let rounds = |r: &[(usize, u64)]| {
            r.iter().map(|(files, size)| json!({"files": files, "brotli": size})).collect::<Vec<_>>()
        };
        json!({
            "corpus": name, "articles": self.articles, "entry_brotli": self.entry,
            "index_brotli": self.index_brotli,
            "first": { "query": query, "rounds": rounds(&self.first) },
            "snippets": rounds(&self.snippets),
            "second": { "query": second, "rounds": rounds(&self.second) },
        })
    }
}

/// Opens `kb` (kb-builder's `kb/` folder) through a round-counting source and asks the two questions.
fn fetches(kb: &Path, [query, second]: [&str; 2]) -> anyhow::Result<Fetched> {
    use kb_core::lazy::measure::Rounds;
    use kb_core::{KnowledgeBase, Lang, SearchRequest};

    let manifest: serde_json::Value = serde_json::from_slice(&std::fs::read(kb.join("manifest.json"))?)?;
    let entry = manifest["entries"]["en"]["file"].as_str().context("manifest.json: entries.en.file")?;
    let folder = kb.to_path_buf();
    let rounds = Rounds::new(move |name| std::fs::read(folder.join(name)));
    let knowledge =
        KnowledgeBase::new(std::sync::Arc::new(rounds.clone()), vec![(Lang::En, entry.to_string())]);
    let brotli_of =
        |name: &str| -> anyhow::Result<u64> { Ok(brotli(&std::fs::read(kb.join(name))?)?.len() as u64) };
    let weigh = |taken: Vec<kb_core::lazy::measure::Round>| -> anyhow::Result<Vec<(usize, u64)>> {
        taken
            .into_iter()
            .map(|round| {
                Ok((
                    round.files.len(),
                    round.files.iter().map(|f| brotli_of(f)).sum::<anyhow::Result<u64>>()?,
                ))
            })
            .collect()
    };
    rounds.run(knowledge.open(Lang::En))?;
    rounds.take();
    let entry_brotli = brotli_of(entry)?;
    let ask = |text: &str| SearchRequest::new(text).lang(Some(Lang::En)).limit(8).typing(true);
    let cards = rounds.run(knowledge.search_cards(&ask(query)))?;
    anyhow::ensure!(!cards.hits.is_empty(), "{query:?} finds nothing in {}", kb.display());
    let first = weigh(rounds.take())?;
    rounds.run(knowledge.snippets(&ask(query), &cards.hits))?;
    let snippets = weigh(rounds.take())?;
    let cards = rounds.run(knowledge.search_cards(&ask(second)))?;
    anyhow::ensure!(!cards.hits.is_empty(), "{second:?} finds nothing in {}", kb.display());
    let second = weigh(rounds.take())?;
    // The whole index a visitor could fetch (every language's entry and every chunk; bodies not counted).
    let mut index = 0;
    for file in std::fs::read_dir(kb)? {
        let path = file?.path();
        let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
        if name.ends_with(".entry") || name.ends_with(".chunk") {
            index += brotli(&std::fs::read(&path)?)?.len() as u64;
        }
    }
    Ok(Fetched {
        articles: manifest["languages"]["en"].as_u64().unwrap_or_default(),
        index_brotli: index,
        entry: entry_brotli,
        first,
        snippets,
        second,
    })
}

fn verdict(actual: u64, limit: u64, how: &str) -> String {
    let met = if actual <= limit { "met" } else { "**not met**" };
    format!("≤ {} {how}: {met}", bytes(limit))
}
