//! Fuzz target: an article file's bytes (front matter and Markdown, seeded from `fuzz/seeds/articles`)
//! → parsed and rendered like `kb-builder build` does, never a panic, and HTML that can run no script
//! (checked by parsing it as a browser would: `fuzzing::script_capable`).

use std::collections::HashMap;
use std::path::Path;

use proptest::prelude::*;

use super::{Targets, parse_bytes, render};
use crate::config::SiteConfig;

/// Parses and renders one file's bytes as the build does; the HTML of its body, if it is an article.
fn build(bytes: Vec<u8>) -> Option<String> {
    let config = SiteConfig::default();
    let root = Path::new("content");
    // Every other case is an .mdx file, so the MDX stripping is fuzzed too (admonitions always are).
    let name = if bytes.len().is_multiple_of(2) { "vi/returns/fuzzed.md" } else { "vi/returns/fuzzed.mdx" };
    let (parsed, _diagnostics) = parse_bytes(root, &root.join(name), bytes, &config);
    let (article, _) = render(
        parsed?,
        &config,
        &Targets {
            urls: HashMap::new(),
            files: Default::default(),
            assets: Default::default(),
            base_path: String::new(),
        },
    );
    // The summary and title go into pages as text (escaped by the templates); the body as HTML.
    Some(article.body_html)
}

proptest! {
    #![proptest_config(fuzzing::config())]

    #[test]
    fn any_article_builds_without_panic_into_html_that_runs_no_script(
        bytes in prop_oneof![
            // Mostly valid UTF-8, so cases get past the encoding check; now and then raw bytes.
            3 => fuzzing::mutated_text(fuzzing::seeds("articles")).prop_map(String::into_bytes),
            1 => fuzzing::mutated(fuzzing::seeds("articles")),
        ]
    ) {
        if let Some(html) = build(bytes) {
            let found = fuzzing::script_capable(&html);
            prop_assert!(found.is_none(), "{:?} in {html}", found);
        }
    }
}

#[test]
fn every_seed_is_an_article_and_its_html_is_clean() {
    for seed in fuzzing::seeds("articles") {
        let text = String::from_utf8_lossy(&seed).into_owned();
        let html = build(seed).unwrap_or_else(|| panic!("a seed does not build:\n{text}"));
        assert_eq!(fuzzing::script_capable(&html), None, "{html}");
    }
}

/// Most mutations must reach the renderer: a fuzzer whose cases die in the front matter fuzzes only the
/// front matter.
#[test]
fn most_mutated_articles_reach_the_renderer() {
    use proptest::strategy::ValueTree;
    let mut runner = proptest::test_runner::TestRunner::deterministic();
    let strategy = fuzzing::mutated_text(fuzzing::seeds("articles"));
    let built = (0..400)
        .filter(|_| build(strategy.new_tree(&mut runner).expect("a case").current().into_bytes()).is_some())
        .count();
    assert!(built >= 200, "only {built} of 400 mutated articles got past parsing");
}
