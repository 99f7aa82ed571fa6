//! The "one analyzer" invariant, checked in a real wasm32 runtime: an index written natively by kb-builder
//! (cut into chunks) is opened by kb-core compiled to wasm32 (run under Node by wasm-bindgen-test-runner),
//! fetching its pieces on demand, and must rank every sample query exactly as native kb-core did.
//!
//! `cargo xtask test` builds the index (its `kb/` folder packed into one fixture file) and the expected
//! rankings, then runs this with `ANSWERDESK_WASM_FIXTURE_BUNDLE` and `ANSWERDESK_WASM_FIXTURE_EXPECTED`
//! pointing at them.
#![cfg(target_arch = "wasm32")]
#![allow(clippy::unwrap_used)]

use std::sync::Arc;

use kb_core::lazy::MemorySource;
use kb_core::{KnowledgeBase, Lang, SearchRequest};
use wasm_bindgen_test::wasm_bindgen_test;

const BUNDLE: &[u8] = include_bytes!(env!("ANSWERDESK_WASM_FIXTURE_BUNDLE"));
const EXPECTED: &str = include_str!(env!("ANSWERDESK_WASM_FIXTURE_EXPECTED"));

/// The kb folder as kb-builder wrote it, served from memory.
fn knowledge_base() -> KnowledgeBase {
    let mut source = MemorySource::default();
    for file in kb_core::bundle::read(BUNDLE).unwrap() {
        source.insert(file.name, file.bytes.to_vec());
    }
    let manifest: serde_json::Value = serde_json::from_slice(source.get("manifest.json").unwrap()).unwrap();
    let entries = manifest["entries"]
        .as_object()
        .unwrap()
        .iter()
        .map(|(lang, entry)| (lang.parse().unwrap(), entry["file"].as_str().unwrap().to_string()))
        .collect();
    KnowledgeBase::new(Arc::new(source), entries)
}

#[wasm_bindgen_test]
async fn wasm_ranks_every_sample_query_like_native() {
    let kb = knowledge_base();
    let expected: Vec<serde_json::Value> = serde_json::from_str(EXPECTED).unwrap();
    assert!(expected.len() >= 10, "too few sample queries");
    for case in expected {
        let text = case["query"].as_str().unwrap();
        let lang = case["lang"].as_str().map(|l| l.parse::<Lang>().unwrap());
        let typing = case["typing"].as_bool().unwrap();
        let hits = kb.search(&SearchRequest::new(text).lang(lang).typing(typing)).await.unwrap().hits;
        let native = case["hits"].as_array().unwrap();
        let got: Vec<(&str, Lang)> = hits.iter().map(|h| (h.id.as_str(), h.lang)).collect();
        let want: Vec<(&str, Lang)> = native
            .iter()
            .map(|h| (h["id"].as_str().unwrap(), h["lang"].as_str().unwrap().parse().unwrap()))
            .collect();
        assert_eq!(got, want, "ranking differs for {text:?}");
        for (hit, native) in hits.iter().zip(native) {
            // BM25 takes a logarithm: native calls the platform's libm, wasm32 Rust's own, which may differ
            // in the last bit. Rankings must be equal; scores equal to within float rounding.
            let score = native["score"].as_f64().unwrap();
            let relative = (f64::from(hit.score) - score).abs() / score.abs().max(1e-6);
            assert!(
                relative < 1e-5,
                "score differs for {text:?} / {}: wasm {} native {score}",
                hit.id,
                hit.score
            );
            assert_eq!(hit.snippet.text, native["snippet"]["text"].as_str().unwrap());
        }
    }
    assert!(kb.fetched().requests > 0, "the index was searched through its chunks");
}
