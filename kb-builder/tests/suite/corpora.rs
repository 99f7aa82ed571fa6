//! Real third-party Markdown (../shared/corpora): odd front matter, template leftovers, HTML, long pages.
//! Building must never crash: what cannot be accepted becomes a diagnostic, the rest is built.

use std::path::{Path, PathBuf};
use std::process::Command;

fn corpus(name: &str) -> PathBuf {
    let path = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../shared/corpora").join(name);
    assert!(path.is_dir(), "{} is missing: clone the project with ../shared beside it", path.display());
    path
}

fn build_corpus(name: &str, min_articles: u64) {
    let out = tempfile::tempdir().unwrap();
    let dist = out.path().join("dist");
    let output = Command::new(env!("CARGO_BIN_EXE_kb-builder"))
        .args(["build", "--keep-going", "--quiet", "--content"])
        .arg(corpus(name))
        .arg("--out")
        .arg(&dist)
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert!(output.status.success(), "{name}: exit {:?}\n{stderr}", output.status.code());
    assert!(!stderr.contains("panicked"), "{name} panicked:\n{stderr}");

    let manifest: serde_json::Value =
        serde_json::from_slice(&std::fs::read(dist.join("kb/manifest.json")).unwrap()).unwrap();
    let articles = manifest["articles"].as_u64().unwrap();
    assert!(articles >= min_articles, "{name}: only {articles} articles built");

    // Every file is accounted for: built, or rejected with an error naming it.
    let root = corpus(name);
    let files = walkdir::WalkDir::new(&root)
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.path().extension().is_some_and(|x| x == "md"))
        .filter(|e| {
            let relative = e.path().strip_prefix(&root).unwrap();
            !relative.components().any(|c| c.as_os_str().to_string_lossy().starts_with(['_', '.']))
        })
        .count() as u64;
    let rejected_files = stderr
        .lines()
        .filter(|l| l.contains(": error["))
        .filter_map(|l| l.split(':').next())
        .collect::<std::collections::BTreeSet<_>>()
        .len() as u64;
    assert_eq!(articles + rejected_files, files, "{name}: files neither built nor reported\n{stderr}");
}

#[test]
fn sendgrid_help_center_builds() {
    build_corpus("sendgrid-docs", 470);
}

#[test]
fn powershell_reference_builds() {
    build_corpus("powershell-docs", 2_700);
}

#[test]
fn azure_powershell_reference_builds() {
    build_corpus("azure-powershell-16.2", 8_000);
}
