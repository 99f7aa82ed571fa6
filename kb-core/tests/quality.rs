//! Search-quality floors on the third-party evaluation sets in `../shared/eval` (real user questions).
//!
//! Each set is indexed in-process the way `kb-builder import` maps a FAQ pair (title = the question, or the
//! answer's first sentence when there is none; body = the answer), its queries are run through
//! [`KnowledgeBase::search`], and MRR@10 must stay above a floor set just under what the engine reaches.
//! Floors (reached when they were set: covidfaq 0.633, oval 0.632, vicov 0.358 and 0.357 unaccented) sit
//! just under, so a change that loses quality fails here. A set that is not present (a checkout without
//! `../shared`) fails the test, as the corpora tests do: a floor nobody checks guards nothing.
//! `QUALITY_REPORT=1 cargo test -p kb-core --test quality -- --nocapture` prints the numbers.
#![allow(clippy::unwrap_used)] // Tests fail loudly on purpose.

use std::path::PathBuf;

use kb_core::{Article, Indexer, KnowledgeBase, Lang, SearchRequest};
use serde_json::Value;

fn eval_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../shared/eval")
}

fn lines(path: &std::path::Path) -> Vec<Value> {
    std::fs::read_to_string(path)
        .unwrap()
        .lines()
        .filter(|l| !l.trim().is_empty())
        .map(|l| serde_json::from_str(l).unwrap())
        .collect()
}

/// The answer's first sentence, shortened at a word boundary with "…" past 120 characters: the title
/// `kb-builder import` gives a FAQ without a question.
fn first_sentence(answer: &str) -> String {
    let answer = answer.trim();
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

fn open(set: &str) -> (KnowledgeBase, Vec<Value>) {
    let dir = eval_dir().join(set);
    assert!(
        dir.join("faqs.jsonl").is_file(),
        "{} is missing: clone the project with ../shared beside it",
        dir.join("faqs.jsonl").display()
    );
    let mut indexer = Indexer::new().unwrap();
    for faq in lines(&dir.join("faqs.jsonl")) {
        let lang: Lang = faq["lang"].as_str().unwrap().parse().unwrap();
        let id = faq["id"].as_str().unwrap();
        let question = faq["question"].as_str().unwrap_or_default().trim();
        let answer = faq["answer"].as_str().unwrap().trim();
        let title = if question.is_empty() { first_sentence(answer) } else { question.to_string() };
        indexer
            .add(&Article {
                id: id.into(),
                lang,
                title,
                category: "faq".into(),
                tags: Vec::new(),
                questions: Vec::new(),
                summary: String::new(),
                team: None,
                url: format!("/{lang}/faq/{id}/"),
                body_html: String::new(),
                body_text: answer.into(),
            })
            .unwrap();
    }
    let kb = KnowledgeBase::from_split(&indexer.finish().unwrap()).unwrap();
    (kb, lines(&dir.join("queries.jsonl")))
}

/// What one query gave: the rank of the first relevant hit and the engine's confidence.
struct Outcome {
    rank: Option<usize>,
    coverage: f32,
    margin: f32,
    confident: bool,
}

fn run(kb: &KnowledgeBase, queries: &[Value], rewrite: &dyn Fn(&str) -> String) -> Vec<Outcome> {
    queries
        .iter()
        .map(|q| {
            let lang: Lang = q["lang"].as_str().unwrap().parse().unwrap();
            let relevant: Vec<&str> =
                q["relevant_ids"].as_array().unwrap().iter().map(|v| v.as_str().unwrap()).collect();
            let text = rewrite(q["query"].as_str().unwrap());
            let request = SearchRequest::new(text).lang(Some(lang)).limit(10);
            let results = futures_executor::block_on(kb.search_cards(&request)).unwrap();
            Outcome {
                rank: results.hits.iter().position(|h| relevant.contains(&h.id.as_str())),
                coverage: results.confidence.coverage,
                margin: results.confidence.margin,
                confident: results.confidence.is_confident(),
            }
        })
        .collect()
}

fn mrr(outcomes: &[Outcome]) -> f64 {
    outcomes.iter().map(|o| o.rank.map_or(0.0, |r| 1.0 / (r as f64 + 1.0))).sum::<f64>()
        / outcomes.len() as f64
}

/// "Chính sách" → "Chinh sach": what a visitor without a Vietnamese keyboard types.
fn unaccented(text: &str) -> String {
    let mut folded = String::new();
    text.chars()
        .map(|c| {
            kb_core::analysis::fold_word(&c.to_string(), &mut folded);
            let base = folded.chars().next().unwrap_or(c);
            if c.is_uppercase() { base.to_ascii_uppercase() } else { base }
        })
        .collect()
}

/// Precision and recall of "confident" for "the first hit is relevant", at the engine's thresholds and,
/// with `QUALITY_REPORT=calibrate`, over a grid (how the thresholds in `kb_core::confidence` were chosen).
fn report_confidence(set: &str, outcomes: &[Outcome]) {
    let stats = |pick: &dyn Fn(&Outcome) -> bool| {
        let right = outcomes.iter().filter(|o| o.rank == Some(0)).count();
        let chosen: Vec<&Outcome> = outcomes.iter().filter(|o| pick(o)).collect();
        let chosen_right = chosen.iter().filter(|o| o.rank == Some(0)).count();
        (
            chosen.len() as f64 / outcomes.len() as f64,
            chosen_right as f64 / chosen.len().max(1) as f64,
            chosen_right as f64 / right.max(1) as f64,
        )
    };
    let (rate, precision, recall) = stats(&|o| o.confident);
    println!("{set}: confident {rate:.3}, precision {precision:.3}, recall {recall:.3}");
    if std::env::var("QUALITY_REPORT").as_deref() == Ok("calibrate") {
        for coverage in [0.0f32, 0.4, 0.5, 0.6, 0.7, 0.8, 0.9] {
            let row: Vec<String> = [0.0f32, 0.05, 0.1, 0.15, 0.2, 0.3]
                .iter()
                .map(|&margin| {
                    let (rate, p, r) = stats(&|o| o.coverage >= coverage && o.margin >= margin);
                    format!("m{margin:.2}: {rate:.2}/{p:.2}/{r:.2}")
                })
                .collect();
            println!("  cov {coverage:.1}  {}", row.join("  "));
        }
    }
}

fn check(set: &str, floors: &[(&str, f64)]) {
    let (kb, queries) = open(set);
    let report = std::env::var_os("QUALITY_REPORT").is_some();
    for &(variant, floor) in floors {
        let outcomes = match variant {
            "unaccented" => run(&kb, &queries, &|q| unaccented(q)),
            _ => run(&kb, &queries, &|q| q.to_string()),
        };
        let got = mrr(&outcomes);
        if report {
            println!("{set} ({variant}): MRR@10 {got:.4} over {} queries", queries.len());
            report_confidence(set, &outcomes);
        }
        assert!(got >= floor, "{set} ({variant}): MRR@10 {got:.4} fell below its floor {floor}");
    }
}

#[test]
fn covidfaq_en_mrr_floor() {
    check("covidfaq_en", &[("as written", 0.62)]);
}

#[test]
fn oval_covid_vaccine_en_mrr_floor() {
    check("oval_covid_vaccine_en", &[("as written", 0.61)]);
}

#[test]
fn vicov19qa_vi_mrr_floor() {
    check("vicov19qa_vi", &[("as written", 0.35), ("unaccented", 0.35)]);
}
