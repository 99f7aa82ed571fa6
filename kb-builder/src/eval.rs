//! `kb-builder eval`: builds the content through the real pipeline and measures how well kb-core's search
//! ranks the relevant articles for real queries. With `--rankings` it scores another engine's rankings of
//! the same queries instead, with the same metrics (`cargo xtask eval` compares peers that way).

use std::collections::{HashMap, HashSet};
use std::path::PathBuf;
use std::process::ExitCode;

use anyhow::Context;
use kb_core::{Lang, SearchRequest};
use serde::{Deserialize, Serialize};

use crate::config::SiteConfig;
use crate::pipeline;
use crate::progress::Progress;

/// Arguments of `eval`.
#[derive(Debug, clap::Args)]
pub struct EvalArgs {
    /// Content folder to build (e.g. the output of `import`).
    #[arg(long, required_unless_present = "rankings")]
    content: Option<PathBuf>,
    /// Instead of searching, score these rankings: JSONL of {"qid","ids":[...]} (best first).
    #[arg(long, conflicts_with = "content")]
    rankings: Option<PathBuf>,
    /// JSONL file of {"qid","query","relevant_ids"[,"lang"]} objects.
    #[arg(long)]
    queries: PathBuf,
    /// Only queries whose "split" field has this value (e.g. `val`).
    #[arg(long)]
    split: Option<String>,
    /// Print one JSON object instead of a table.
    #[arg(long)]
    json: bool,
    /// Also write one line per query to this file: the first relevant hit's rank and the confidence's
    /// signals (what `cargo xtask eval` calibrates "Best answer" from).
    #[arg(long, conflicts_with = "rankings")]
    details: Option<PathBuf>,
}

/// One query's outcome, for `--details`.
#[derive(Debug, Serialize)]
struct Detail<'a> {
    qid: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    split: Option<&'a str>,
    /// 1-based rank of the first relevant hit in the top 10.
    rank: Option<usize>,
    confidence: kb_core::Confidence,
    /// The hits' scores, best first.
    scores: Vec<f32>,
}

#[derive(Debug, Deserialize)]
struct Query {
    qid: String,
    query: String,
    relevant_ids: Vec<String>,
    #[serde(default)]
    lang: Option<String>,
    #[serde(default)]
    split: Option<String>,
}

/// The metrics, averaged over queries. Key names are a contract with `cargo xtask eval`.
#[derive(Debug, Default, Serialize, PartialEq)]
pub struct Metrics {
    pub queries: usize,
    pub mrr_at_10: f64,
    pub recall_at_1: f64,
    pub recall_at_5: f64,
    pub recall_at_10: f64,
    pub ndcg_at_10: f64,
    pub zero_result_rate: f64,
    /// Share of queries kb-core was confident about (absent when scoring `--rankings`).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confident_rate: Option<f64>,
    /// Of the confident queries, the share whose first hit is relevant.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confident_precision: Option<f64>,
    /// Of the queries whose first hit is relevant, the share kb-core was confident about.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub confident_recall: Option<f64>,
}

#[derive(Debug, Deserialize)]
struct Ranking {
    qid: String,
    ids: Vec<String>,
}

/// Scores of one ranked list against the relevant ids.
fn score(ranked: &[String], relevant: &HashSet<&str>) -> [f64; 5] {
    let is_rel = |id: &String| relevant.contains(id.as_str());
    let recall =
        |k: usize| ranked.iter().take(k).filter(|id| is_rel(id)).count() as f64 / relevant.len() as f64;
    let mrr = ranked.iter().take(10).position(is_rel).map_or(0.0, |i| 1.0 / (i as f64 + 1.0));
    let dcg: f64 = ranked
        .iter()
        .take(10)
        .enumerate()
        .filter(|(_, id)| is_rel(id))
        .map(|(i, _)| 1.0 / (i as f64 + 2.0).log2())
        .sum();
    let ideal: f64 = (0..relevant.len().min(10)).map(|i| 1.0 / (i as f64 + 2.0).log2()).sum();
    [mrr, recall(1), recall(5), recall(10), dcg / ideal]
}

/// Builds, runs every query and prints the metrics.
pub fn run(args: EvalArgs) -> anyhow::Result<ExitCode> {
    let text = std::fs::read_to_string(&args.queries)
        .with_context(|| format!("cannot read {}", args.queries.display()))?;
    let mut queries = Vec::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let query: Query = serde_json::from_str(line)
            .with_context(|| format!("{}:{}: not a query object", args.queries.display(), i + 1))?;
        if args.split.as_ref().is_none_or(|s| query.split.as_ref() == Some(s))
            && !query.relevant_ids.is_empty()
        {
            queries.push(query);
        }
    }
    anyhow::ensure!(!queries.is_empty(), "no queries with relevant ids in {}", args.queries.display());

    let mut sums = [0.0; 5];
    let mut zero = 0usize;
    let (mut confident, mut confident_right, mut right) = (0usize, 0usize, 0usize);
    let mut add = |ranked: &[String], query: &Query| {
        if ranked.is_empty() {
            zero += 1;
        }
        let relevant: HashSet<&str> = query.relevant_ids.iter().map(String::as_str).collect();
        for (sum, value) in sums.iter_mut().zip(score(ranked, &relevant)) {
            *sum += value;
        }
        ranked.first().is_some_and(|id| relevant.contains(id.as_str()))
    };
    let judged = if let Some(path) = &args.rankings {
        let rankings = read_rankings(path)?;
        for query in &queries {
            add(rankings.get(&query.qid).map_or(&[][..], Vec::as_slice), query);
        }
        false
    } else {
        let content = args.content.as_deref().expect("clap requires --content without --rankings");
        let (config, _) = SiteConfig::load(content)?;
        let temp = tempfile::tempdir()?;
        let out = temp.path().join("dist");
        let report = pipeline::build(
            content,
            &out,
            &config,
            true,
            kb_core::lazy::ALL_IN_ENTRY_BELOW,
            &Progress::new(args.json),
        )?;
        if report.loaded.errors() > 0 {
            eprintln!(
                "eval: {} files were rejected (run `kb-builder check --content {}`)",
                report.loaded.rejected.values().sum::<usize>(),
                content.display()
            );
        }
        let (kb, rounds) = crate::search::open(&out)?;
        let mut details = String::new();
        for query in &queries {
            let lang = query
                .lang
                .as_deref()
                .map(str::parse::<Lang>)
                .transpose()
                .map_err(|e| anyhow::anyhow!("query {}: {e}", query.qid))?;
            // Rankings and confidence are what the first answer has; bodies (snippets) are not needed.
            let results =
                rounds.run(kb.search_cards(&SearchRequest::new(&query.query).lang(lang).limit(10)))?;
            rounds.take();
            let scores = results.hits.iter().map(|h| h.score).collect();
            let ranked: Vec<String> = results.hits.into_iter().map(|h| h.id).collect();
            let first_right = add(&ranked, query);
            if args.details.is_some() {
                let detail = Detail {
                    qid: &query.qid,
                    split: query.split.as_deref(),
                    rank: ranked
                        .iter()
                        .take(10)
                        .position(|id| query.relevant_ids.contains(id))
                        .map(|i| i + 1),
                    confidence: results.confidence,
                    scores,
                };
                details.push_str(&serde_json::to_string(&detail)?);
                details.push('\n');
            }
            right += usize::from(first_right);
            if results.confidence.is_confident() {
                confident += 1;
                confident_right += usize::from(first_right);
            }
        }
        if let Some(path) = &args.details {
            std::fs::write(path, details).with_context(|| format!("cannot write {}", path.display()))?;
        }
        true
    };
    let n = queries.len() as f64;
    let ratio = |a: usize, b: usize| if b == 0 { 0.0 } else { a as f64 / b as f64 };
    let metrics = Metrics {
        queries: queries.len(),
        mrr_at_10: sums[0] / n,
        recall_at_1: sums[1] / n,
        recall_at_5: sums[2] / n,
        recall_at_10: sums[3] / n,
        ndcg_at_10: sums[4] / n,
        zero_result_rate: zero as f64 / n,
        confident_rate: judged.then(|| confident as f64 / n),
        confident_precision: judged.then(|| ratio(confident_right, confident)),
        confident_recall: judged.then(|| ratio(confident_right, right)),
    };
    if args.json {
        println!("{}", serde_json::to_string(&metrics)?);
    } else {
        println!("queries        {}", metrics.queries);
        println!("MRR@10         {:.4}", metrics.mrr_at_10);
        println!("recall@1       {:.4}", metrics.recall_at_1);
        println!("recall@5       {:.4}", metrics.recall_at_5);
        println!("recall@10      {:.4}", metrics.recall_at_10);
        println!("nDCG@10        {:.4}", metrics.ndcg_at_10);
        println!("zero results   {:.4}", metrics.zero_result_rate);
        if let (Some(rate), Some(precision), Some(recall)) =
            (metrics.confident_rate, metrics.confident_precision, metrics.confident_recall)
        {
            println!(
                "confident      {rate:.4} (precision {precision:.4}, recall {recall:.4} for a right first hit)"
            );
        }
    }
    Ok(ExitCode::SUCCESS)
}

/// `{"qid","ids"}` lines, by query id.
fn read_rankings(path: &std::path::Path) -> anyhow::Result<HashMap<String, Vec<String>>> {
    let text = std::fs::read_to_string(path).with_context(|| format!("cannot read {}", path.display()))?;
    let mut rankings = HashMap::new();
    for (i, line) in text.lines().enumerate().filter(|(_, l)| !l.trim().is_empty()) {
        let ranking: Ranking = serde_json::from_str(line).with_context(|| {
            format!(
                "{}:{}: not a ranking object like {{\"qid\":\"q1\",\"ids\":[\"a\",\"b\"]}}",
                path.display(),
                i + 1
            )
        })?;
        rankings.insert(ranking.qid, ranking.ids);
    }
    Ok(rankings)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn metrics_of_known_rankings() {
        let ranked: Vec<String> = ["x", "a", "y", "b"].map(String::from).to_vec();
        let relevant: HashSet<&str> = ["a", "b"].into();
        let [mrr, r1, r5, r10, ndcg] = score(&ranked, &relevant);
        assert_eq!((mrr, r1, r5, r10), (0.5, 0.0, 1.0, 1.0));
        let expected = (1.0 / 3f64.log2() + 1.0 / 5f64.log2()) / (1.0 + 1.0 / 3f64.log2());
        assert!((ndcg - expected).abs() < 1e-12);
        assert_eq!(score(&[], &relevant), [0.0; 5]);
    }
}
