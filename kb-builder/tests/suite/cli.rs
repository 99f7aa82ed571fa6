//! End-to-end tests of the `kb-builder` binary over fixture content folders.

use crate::support::{copy_fixture, fixtures, kb_builder, read, stderr};
use std::path::{Path, PathBuf};
use std::process::Command;

#[test]
fn check_valid_content_passes_with_warnings() {
    let output = kb_builder(&fixtures(), &["check", "--content", "valid"]);
    assert!(output.status.success(), "{}", stderr(&output));
    insta::assert_snapshot!(stderr(&output));
}

#[test]
fn check_invalid_content_names_every_problem() {
    let output = kb_builder(&fixtures(), &["check", "--content", "invalid"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    insta::assert_snapshot!(stderr(&output));
}

#[test]
fn not_utf8_is_reported_at_its_position() {
    let temp = copy_fixture("valid");
    let content = temp.path().join("valid");
    std::fs::write(content.join("en/returns/latin1.md"), b"---\ntitle: Caf\xe9\n---\nBody\n").unwrap();
    let output = kb_builder(temp.path(), &["check", "--content", "valid"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(
        stderr(&output)
            .contains("valid/en/returns/latin1.md:2:11: error[not-utf8]: the file is not valid UTF-8"),
        "{}",
        stderr(&output)
    );
}

#[test]
fn build_writes_entries_manifest_and_help_center() {
    let temp = tempfile::tempdir().unwrap();
    let out = temp.path().join("dist");
    let output = kb_builder(&fixtures(), &["build", "--content", "valid", "--out", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));

    let manifest: serde_json::Value = serde_json::from_str(&read(&out.join("kb/manifest.json"))).unwrap();
    assert_eq!(manifest["format_version"], kb_core::bundle::FORMAT_VERSION);
    assert_eq!(manifest["articles"], 4, "the draft is left out");
    assert_eq!(manifest["languages"], serde_json::json!({"vi": 2, "en": 2}));
    for lang in ["vi", "en"] {
        let file = manifest["entries"][lang]["file"].as_str().unwrap();
        let bytes = std::fs::read(out.join("kb").join(file)).unwrap();
        assert_eq!(manifest["entries"][lang]["bytes"], bytes.len());
        // Named after its language and its content.
        let hash = blake3::hash(&bytes).to_hex();
        assert_eq!(file, format!("{lang}-{}.entry", &hash[..16]));
    }

    for page in [
        "index.html",
        "404.html",
        "robots.txt",
        "sitemap.xml",
        "vi/index.html",
        "en/index.html",
        "vi/search/index.html",
        "vi/returns/index.html",
        "vi/returns/return-policy/index.html",
        "en/returns/return-policy/index.html",
        "en/shipping/shipping-fees/index.html",
    ] {
        assert!(out.join(page).is_file(), "{page} missing");
    }
    assert!(!out.join("en/shipping/express-draft").exists(), "drafts are not published");
    let css: Vec<_> =
        std::fs::read_dir(out.join("assets")).unwrap().map(|e| e.unwrap().file_name()).collect();
    assert_eq!(css.len(), 1);
    assert!(css[0].to_str().unwrap().starts_with("help.") && css[0].to_str().unwrap().ends_with(".css"));

    let article = read(&out.join("vi/returns/return-policy/index.html"));
    for hostile in ["<script>alert", "javascript:", "onclick"] {
        assert!(!article.contains(hostile), "raw HTML was not sanitized: {hostile}");
    }
    insta::assert_snapshot!(
        "vi_return_policy_page",
        article.replace(css[0].to_str().unwrap(), "help.HASH.css")
    );

    let sitemap = read(&out.join("sitemap.xml"));
    assert!(sitemap.contains("<loc>https://help.fixture.test/vi/returns/return-policy/</loc>"));
    assert!(sitemap.contains(r#"hreflang="en" href="https://help.fixture.test/en/returns/return-policy/""#));
    assert!(read(&out.join("robots.txt")).contains("Sitemap: https://help.fixture.test/sitemap.xml"));
}

#[test]
fn search_into_a_closed_pipe_ends_quietly() {
    let temp = tempfile::tempdir().unwrap();
    let out = temp.path().join("dist");
    let out = out.to_str().unwrap();
    assert!(
        kb_builder(&fixtures(), &["build", "--quiet", "--content", "valid", "--out", out]).status.success()
    );
    // Like `kb-builder search … | head -0`: the reader has gone before the first line is written.
    let (reader, writer) = std::io::pipe().unwrap();
    drop(reader);
    let output = Command::new(env!("CARGO_BIN_EXE_kb-builder"))
        .args(["search", "--index", out, "--lang", "vi", "chinh sach doi tra"])
        .current_dir(fixtures())
        .stdout(writer)
        .output()
        .unwrap();
    assert!(output.status.success(), "{:?}: {}", output.status, stderr(&output));
    assert_eq!(stderr(&output), "");
}

#[test]
fn built_index_answers_unaccented_vietnamese_and_english() {
    let temp = tempfile::tempdir().unwrap();
    let out = temp.path().join("dist");
    let out = out.to_str().unwrap();
    assert!(kb_builder(&fixtures(), &["build", "--content", "valid", "--out", out]).status.success());

    let search = |query: &str, lang: &str| -> serde_json::Value {
        let output = kb_builder(&fixtures(), &["search", "--index", out, "--lang", lang, "--json", query]);
        assert!(output.status.success(), "{query}: {}", stderr(&output));
        serde_json::from_slice(&output.stdout).unwrap()
    };
    let hits = search("chinh sach doi tra", "vi");
    assert_eq!(hits[0]["id"], "return-policy");
    assert_eq!(hits[0]["url"], "/vi/returns/return-policy/");
    let hits = search("how much does delivery shipping cost", "en");
    assert_eq!(hits[0]["id"], "shipping-fees");
    assert_eq!(hits[0]["lang"], "en");
    // Query syntax characters are just characters.
    let hits = search("\"return\" policy? -tags: (AND", "en");
    assert_eq!(hits[0]["id"], "return-policy");
}

#[test]
fn failed_build_leaves_previous_output_untouched() {
    let temp = copy_fixture("valid");
    let out = temp.path().join("dist");
    let out_arg = out.to_str().unwrap();
    assert!(kb_builder(temp.path(), &["build", "--content", "valid", "--out", out_arg]).status.success());
    let before = snapshot_dir(&out);

    // Break one article: the strict build must fail and publish nothing.
    std::fs::write(temp.path().join("valid/en/returns/return-policy.md"), "---\ntitle: [oops\n---\nx\n")
        .unwrap();
    let output = kb_builder(temp.path(), &["build", "--content", "valid", "--out", out_arg]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("valid/en/returns/return-policy.md:2:"), "{}", stderr(&output));
    assert!(stderr(&output).contains("left unchanged"), "{}", stderr(&output));
    assert_eq!(snapshot_dir(&out), before, "dist changed after a failed build");
    let leftovers: Vec<_> = std::fs::read_dir(temp.path())
        .unwrap()
        .map(|e| e.unwrap().file_name().to_string_lossy().into_owned())
        .filter(|n| n.starts_with('.'))
        .collect();
    assert!(leftovers.is_empty(), "staging folders left behind: {leftovers:?}");

    // --keep-going publishes the valid rest and drops the broken article.
    let output = kb_builder(temp.path(), &["build", "--content", "valid", "--out", out_arg, "--keep-going"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let manifest: serde_json::Value = serde_json::from_str(&read(&out.join("kb/manifest.json"))).unwrap();
    assert_eq!(manifest["articles"], 3);
    assert!(!out.join("en/returns/return-policy").exists());
}

/// Every file under `dir` with its contents.
fn snapshot_dir(dir: &Path) -> Vec<(PathBuf, Vec<u8>)> {
    let mut files: Vec<_> = walkdir::WalkDir::new(dir)
        .into_iter()
        .map(|e| e.unwrap())
        .filter(|e| e.file_type().is_file())
        .map(|e| (e.path().strip_prefix(dir).unwrap().to_path_buf(), std::fs::read(e.path()).unwrap()))
        .collect();
    files.sort();
    files
}

#[test]
fn import_writes_one_article_per_pair_and_eval_measures_it() {
    let temp = tempfile::tempdir().unwrap();
    let faqs = temp.path().join("faqs.jsonl");
    std::fs::write(
        &faqs,
        concat!(
            r#"{"id":"q1","question":"How do I reset my password?","answer":"Open Settings, then choose Reset password.","lang":"en"}"#, "\n",
            r#"{"id":"q2","question":"","answer":"Refunds reach your card within 7 days. Bank delays may apply.","lang":"en"}"#, "\n",
            r#"{"id":"v1","question":"Làm sao để đổi mật khẩu?","answer":"Vào Cài đặt rồi chọn Đổi mật khẩu.","lang":"vi"}"#, "\n",
        ),
    )
    .unwrap();
    let content = temp.path().join("kb");
    let output = kb_builder(temp.path(), &["import", "faqs.jsonl", "--out", "kb"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let q2 = read(&content.join("en/q2.md"));
    assert!(
        q2.starts_with("---\nid: \"q2\"\ntitle: \"Refunds reach your card within 7 days.\"\n---\n"),
        "{q2}"
    );
    assert!(content.join("vi/v1.md").is_file());

    let queries = temp.path().join("queries.jsonl");
    std::fs::write(
        &queries,
        concat!(
            r#"{"qid":"a","query":"forgot password","relevant_ids":["q1"],"lang":"en"}"#,
            "\n",
            // Not "refunds to my card": with two English articles, IDF cannot tell "my" (in q1's title)
            // from "refunds", and this test is about eval's arithmetic, not ranking on a toy corpus.
            r#"{"qid":"b","query":"card refunds","relevant_ids":["q2"],"lang":"en"}"#,
            "\n",
            r#"{"qid":"c","query":"doi mat khau","relevant_ids":["v1"],"lang":"vi"}"#,
            "\n",
            r#"{"qid":"d","query":"zzzz qqqq","relevant_ids":["q1"],"lang":"en"}"#,
            "\n",
        ),
    )
    .unwrap();
    let output =
        kb_builder(temp.path(), &["eval", "--content", "kb", "--queries", "queries.jsonl", "--json"]);
    assert!(output.status.success(), "{}", stderr(&output));
    let metrics: serde_json::Value = serde_json::from_slice(&output.stdout).unwrap();
    let keys: Vec<&str> = metrics.as_object().unwrap().keys().map(String::as_str).collect();
    assert_eq!(
        keys,
        [
            "confident_precision",
            "confident_rate",
            "confident_recall",
            "mrr_at_10",
            "ndcg_at_10",
            "queries",
            "recall_at_1",
            "recall_at_10",
            "recall_at_5",
            "zero_result_rate"
        ]
    );
    assert_eq!(metrics["queries"], 4);
    assert_eq!(metrics["mrr_at_10"], 0.75, "three found first, one nonsense query finds nothing");
    assert_eq!(metrics["zero_result_rate"], 0.25);
}

#[test]
fn import_rejects_bad_lines_and_writes_nothing() {
    let temp = tempfile::tempdir().unwrap();
    std::fs::write(
        temp.path().join("bad.jsonl"),
        "{\"id\":\"a\",\"answer\":\"x\",\"lang\":\"en\"}\n{not json\n",
    )
    .unwrap();
    let output = kb_builder(temp.path(), &["import", "bad.jsonl", "--out", "kb"]);
    assert_eq!(output.status.code(), Some(1));
    assert!(stderr(&output).contains("bad.jsonl:2:2: error[invalid-json]"), "{}", stderr(&output));
    assert!(!temp.path().join("kb").exists());
}

#[test]
fn usage_errors_exit_2() {
    let output = kb_builder(&fixtures(), &["build", "--no-such-flag"]);
    assert_eq!(output.status.code(), Some(2));
}

#[test]
fn search_reports_a_corrupt_entry_clearly() {
    let temp = tempfile::tempdir().unwrap();
    let entry = temp.path().join("en-x.entry");
    std::fs::write(&entry, b"<!doctype html><title>404</title>").unwrap();
    let output = kb_builder(temp.path(), &["search", "--index", "en-x.entry", "hello"]);
    assert_eq!(output.status.code(), Some(3));
    assert!(stderr(&output).contains("not an Answerdesk index bundle"), "{}", stderr(&output));
}

#[test]
fn a_rebuild_keeps_the_previous_index_files_for_one_build() {
    let temp = copy_fixture("valid");
    let content = temp.path().join("valid");
    let out = temp.path().join("dist");
    let build = || {
        let args = ["build", "--all-in-entry-below", "0", "--content", "valid", "--out", "dist"];
        let output = kb_builder(temp.path(), &args);
        assert!(output.status.success(), "{}", stderr(&output));
        let manifest: serde_json::Value = serde_json::from_str(&read(&out.join("kb/manifest.json"))).unwrap();
        manifest["entries"]["en"]["file"].as_str().unwrap().to_string()
    };
    let first = build();
    let first_files = read(&out.join("kb/files.txt"));
    let edited = content.join("en/returns/return-policy.md");
    let text = read(&edited);
    std::fs::write(&edited, text.replace("30 days", "45 days")).unwrap();
    let second = build();
    assert_ne!(first, second, "the English index changed");
    // A page that opened the first build's entry can still fetch everything it names.
    for name in first_files.lines() {
        assert!(out.join("kb").join(name).is_file(), "{name} was dropped by the next build");
    }
    std::fs::write(&edited, text.replace("30 days", "60 days")).unwrap();
    build();
    assert!(!out.join("kb").join(&first).exists(), "two builds later the first entry is gone");
}

/// Docs written for Docusaurus or MkDocs build as they are (issue 19): versioned copies of one file name,
/// folder pages, links without `.md`, MDX with imports and components, admonitions of both tools, their
/// front matter keys. No errors; the pages, the warnings and an MDX page's body are snapshots.
#[test]
fn a_docusaurus_style_folder_builds_without_errors() {
    let out = tempfile::tempdir().unwrap();
    let dist = out.path().join("dist");
    let output = kb_builder(
        &fixtures(),
        &["build", "--quiet", "--content", "docusaurus", "--out", dist.to_str().unwrap()],
    );
    assert!(output.status.success(), "{}", stderr(&output));
    let checked = kb_builder(&fixtures(), &["check", "--all-warnings", "--content", "docusaurus"]);
    assert!(!stderr(&checked).contains("error["), "{}", stderr(&checked));
    insta::assert_snapshot!("docusaurus_warnings", stderr(&checked));

    let mut pages: Vec<String> = walkdir::WalkDir::new(dist.join("en"))
        .into_iter()
        .filter_map(Result::ok)
        .filter(|e| e.file_name() == "index.html")
        .map(|e| e.path().strip_prefix(&dist).unwrap().display().to_string())
        .collect();
    pages.sort();
    insta::assert_snapshot!("docusaurus_pages", pages.join("\n"));

    let page = read(&dist.join("en/docs/account-setup/index.html"));
    let body =
        page.split("<div class=\"body\">").nth(1).and_then(|rest| rest.split("</div>").next()).unwrap();
    insta::assert_snapshot!("docusaurus_mdx_body", body.trim());
    // The guides' folder page lists its articles in their sidebar order.
    let category = read(&dist.join("en/docs/index.html"));
    let order: Vec<usize> = ["docs-intro/", "docs-guides/", "account-setup/"]
        .iter()
        .map(|url| category.find(url).unwrap_or_else(|| panic!("{url} missing")))
        .collect();
    assert!(order.windows(2).all(|w| w[0] < w[1]), "sidebar_position order: {order:?}");
    // Categories take their names and places from their folders' `_category_.json`.
    let home = read(&dist.join("en/index.html"));
    let (docs, older) = (home.find("Documentation").unwrap(), home.find("Version 1.0 (older)").unwrap());
    assert!(docs < older, "_category_.json positions");
    // Images and files are published under names made from their content, images with their size.
    let published: Vec<String> = std::fs::read_dir(dist.join("assets/files"))
        .unwrap()
        .map(|entry| entry.unwrap().file_name().to_string_lossy().into_owned())
        .collect();
    assert_eq!(published.len(), 2, "{published:?}");
    assert!(page.contains(r#"width="4" height="3" loading="lazy""#), "{page}");
}

/// An image that is not in the content folder is an error where it is named, and nothing is published.
#[test]
fn a_missing_image_is_reported_where_it_is_named() {
    missing_image_reported_at("## Tracking\n\n![label](img/label.png)", "16:1");
}

/// An image in the second paragraph of a MkDocs admonition (indented, so plain Markdown would read it as
/// code) is checked like any other: the file is missing, and the error stands where it is written.
#[test]
fn an_image_inside_an_admonition_is_checked_where_it_is_written() {
    missing_image_reported_at("## Tracking\n\n!!! note\n\n    First.\n\n    ![label](img/label.png)", "20:5");
}

/// Puts `tracking` in place of the Docusaurus fixture FAQ's `## Tracking` and expects `check` to fail on the
/// missing `img/label.png` at `line:column`.
fn missing_image_reported_at(tracking: &str, position: &str) {
    let temp = copy_fixture("docusaurus");
    let faq = temp.path().join("docusaurus/docs/faq.md");
    std::fs::write(&faq, read(&faq).replace("## Tracking", tracking)).unwrap();
    let output = kb_builder(temp.path(), &["check", "--content", "docusaurus"]);
    assert_eq!(output.status.code(), Some(1), "{}", stderr(&output));
    let expected = format!(
        "docusaurus/docs/faq.md:{position}: error[missing-asset]: `img/label.png` is not a file in the content folder"
    );
    assert!(stderr(&output).contains(&expected), "{}", stderr(&output));
}

/// An mdBook's `SUMMARY.md` is its table of contents, not an article, and its order places the chapters.
#[test]
fn an_mdbook_summary_orders_its_chapters_and_is_no_article() {
    let temp = tempfile::tempdir().unwrap();
    let book = temp.path().join("book");
    std::fs::create_dir_all(book.join("guide")).unwrap();
    std::fs::write(book.join("answerdesk.toml"), "languages = [\"en\"]\ndefault_lang = \"en\"\n").unwrap();
    std::fs::write(book.join("SUMMARY.md"), "# Summary\n\n- [Beta](guide/b.md)\n- [Alpha](guide/a.md)\n")
        .unwrap();
    std::fs::write(book.join("guide/a.md"), "# Alpha\n\nThe first letter.\n").unwrap();
    std::fs::write(book.join("guide/b.md"), "# Beta\n\nThe second letter.\n").unwrap();
    let out = temp.path().join("dist");
    let output =
        kb_builder(temp.path(), &["build", "--quiet", "--content", "book", "--out", out.to_str().unwrap()]);
    assert!(output.status.success(), "{}", stderr(&output));
    assert!(stderr(&output).contains("built 2 articles"), "{}", stderr(&output));
    let category = read(&out.join("en/guide/index.html"));
    assert!(category.find("Beta").unwrap() < category.find("Alpha").unwrap(), "SUMMARY.md order: {category}");
}
