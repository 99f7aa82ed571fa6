//! The sample help center in `content/` is what the demo and the widget tests run on: it must build
//! without a single warning, be complete in both languages, and answer the questions it was written for.
#![allow(clippy::unwrap_used)] // Tests fail loudly on purpose.

use std::collections::BTreeSet;
use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn repo() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).parent().unwrap().to_path_buf()
}

fn kb_builder(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_kb-builder")).args(args).current_dir(repo()).output().unwrap()
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
    let temp = tempfile::tempdir().unwrap();
    let dist = temp.path().join("dist");
    let dist = dist.to_str().unwrap();
    let output = kb_builder(&["build", "--quiet", "--content", "content", "--out", dist]);
    assert!(output.status.success(), "{}", String::from_utf8_lossy(&output.stderr));

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
