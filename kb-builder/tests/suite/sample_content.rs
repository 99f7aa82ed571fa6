//! The sample help center in `content/` is what the demo and the widget tests run on: it must build
//! without a single warning, be complete in both languages, and answer the questions it was written for.

use std::collections::BTreeSet;
use std::path::Path;
use std::process::Output;

use crate::support::repo;

/// Runs kb-builder at the repository's root.
fn kb_builder(args: &[&str]) -> Output {
    crate::support::kb_builder(&repo(), args)
}

/// `content/` built into a temporary `dist` (kept while the folder guard lives).
fn built() -> (tempfile::TempDir, String) {
    let temp = tempfile::tempdir().unwrap();
    let dist = temp.path().join("dist").to_str().unwrap().to_string();
    let output = kb_builder(&["build", "--quiet", "--content", "content", "--out", &dist]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));
    (temp, dist)
}

#[test]
fn sample_content_checks_clean() {
    let output = kb_builder(&["check", "--content", "content", "--all-warnings"]);
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{stderr}");
    assert!(stderr.contains(", 0 error(s), 0 warning(s)"), "{stderr}");
}

#[test]
fn sample_content_is_complete_and_answers_its_questions() {
    let (_temp, dist) = built();
    let dist = dist.as_str();

    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(Path::new(dist).join("kb/manifest.json")).unwrap()).unwrap();
    assert!(manifest["articles"].as_u64().unwrap() >= 40, "{manifest}");
    assert_eq!(
        manifest["languages"]["vi"], manifest["languages"]["en"],
        "every article exists in both languages"
    );

    let ids = |lang: &str| -> BTreeSet<String> {
        let dir = Path::new(dist).join(lang);
        walkdir::WalkDir::new(&dir)
            .min_depth(2)
            .max_depth(2)
            .into_iter()
            .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
            .collect()
    };
    assert_eq!(ids("vi"), ids("en"), "the same article ids in both languages");
    for category in ["orders", "shipping", "returns", "payment", "account", "warranty"] {
        assert!(Path::new(dist).join("vi").join(category).join("index.html").is_file(), "{category}");
    }

    let top = |query: &str, lang: &str| -> String {
        let output = kb_builder(&["search", "--json", "--lang", lang, "--index", dist, query]);
        let hits: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        hits[0]["id"].as_str().unwrap_or("(none)").to_string()
    };
    for (query, lang, id) in [
        ("chinh sach doi tra", "vi", "return-policy"),
        ("Chính sách đổi trả là gì?", "vi", "return-policy"),
        ("kiem tra tinh trang don hang", "vi", "order-status"),
        ("huy don hang", "vi", "cancel-order"),
        ("quen mat khau", "vi", "reset-password"),
        ("What is the return policy?", "en", "return-policy"),
        ("how do I check my order status", "en", "order-status"),
        ("cancel my order", "en", "cancel-order"),
        ("forgot password", "en", "reset-password"),
        ("cash on delivery", "en", "cod"),
    ] {
        assert_eq!(top(query, lang), id, "{lang}: {query}");
    }
}

/// How visitors really type (`tests/fixtures/visitor_queries.jsonl`: 179 queries written for this content,
/// without copying its titles or questions: keywords, Vietnamese without marks and with chat
/// abbreviations, colloquial English and Vietnamese, one typo). No wrong first hit may be called the
/// answer. The hit@1 floor is today's result, so a change that loses answers fails here; issue 17 aims at
/// a right first hit for 95% of them. Tuning looks at these queries' misses, so they are the dev set.
#[test]
fn visitor_style_queries_find_their_article() {
    visitor_queries("kb-builder/tests/fixtures/visitor_queries.jsonl", 179, 0.79);
}

/// The held-out set (`tests/fixtures/visitor_queries_heldout.jsonl`: 90 more, written by someone who read
/// only the articles, never the engine or the first set): whether tuning on the first set carried over.
/// Nothing is tuned on its misses.
#[test]
fn held_out_visitor_queries_find_their_article() {
    visitor_queries("kb-builder/tests/fixtures/visitor_queries_heldout.jsonl", 90, 0.87);
}

/// Runs `kb-builder eval` on `queries` over content/: `count` queries, a right first hit for at least
/// `floor` of them, and no wrong one called the answer.
fn visitor_queries(queries: &str, count: usize, floor: f64) {
    let temp = tempfile::tempdir().unwrap();
    let details = temp.path().join("details.jsonl");
    let output = kb_builder(&[
        "eval",
        "--content",
        "content",
        "--queries",
        queries,
        "--json",
        "--details",
        details.to_str().unwrap(),
    ]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));

    let asked: std::collections::HashMap<String, serde_json::Value> =
        std::fs::read_to_string(repo().join(queries))
            .unwrap()
            .lines()
            .map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap())
            .map(|query| (query["qid"].as_str().unwrap().to_string(), query))
            .collect();
    let mut per_style: std::collections::BTreeMap<String, (usize, usize)> = Default::default();
    let (mut right, mut confidently_wrong) = (0, Vec::new());
    let lines = std::fs::read_to_string(&details).unwrap();
    for detail in lines.lines().map(|line| serde_json::from_str::<serde_json::Value>(line).unwrap()) {
        let query = &asked[detail["qid"].as_str().unwrap()];
        let first_right = detail["rank"] == 1;
        let style = per_style.entry(format!("{} {}", query["lang"], query["style"])).or_default();
        *style = (style.0 + usize::from(first_right), style.1 + 1);
        right += usize::from(first_right);
        if !first_right && detail["confidence"]["level"] == "confident" {
            confidently_wrong.push(query["query"].to_string());
        }
    }
    let hit_at_1 = right as f64 / asked.len() as f64;
    let report = format!(
        "{queries}: hit@1 {hit_at_1:.3}, per style {per_style:?}, confidently wrong {confidently_wrong:?}"
    );
    assert_eq!(asked.len(), count, "{report}");
    assert!(hit_at_1 >= floor, "{report}");
    assert!(confidently_wrong.is_empty(), "{report}");
}

/// The snippets visitors read on the cards, for queries that used to go wrong: table cells run together,
/// a snippet starting mid-number, every "bảo" lit up for "bao nhieu". Highlights in [brackets].
#[test]
fn snippets_start_where_a_reader_would_and_light_up_what_matched() {
    let (_temp, dist) = built();
    let dist = dist.as_str();
    let mut out = String::new();
    for (lang, query) in [
        ("vi", "phi van chuyen bao nhieu"),
        ("vi", "phí ship"),
        ("vi", "bao hanh bao lau"),
        ("vi", "đổi trả trong bao nhiêu ngày"),
        ("vi", "ko nhan dc hang"),
        ("vi", "tra gop lai suat"),
        ("en", "shipping fee"),
        ("en", "how long do refunds take"),
        ("en", "warranty exclusions water damage"),
        ("en", "pay in installments"),
    ] {
        let output =
            kb_builder(&["search", "--json", "--limit", "1", "--lang", lang, "--index", dist, query]);
        let hits: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
        let (text, highlights) = (&hits[0]["snippet"]["text"], &hits[0]["snippet"]["highlights"]);
        let text = text.as_str().unwrap();
        let mut marked = String::new();
        let mut at = 0;
        for range in highlights.as_array().unwrap() {
            let (start, end) =
                (range["start"].as_u64().unwrap() as usize, range["end"].as_u64().unwrap() as usize);
            marked.push_str(&text[at..start]);
            marked.push('[');
            marked.push_str(&text[start..end]);
            marked.push(']');
            at = end;
        }
        marked.push_str(&text[at..]);
        out.push_str(&format!("{lang}: {query} → {}\n  {}\n", hits[0]["id"], marked.replace('\n', "\n  ")));
    }
    insta::assert_snapshot!(out);
}
