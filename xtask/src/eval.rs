//! `cargo xtask eval`: imports every FAQ set in ../shared/eval and measures kb-core's search on its queries
//! through `kb-builder eval` (the same code path the widget runs).

use std::path::Path;
use std::process::Command;

use anyhow::Context;

/// Runs every set and prints one table.
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

    println!("| set | queries | MRR@10 | recall@1 | recall@5 | recall@10 | nDCG@10 | zero results |");
    println!("|---|---|---|---|---|---|---|---|");
    for name in names {
        let temp = tempfile::tempdir()?;
        let content = temp.path().join("content");
        let set = sets.join(&name);
        crate::run(
            Command::new(&kb_builder).arg("import").arg(set.join("faqs.jsonl")).arg("--out").arg(&content),
        )?;
        let output = Command::new(&kb_builder)
            .arg("eval")
            .arg("--content")
            .arg(&content)
            .arg("--queries")
            .arg(set.join("queries.jsonl"))
            .arg("--json")
            .output()?;
        anyhow::ensure!(
            output.status.success(),
            "eval of {name} failed: {}",
            String::from_utf8_lossy(&output.stderr)
        );
        let m: serde_json::Value = serde_json::from_slice(&output.stdout)?;
        let f = |key: &str| m[key].as_f64().unwrap_or(f64::NAN);
        println!(
            "| {name} | {} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} | {:.3} |",
            m["queries"],
            f("mrr_at_10"),
            f("recall_at_1"),
            f("recall_at_5"),
            f("recall_at_10"),
            f("ndcg_at_10"),
            f("zero_result_rate")
        );
    }
    Ok(())
}
