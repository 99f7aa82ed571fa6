//! Native and wasm32 kb-core must rank identically (the "one analyzer" invariant). This builds the sample
//! knowledge base natively, cut into chunks even though it is small (so the lazy path is what is compared),
//! records what native search returns for a set of queries, and runs kb-core/tests/wasm_reader.rs in
//! wasm32 under Node against the same files (packed into one fixture) and expectations.

use std::path::Path;
use std::process::Command;

use anyhow::Context;

/// Queries typed as visitors type them: accented and not, both languages, mid-word, typos, odd punctuation.
const QUERIES: &[(&str, Option<&str>, bool)] = &[
    ("chinh sach doi tra", Some("vi"), false),
    ("chính sách đổi trả", Some("vi"), false),
    ("hoan tien bao lau", Some("vi"), false),
    ("kiểm tra đơn hàng", Some("vi"), false),
    ("phi van chuyen", Some("vi"), false),
    ("bảo hành", Some("vi"), false),
    ("thanh toan khi nhan hang", Some("vi"), false),
    ("quen mat kh", Some("vi"), true),
    ("What is the return policy?", Some("en"), false),
    ("how long do refunds take", Some("en"), false),
    ("track my order", Some("en"), false),
    ("cash on delivery", Some("en"), false),
    ("reset passw", Some("en"), true),
    ("warranty claim", None, false),
    ("\"cancel\" -order: (now)", None, false),
    ("giao hang", None, true),
    ("how long do refnuds take", Some("en"), false),
    ("warrenty clam", Some("en"), false),
];

pub fn run(root: &Path, kb_builder: &Path) -> anyhow::Result<()> {
    super::tools::ensure_node()?;
    super::tools::ensure_wasm_bindgen_cli()?;
    let fixture = root.join("target/wasm-parity");
    let dist = fixture.join("dist");
    crate::run(
        Command::new(kb_builder)
            .args(["build", "--quiet", "--all-in-entry-below", "0", "--content", "content", "--out"])
            .arg(&dist),
    )?;
    let bundle = fixture.join("kb.bundle");
    pack_folder(&dist.join("kb"), &bundle)?;

    let mut expected = Vec::new();
    for &(query, lang, typing) in QUERIES {
        let mut command = Command::new(kb_builder);
        command.args(["search", "--json", "--index"]).arg(&dist).arg(query);
        if let Some(lang) = lang {
            command.args(["--lang", lang]);
        }
        if typing {
            command.arg("--typing");
        }
        let output = command.output()?;
        let hits: serde_json::Value = serde_json::from_slice(&output.stdout).with_context(|| {
            format!("kb-builder search {query:?}: {}", String::from_utf8_lossy(&output.stderr))
        })?;
        anyhow::ensure!(
            hits.as_array().is_some_and(|h| !h.is_empty()),
            "no native hits for {query:?}: add content or fix the query"
        );
        expected.push(serde_json::json!({ "query": query, "lang": lang, "typing": typing, "hits": hits }));
    }
    let expected_path = fixture.join("expected.json");
    std::fs::write(&expected_path, serde_json::to_vec_pretty(&expected)?)?;

    crate::run(
        super::cargo()
            .args([
                "test",
                "--package",
                "kb-core",
                "--target",
                "wasm32-unknown-unknown",
                "--test",
                "wasm_reader",
            ])
            .env("ANSWERDESK_WASM_FIXTURE_BUNDLE", &bundle)
            .env("ANSWERDESK_WASM_FIXTURE_EXPECTED", &expected_path)
            .env("CARGO_TARGET_WASM32_UNKNOWN_UNKNOWN_RUNNER", "wasm-bindgen-test-runner"),
    )
}

/// Packs every file of the kb folder (manifest, entries, chunks, bodies) into one bundle container, which
/// the wasm test includes (it cannot read a folder).
fn pack_folder(kb: &Path, out: &Path) -> anyhow::Result<()> {
    let mut files = Vec::new();
    for entry in std::fs::read_dir(kb).with_context(|| format!("cannot list {}", kb.display()))? {
        let path = entry?.path();
        let name = path.file_name().unwrap_or_default().to_string_lossy().into_owned();
        files.push((name, std::fs::read(&path)?));
    }
    files.sort();
    let parts: Vec<kb_core::bundle::BundleFile<'_>> =
        files.iter().map(|(name, bytes)| kb_core::bundle::BundleFile { name, bytes }).collect();
    Ok(std::fs::write(out, kb_core::bundle::write(&parts))?)
}
