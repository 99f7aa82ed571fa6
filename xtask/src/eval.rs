//! `cargo xtask eval`: imports every FAQ set in ../shared/eval and measures kb-core's search on its queries
//! through `kb-builder eval` (the same code path the widget runs), on the queries as written and on two
//! stress variants:
//! - Vietnamese queries with every tone mark and đ stripped (how many people type);
//! - English queries with one deterministic typo in a word of at least 5 letters.

use std::path::Path;
use std::process::Command;

use anyhow::Context;

/// Runs every set and variant and prints one table.
pub fn run(root: &Path) -> anyhow::Result<()> {
    crate::run(super::cargo().args(["build", "--package", "kb-builder"]))?;
    let kb_builder = root.join("target/debug/kb-builder");
    let sets = root.join("../shared/eval");
    let mut names: Vec<String> = std::fs::read_dir(&sets)
        .with_context(|| format!("cannot read {} (../shared beside the project)", sets.display()))?
        .filter_map(Result::ok)
        .filter(|e| e.path().join("queries.jsonl").is_file())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    names.sort();

    let mut rows = Vec::new();
    for name in names {
        let temp = tempfile::tempdir()?;
        let content = temp.path().join("content");
        let set = sets.join(&name);
        crate::run(
            Command::new(&kb_builder).arg("import").arg(set.join("faqs.jsonl")).arg("--out").arg(&content),
        )?;
        let queries = std::fs::read_to_string(set.join("queries.jsonl"))?;
        let mut variants = vec![("as written", queries.clone())];
        if let Some(stressed) = stress_variant(&queries)? {
            variants.push(stressed);
        }
        for (variant, text) in variants {
            let path = temp.path().join("queries.jsonl");
            std::fs::write(&path, text)?;
            let output = Command::new(&kb_builder)
                .arg("eval")
                .arg("--content")
                .arg(&content)
                .arg("--queries")
                .arg(&path)
                .arg("--json")
                .output()?;
            anyhow::ensure!(
                output.status.success(),
                "eval of {name} failed: {}",
                String::from_utf8_lossy(&output.stderr)
            );
            let m: serde_json::Value = serde_json::from_slice(&output.stdout)?;
            let f = |key: &str| m[key].as_f64().unwrap_or(f64::NAN);
            rows.push(format!(
                "| {name} | {variant} | {} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} |",
                m["queries"],
                f("mrr_at_10"),
                f("recall_at_1"),
                f("recall_at_5"),
                f("recall_at_10"),
                f("ndcg_at_10"),
                f("zero_result_rate")
            ));
        }
    }
    println!(
        "| set | variant | queries | MRR@10 | recall@1 | recall@5 | recall@10 | nDCG@10 | zero results |"
    );
    println!("|---|---|---|---|---|---|---|---|---|");
    for row in rows {
        println!("{row}");
    }
    Ok(())
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
