//! `cargo xtask eval`: search quality of kb-core against the engines a site owner could pick instead, on
//! every FAQ set in ../shared/eval, on the queries as written and on two stress variants:
//! - Vietnamese queries with every tone mark and đ stripped (how many people type);
//! - English queries with one deterministic typo in a word of at least 5 letters.
//!
//! Engines, all on the same articles (title + body, as `kb-builder import` maps a FAQ pair):
//! - answerdesk: `kb-builder eval`, i.e. the real build pipeline and kb-core's search (what the widget runs);
//! - plain BM25: tantivy with its default tokenizer, every query word OR-ed over title and body, no extras;
//! - MiniSearch (npm), with the fuzzy/prefix options its README shows;
//! - Pagefind (npm): the articles indexed as HTML pages by Pagefind's indexer, queried by its own search
//!   code (pagefind.js and its wasm) under Node.
//!
//! A set with official splits is measured on its `val` split (see [`dev_split`]).
//! Peers' rankings are scored by `kb-builder eval --rankings`, so every engine gets the same metrics code.
//! Query latency is measured natively in this process: kb-core (opening the built bundle, full search with
//! snippets) against the plain BM25 index. The table goes to `bench/results/quality.md`.

use std::fmt::Write as _;
use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::Instant;

use anyhow::Context;
use kb_core::{KnowledgeBase, Lang, SearchRequest};
use serde_json::Value;

use crate::bm25::PlainBm25;

/// The engines in table order.
const ENGINES: [&str; 4] = ["answerdesk", "plain BM25", "MiniSearch", "Pagefind"];

/// One row of the table.
struct Row {
    set: String,
    variant: &'static str,
    engine: &'static str,
    metrics: Value,
}

/// Latency of one set and variant: microseconds per query, kb-core and plain BM25.
struct Latency {
    set: String,
    variant: &'static str,
    queries: usize,
    ours_us: f64,
    plain_us: f64,
}

/// Runs every set, variant and engine, prints the table and writes it to bench/results/quality.md.
pub fn run(root: &Path) -> anyhow::Result<()> {
    crate::run(super::cargo().args(["build", "--package", "kb-builder"]))?;
    let target = std::env::var_os("CARGO_TARGET_DIR").map_or_else(|| root.join("target"), PathBuf::from);
    let kb_builder = target.join("debug/kb-builder");
    let peers = crate::tools::ensure_peers()?;
    let sets = root.join("../shared/eval");
    let mut names: Vec<String> = std::fs::read_dir(&sets)
        .with_context(|| format!("cannot read {} (../shared beside the project)", sets.display()))?
        .filter_map(Result::ok)
        .filter(|e| e.path().join("queries.jsonl").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();

    let mut rows = Vec::new();
    let mut latencies = Vec::new();
    for name in &names {
        eprintln!("== {name}");
        let temp = tempfile::tempdir()?;
        let content = temp.path().join("content");
        let set = sets.join(name);
        crate::run(
            Command::new(&kb_builder).arg("import").arg(set.join("faqs.jsonl")).arg("--out").arg(&content),
        )?;
        let dist = temp.path().join("dist");
        crate::run(
            Command::new(&kb_builder)
                .args(["build", "--quiet", "--content"])
                .arg(&content)
                .arg("--out")
                .arg(&dist),
        )?;
        let kb = open_index(&dist)?;
        let docs = articles(&set.join("faqs.jsonl"))?;
        let docs_path = temp.path().join("docs.jsonl");
        std::fs::write(&docs_path, docs.iter().map(|d| format!("{d}\n")).collect::<String>())?;
        let plain = PlainBm25::new(&docs)?;

        let queries = dev_split(&std::fs::read_to_string(set.join("queries.jsonl"))?)?;
        let mut variants = vec![("as written", queries.clone())];
        if let Some(stressed) = stress_variant(&queries)? {
            variants.push(stressed);
        }
        for (variant, text) in variants {
            let queries_path = temp.path().join("queries.jsonl");
            std::fs::write(&queries_path, &text)?;
            let parsed: Vec<Value> = text
                .lines()
                .filter(|l| !l.trim().is_empty())
                .map(serde_json::from_str)
                .collect::<Result<_, _>>()?;
            for engine in ENGINES {
                let rankings = temp.path().join("rankings.jsonl");
                let mut eval = Command::new(&kb_builder);
                eval.arg("eval").arg("--queries").arg(&queries_path).arg("--json");
                match engine {
                    "answerdesk" => eval.arg("--content").arg(&content),
                    "plain BM25" => {
                        write_rankings(&rankings, &parsed, |q| plain.search(q))?;
                        eval.arg("--rankings").arg(&rankings)
                    }
                    peer => {
                        let work = temp.path().join("peer");
                        crate::run(
                            Command::new("node")
                                .arg(root.join("bench/peers/peers.mjs"))
                                .arg(peer.to_lowercase())
                                .arg(&docs_path)
                                .arg(&queries_path)
                                .arg(&rankings)
                                .arg(&work)
                                .env("PEERS_MODULES", &peers),
                        )?;
                        eval.arg("--rankings").arg(&rankings)
                    }
                };
                let output = eval.output()?;
                anyhow::ensure!(
                    output.status.success(),
                    "eval of {name} ({variant}, {engine}) failed: {}",
                    String::from_utf8_lossy(&output.stderr)
                );
                let metrics: Value = serde_json::from_slice(&output.stdout)?;
                rows.push(Row { set: name.clone(), variant, engine, metrics });
            }
            latencies.push(measure_latency(name, variant, &kb, &plain, &parsed)?);
        }
    }
    let report = render(&rows, &latencies);
    println!("{report}");
    let out = root.join("bench/results/quality.md");
    std::fs::write(&out, report).with_context(|| format!("cannot write {}", out.display()))?;
    eprintln!("wrote {}", out.display());
    Ok(())
}

fn open_index(dist: &Path) -> anyhow::Result<KnowledgeBase> {
    Ok(kb_core::lazy::open_folder(&dist.join("kb"))?)
}

/// The queries to run: a set with official splits (`"split"`) is measured on its `val` split, which keeps
/// the slowest peers to minutes (MiniSearch's fuzzy search takes ~0.1 s per long query on 4,451 answers)
/// and is the split the set's README quotes a baseline for. kb-core's floor tests run every query.
fn dev_split(queries: &str) -> anyhow::Result<String> {
    let mut out = String::new();
    let mut any_split = false;
    let mut val = String::new();
    for line in queries.lines().filter(|l| !l.trim().is_empty()) {
        let query: Value = serde_json::from_str(line)?;
        if let Some(split) = query["split"].as_str() {
            any_split = true;
            if split == "val" {
                val.push_str(line);
                val.push('\n');
            }
        }
        out.push_str(line);
        out.push('\n');
    }
    Ok(if any_split { val } else { out })
}

/// The FAQ pairs as articles, the way `kb-builder import` maps them: the title is the question, or the
/// answer's first sentence when there is none; the body is the answer.
fn articles(faqs: &Path) -> anyhow::Result<Vec<Value>> {
    let text = std::fs::read_to_string(faqs).with_context(|| format!("cannot read {}", faqs.display()))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .map(|line| {
            let faq: Value = serde_json::from_str(line)?;
            let answer = faq["answer"].as_str().unwrap_or_default().trim();
            let question = faq["question"].as_str().unwrap_or_default().trim();
            let title = if question.is_empty() { first_sentence(answer) } else { question.to_string() };
            Ok(serde_json::json!({"id": faq["id"], "lang": faq["lang"], "title": title, "body": answer}))
        })
        .collect()
}

/// The answer's first sentence, shortened at a word boundary with "…" past 120 characters (the title
/// `kb-builder import` derives).
fn first_sentence(answer: &str) -> String {
    let end = answer
        .char_indices()
        .find(|&(i, c)| matches!(c, '.' | '?' | '!') && answer[i + 1..].starts_with(char::is_whitespace))
        .map_or(answer.len(), |(i, _)| i + 1);
    let sentence = answer[..end].trim();
    if sentence.chars().count() <= 120 {
        return sentence.to_string();
    }
    let cut: String = sentence.chars().take(120).collect();
    format!("{}…", cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head))
}

fn write_rankings(
    path: &Path,
    queries: &[Value],
    search: impl Fn(&str) -> Vec<String>,
) -> anyhow::Result<()> {
    let mut out = String::new();
    for query in queries {
        let ids = search(query["query"].as_str().unwrap_or_default());
        writeln!(out, "{}", serde_json::json!({"qid": query["qid"], "ids": ids}))?;
    }
    Ok(std::fs::write(path, out)?)
}

/// Mean time per query, after one warm-up pass, for kb-core (full search with snippets, as the widget
/// runs it) and for plain BM25 (ids of the top 10).
fn measure_latency(
    set: &str,
    variant: &'static str,
    kb: &KnowledgeBase,
    plain: &PlainBm25,
    queries: &[Value],
) -> anyhow::Result<Latency> {
    let texts: Vec<(&str, Option<Lang>)> = queries
        .iter()
        .map(|q| (q["query"].as_str().unwrap_or_default(), q["lang"].as_str().and_then(|l| l.parse().ok())))
        .collect();
    let ours = || -> anyhow::Result<()> {
        for &(text, lang) in &texts {
            let request = SearchRequest::new(text).lang(lang).limit(10);
            std::hint::black_box(futures_executor::block_on(kb.search(&request))?);
        }
        Ok(())
    };
    let theirs = || {
        for &(text, _) in &texts {
            std::hint::black_box(plain.search(text));
        }
    };
    ours()?;
    theirs();
    let started = Instant::now();
    ours()?;
    let ours_us = started.elapsed().as_secs_f64() * 1e6 / texts.len() as f64;
    let started = Instant::now();
    theirs();
    let plain_us = started.elapsed().as_secs_f64() * 1e6 / texts.len() as f64;
    Ok(Latency { set: set.to_string(), variant, queries: texts.len(), ours_us, plain_us })
}

fn cpu_model() -> String {
    std::fs::read_to_string("/proc/cpuinfo")
        .ok()
        .and_then(|info| {
            info.lines().find_map(|l| {
                l.strip_prefix("model name").map(|v| v.trim_start_matches([' ', '\t', ':']).to_string())
            })
        })
        .unwrap_or_else(|| std::env::consts::ARCH.to_string())
}

fn node_version() -> String {
    Command::new("node")
        .arg("--version")
        .output()
        .map(|o| String::from_utf8_lossy(&o.stdout).trim().to_string())
        .unwrap_or_default()
}

fn render(rows: &[Row], latencies: &[Latency]) -> String {
    let mut out = String::new();
    let f = |m: &Value, key: &str| m[key].as_f64().unwrap_or(f64::NAN);
    let _ = writeln!(out, "# Search quality: Answerdesk against its peers\n");
    let _ = writeln!(
        out,
        "Generated by `cargo xtask eval` on {}, {} ({} logical CPUs, shared), Node {}. Sets: `../shared/eval` \
         (third-party FAQ data, see each set's README). Reproduce with `cargo xtask eval` (it installs MiniSearch \
         {MINISEARCH} and Pagefind {PAGEFIND} from npm into `.tools/peers`).\n",
        jiff::Timestamp::now().strftime("%Y-%m-%d %H:%M UTC"),
        cpu_model(),
        std::thread::available_parallelism().map_or(0, usize::from),
        node_version(),
        MINISEARCH = crate::tools::MINISEARCH_VERSION,
        PAGEFIND = crate::tools::PAGEFIND_VERSION,
    );
    let _ = writeln!(out, "## Ranking\n");
    let _ = writeln!(
        out,
        "| set | variant | engine | queries | MRR@10 | recall@1 | recall@5 | nDCG@10 | zero results |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|---|---|---|");
    for r in rows {
        let m = &r.metrics;
        let _ = writeln!(
            out,
            "| {} | {} | {} | {} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} |",
            r.set,
            r.variant,
            if r.engine == "answerdesk" { "**answerdesk**" } else { r.engine },
            m["queries"],
            f(m, "mrr_at_10"),
            f(m, "recall_at_1"),
            f(m, "recall_at_5"),
            f(m, "ndcg_at_10"),
            f(m, "zero_result_rate"),
        );
    }
    let _ = writeln!(out, "\n## Targets\n");
    let _ = writeln!(out, "| set | variant | answerdesk MRR@10 | best peer | ratio (target ≥ 1.15) |");
    let _ = writeln!(out, "|---|---|---|---|---|");
    let mut keys: Vec<(&str, &str)> = rows.iter().map(|r| (r.set.as_str(), r.variant)).collect();
    keys.dedup();
    for (set, variant) in &keys {
        let of = |engine: &str| {
            rows.iter()
                .find(|r| r.set == *set && r.variant == *variant && r.engine == engine)
                .map_or(f64::NAN, |r| f(&r.metrics, "mrr_at_10"))
        };
        let ours = of("answerdesk");
        let (best, best_mrr) = ENGINES[1..]
            .iter()
            .map(|&e| (e, of(e)))
            .fold(("", f64::NEG_INFINITY), |a, b| if b.1 > a.1 { b } else { a });
        let _ = writeln!(
            out,
            "| {set} | {variant} | {ours:.3} | {best} {best_mrr:.3} | {:.2} |",
            ours / best_mrr
        );
    }
    let _ = writeln!(
        out,
        "\n| set | stress variant | answerdesk as written | stressed | ratio (target ≥ 0.95 vi, ≥ 0.9 en) |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|");
    for (set, variant) in keys.iter().filter(|(_, v)| *v != "as written") {
        let of = |variant: &str| {
            rows.iter()
                .find(|r| r.set == *set && r.variant == variant && r.engine == "answerdesk")
                .map_or(f64::NAN, |r| f(&r.metrics, "mrr_at_10"))
        };
        let (clean, stressed) = (of("as written"), of(variant));
        let _ = writeln!(out, "| {set} | {variant} | {clean:.3} | {stressed:.3} | {:.2} |", stressed / clean);
    }
    let _ = writeln!(out, "\n## Confidence (\"answered\" vs \"offer chat\")\n");
    let _ = writeln!(
        out,
        "`Confidence::level` is `Confident` when the first hit holds ≥ {:.0} % of the query's content words \
         (IDF-weighted) and leads the second hit by ≥ {:.0} % of its score. Precision: of the confident answers, \
         the share whose first hit is relevant; recall: of the queries whose first hit is relevant, the share \
         judged confident.\n",
        kb_core::confidence::MIN_COVERAGE * 100.0,
        kb_core::confidence::MIN_MARGIN * 100.0,
    );
    let _ = writeln!(out, "| set | variant | recall@1 | confident | precision | recall |");
    let _ = writeln!(out, "|---|---|---|---|---|---|");
    for r in rows.iter().filter(|r| r.engine == "answerdesk") {
        let m = &r.metrics;
        let _ = writeln!(
            out,
            "| {} | {} | {:.3} | {:.3} | {:.3} | {:.3} |",
            r.set,
            r.variant,
            f(m, "recall_at_1"),
            f(m, "confident_rate"),
            f(m, "confident_precision"),
            f(m, "confident_recall"),
        );
    }
    let _ =
        writeln!(out, "\n## Query latency (native, this machine, dev profile with optimised dependencies)\n");
    let _ = writeln!(
        out,
        "| set | variant | queries | answerdesk µs/query | plain BM25 µs/query | ratio (target ≤ 2) |"
    );
    let _ = writeln!(out, "|---|---|---|---|---|---|");
    for l in latencies {
        let _ = writeln!(
            out,
            "| {} | {} | {} | {:.0} | {:.0} | {:.2} |",
            l.set,
            l.variant,
            l.queries,
            l.ours_us,
            l.plain_us,
            l.ours_us / l.plain_us
        );
    }
    out
}

/// The stressed copy of a query file: unaccented for Vietnamese, one typo for English.
fn stress_variant(queries: &str) -> anyhow::Result<Option<(&'static str, String)>> {
    let mut out = String::new();
    let mut variant = None;
    for line in queries.lines().filter(|l| !l.trim().is_empty()) {
        let mut query: serde_json::Value = serde_json::from_str(line)?;
        let text = query["query"].as_str().unwrap_or_default().to_string();
        let qid = query["qid"].as_str().unwrap_or_default().to_string();
        let (name, stressed) = match query["lang"].as_str() {
            Some("vi") => ("unaccented", strip_accents(&text)),
            _ => ("one typo", with_typo(&text, &qid)),
        };
        variant = Some(name);
        query["query"] = serde_json::Value::String(stressed);
        out.push_str(&serde_json::to_string(&query)?);
        out.push('\n');
    }
    Ok(variant.map(|name| (name, out)))
}

/// "Chính sách đổi trả" → "Chinh sach doi tra" (case kept, so only the marks change).
fn strip_accents(text: &str) -> String {
    text.chars()
        .map(|c| {
            let mut folded = String::new();
            kb_core::analysis::fold_word(&c.to_string(), &mut folded);
            let base = folded.chars().next().unwrap_or(c);
            if c.is_uppercase() { base.to_uppercase().next().unwrap_or(base) } else { base }
        })
        .collect()
}

/// One typo in one word of at least 5 letters, chosen by a hash of the query id so every run is the same:
/// a deleted, swapped or replaced letter inside the word.
fn with_typo(text: &str, qid: &str) -> String {
    let hash =
        qid.bytes().fold(0xcbf2_9ce4_8422_2325_u64, |h, b| (h ^ u64::from(b)).wrapping_mul(0x100_0000_01b3));
    let words: Vec<(usize, &str)> = text
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| w.chars().count() >= 5)
        .map(|w| (w.as_ptr() as usize - text.as_ptr() as usize, w))
        .collect();
    let Some(&(start, word)) = words.get((hash % words.len().max(1) as u64) as usize) else {
        return text.to_string();
    };
    let mut letters: Vec<char> = word.chars().collect();
    let at = 1 + ((hash / 7) as usize % (letters.len() - 2));
    match (hash / 13) % 3 {
        0 => {
            letters.remove(at);
        }
        1 => letters.swap(at, at + 1),
        _ => {
            letters[at] =
                if letters[at] == 'z' { 'a' } else { char::from_u32(letters[at] as u32 + 1).unwrap_or('x') }
        }
    }
    format!("{}{}{}", &text[..start], letters.into_iter().collect::<String>(), &text[start + word.len()..])
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_tone_marks_and_d_but_keeps_case() {
        assert_eq!(strip_accents("Chính sách ĐỔI trả, đơn hàng?"), "Chinh sach DOI tra, don hang?");
    }

    #[test]
    fn one_typo_in_a_long_word_deterministically() {
        let typo = with_typo("How long does a refund take?", "q1");
        assert_eq!(typo, with_typo("How long does a refund take?", "q1"));
        assert_ne!(typo, "How long does a refund take?");
        let changed: Vec<_> =
            typo.split(' ').zip("How long does a refund take?".split(' ')).filter(|(a, b)| a != b).collect();
        assert_eq!(changed.len(), 1, "{typo}");
        assert_eq!(with_typo("a b c", "q2"), "a b c", "no word is long enough");
    }
}
