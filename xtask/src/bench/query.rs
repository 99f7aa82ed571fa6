//! Part 3 (native half): query latency through kb-core, the code the widget runs in wasm, over 1,000 real
//! queries from ../shared/eval against bundles of about 1k, 4k and 9k articles built by release kb-builder.

use std::path::{Path, PathBuf};
use std::process::Command;
use std::time::{Duration, Instant};

use anyhow::Context;
use futures_executor::block_on;
use kb_core::{Lang, SearchRequest};
use serde_json::json;

use super::{Options, Section, ms, quantile, thousands};

const QUERIES: usize = 1_000;

/// A bundle to query and the queries to send it.
struct Case {
    name: &'static str,
    /// p95 target for this size, if the issue sets one.
    target: Option<Duration>,
    content: PathBuf,
    queries: &'static str,
    lang: Lang,
}

pub fn run(options: &Options) -> anyhow::Result<Section> {
    let shared = crate::root().join("../shared");
    let faqs = options.scratch.join("vicov19qa-content");
    let _ = std::fs::remove_dir_all(&faqs);
    crate::run(
        Command::new(options.bin.join("kb-builder"))
            .arg("import")
            .arg(shared.join("eval/vicov19qa_vi/faqs.jsonl"))
            .arg("--out")
            .arg(&faqs),
    )?;
    let cases = [
        Case {
            name: "powershell-docs",
            target: Some(Duration::from_millis(2)),
            content: shared.join("corpora/powershell-docs"),
            queries: "covidfaq_en",
            lang: Lang::En,
        },
        Case {
            name: "vicov19qa_vi FAQs",
            target: None,
            content: faqs,
            queries: "vicov19qa_vi",
            lang: Lang::Vi,
        },
        Case {
            name: "azure-powershell-16.2",
            target: Some(Duration::from_millis(10)),
            content: shared.join("corpora/azure-powershell-16.2"),
            queries: "covidfaq_en",
            lang: Lang::En,
        },
    ];
    let mut md = String::from(
        "## Query latency (native, kb-core)\n\n\
         `KnowledgeBase::search` (the widget's code, compiled natively in release) on bundles built by release \
         kb-builder; 1,000 real queries from ../shared/eval (the first 1,000 of the set named), 10 hits with \
         snippets, one language. One warm-up pass, then each query timed once. \"typing\" = the last word \
         also matches as a prefix, as while the visitor types. The English queries are COVID FAQ questions \
         asked of PowerShell docs: real query shapes, mostly weak matches.\n\n\
         | bundle | articles | queries | mode | p50 | p95 | p99 | max | no hits | p95 target |\n\
         |---|---|---|---|---|---|---|---|---|---|\n",
    );
    let mut rows = Vec::new();
    for case in &cases {
        let site = build_site(options, &case.content).with_context(|| case.name)?;
        let kb =
            kb_core::lazy::open_folder(&site.join("kb")).with_context(|| format!("opening {}", case.name))?;
        let queries = read_queries(&shared.join("eval").join(case.queries).join("queries.jsonl"))?;
        // `--quick` (CI smoke) skips the typing pass.
        let modes: &[bool] = if options.quick { &[false] } else { &[false, true] };
        for &typing in modes {
            let requests: Vec<SearchRequest> = queries
                .iter()
                .map(|q| SearchRequest::new(q.as_str()).lang(Some(case.lang)).typing(typing))
                .collect();
            // The warm-up pass also reads every piece these queries need from disk.
            for request in &requests {
                block_on(kb.search(request))?;
            }
            let mut samples = Vec::with_capacity(requests.len());
            let mut empty = 0;
            for request in &requests {
                let started = Instant::now();
                let found = block_on(kb.search(request))?;
                samples.push(started.elapsed());
                empty += usize::from(found.hits.is_empty());
            }
            samples.sort();
            let p95 = quantile(&samples, 0.95);
            let verdict = match case.target {
                Some(t) if p95 <= t => format!("≤ {} met", ms(t)),
                Some(t) => format!("≤ {} **not met**", ms(t)),
                None => "—".into(),
            };
            md.push_str(&format!(
                "| {} | {} | {} {} | {} | {} | {} | {} | {} | {empty} | {verdict} |\n",
                case.name,
                thousands(kb.len()),
                thousands(requests.len() as u64),
                case.queries,
                if typing { "typing" } else { "complete" },
                ms(quantile(&samples, 0.5)),
                ms(p95),
                ms(quantile(&samples, 0.99)),
                ms(quantile(&samples, 1.0)),
            ));
            let us = |d: Duration| d.as_secs_f64() * 1e6;
            rows.push(json!({
                "bundle": case.name, "articles": kb.len(), "queries": case.queries, "count": requests.len(),
                "typing": typing, "p50_us": us(quantile(&samples, 0.5)), "p95_us": us(p95),
                "p99_us": us(quantile(&samples, 0.99)), "max_us": us(quantile(&samples, 1.0)),
                "no_hits": empty, "p95_target_us": case.target.map(us),
                "target_met": case.target.map(|t| p95 <= t),
            }));
        }
    }
    md.push_str("\nThe same queries in the browser (the widget's wasm in Chromium): `browser.md`.\n");
    Ok(Section { name: "query", markdown: md, json: json!(rows) })
}

/// Builds `content` with release kb-builder into a scratch site (replaced by the next case).
fn build_site(options: &Options, content: &Path) -> anyhow::Result<std::path::PathBuf> {
    let site = options.scratch.join("query-site");
    let _ = std::fs::remove_dir_all(&site);
    let status = Command::new(options.bin.join("kb-builder"))
        .args(["build", "--quiet", "--keep-going", "--content"])
        .arg(content)
        .arg("--out")
        .arg(&site)
        .stderr(std::process::Stdio::null())
        .status()?;
    anyhow::ensure!(status.success(), "kb-builder build {} failed ({status})", content.display());
    Ok(site)
}

/// The first [`QUERIES`] query texts of an eval set.
pub(super) fn read_queries(path: &Path) -> anyhow::Result<Vec<String>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    text.lines()
        .filter(|l| !l.trim().is_empty())
        .take(QUERIES)
        .map(|l| {
            let v: serde_json::Value = serde_json::from_str(l)?;
            Ok(v["query"].as_str().unwrap_or_default().to_string())
        })
        .collect()
}
