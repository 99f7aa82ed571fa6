//! Fuzz targets of the engine (see the `fuzzing` crate): what the browser downloads and what visitors
//! type.
//!
//! - Entry bytes, mutated, half the time with their checksum made right again so the reader gets past it
//!   → [`crate::lazy::Entry::read`] and a search over them answer or fail, never panic, and no single
//!   allocation grows past [`LARGEST_ALLOCATION`] whatever a length field claims.
//! - A chunk or body file, mutated → the search fails cleanly (the layout's CRC-32 of each chunk) or
//!   answers.
//! - Any query text, from `fuzz/seeds/queries` and mutations of it, or any Unicode string up to 2,000
//!   characters → search, cards, snippets and the article view, never a panic.
//!
//! The knowledge base is built here from a few articles in both languages, cut into chunks
//! (`set_all_in_entry_below(0)`), so the lazy path is the one fuzzed.

use std::sync::{Arc, OnceLock};

use futures_executor::block_on;
use proptest::prelude::*;

use crate::lazy::Entry;
use crate::{Article, Indexer, KnowledgeBase, Lang, SearchRequest, Split};

/// The most one allocation may ask for while a case runs: far more than this knowledge base needs, far
/// less than a length field of 2³² would make a reader reserve.
const LARGEST_ALLOCATION: usize = 64 << 20;

fn article(lang: Lang, id: &str, title: &str, question: &str, body: &str) -> Article {
    Article {
        id: id.into(),
        lang,
        title: title.into(),
        category: "help".into(),
        tags: vec!["đổi trả".into()],
        questions: vec![question.into()],
        summary: body.chars().take(60).collect(),
        team: None,
        url: format!("/{lang}/help/{id}/"),
        body_html: format!("<p>{body}</p>"),
        body_text: body.into(),
    }
}

/// The knowledge base every case starts from, cut into chunks.
fn split() -> &'static Split {
    static SPLIT: OnceLock<Split> = OnceLock::new();
    SPLIT.get_or_init(|| {
        let mut indexer = Indexer::new().expect("an indexer");
        indexer.set_all_in_entry_below(0);
        let articles = [
            (
                Lang::Vi,
                "doi-tra",
                "Chính sách đổi trả",
                "ko dc doi hang thi sao",
                "Bạn được đổi trả trong 30 ngày, phí 15.000đ.",
            ),
            (
                Lang::Vi,
                "giao-hang",
                "Phí giao hàng bao nhiêu?",
                "ship mat bao lau",
                "Giao hàng nội thành 1–2 ngày | Ngoại thành 3 ngày.",
            ),
            (
                Lang::Vi,
                "bao-hanh",
                "Bảo hành máy giặt",
                "bảo hành bao lâu",
                "Máy giặt được bảo hành 24 tháng tại nhà.",
            ),
            (
                Lang::En,
                "returns",
                "What is the return policy?",
                "can I send it back",
                "Return items within 30 days; the fee is $2.",
            ),
            (
                Lang::En,
                "shipping",
                "How long does shipping take?",
                "where is my parcel",
                "Orders ship in 1-2 days. Tracking comes by e-mail.",
            ),
        ];
        for (lang, id, title, question, body) in articles {
            indexer.add(&article(lang, id, title, question, body)).expect("an article");
        }
        indexer.finish().expect("a split")
    })
}

/// Searches `kb` for `query` in every way the widget does; errors are fine, panics are not.
fn exercise(kb: &KnowledgeBase, query: &str) {
    for lang in [Some(Lang::Vi), Some(Lang::En), None] {
        for typing in [false, true] {
            let request = SearchRequest::new(query).lang(lang).typing(typing);
            if let Ok(results) = block_on(kb.search_cards(&request)) {
                let _ = block_on(kb.snippets(&request, &results.hits));
                if let Some(hit) = results.hits.first() {
                    let _ = block_on(kb.article(hit.lang, &hit.id));
                }
            }
            let _ = block_on(kb.search(&request));
        }
    }
}

/// `bytes` with the bundle's trailing CRC-32 made right, so the reader gets past it.
fn with_checksum(mut bytes: Vec<u8>) -> Vec<u8> {
    if bytes.len() >= 4 {
        let body = bytes.len() - 4;
        let checksum = crc32fast::hash(&bytes[..body]);
        bytes[body..].copy_from_slice(&checksum.to_le_bytes());
    }
    bytes
}

fn entries() -> Vec<Vec<u8>> {
    split().entries.iter().map(|(_, _, bytes)| bytes.clone()).collect()
}

proptest! {
    #![proptest_config(fuzzing::config())]

    #[test]
    fn any_entry_bytes_are_read_or_refused_without_panic_or_a_huge_allocation(
        bytes in fuzzing::mutated(entries()),
        fix_checksum in any::<bool>(),
    ) {
        let bytes = if fix_checksum { with_checksum(bytes) } else { bytes };
        let largest = fuzzing::largest_allocation(|| {
            if Entry::read(&bytes).is_ok() {
                let source = Arc::new(split().to_memory());
                let mut kb = KnowledgeBase::new(source, Vec::new());
                if kb.add_entry(&bytes).is_ok() {
                    exercise(&kb, "doi tra 30 ngay");
                }
            }
        });
        prop_assert!(largest <= LARGEST_ALLOCATION, "an allocation of {largest} bytes");
    }

    #[test]
    fn a_damaged_chunk_or_body_fails_the_search_cleanly(
        file in any::<proptest::sample::Index>(),
        bytes_seed in any::<proptest::sample::Index>(),
        mutated in fuzzing::mutated(vec![Vec::new()]),
        query in prop_oneof![Just("doi tra"), Just("shipping days"), Just("bảo hành máy giặt")],
    ) {
        let split = split();
        let (name, original) = &split.files[file.index(split.files.len())];
        // The original file with the mutation's bytes laid over it at a point.
        let mut damaged = original.clone();
        let at = bytes_seed.index(damaged.len().max(1));
        for (offset, byte) in mutated.iter().enumerate() {
            match damaged.get_mut(at + offset) {
                Some(slot) => *slot ^= byte | 1,
                None => damaged.push(*byte),
            }
        }
        let mut source = split.to_memory();
        source.insert(name, damaged);
        let entries = split.entries.iter().map(|(lang, name, _)| (*lang, name.clone())).collect();
        let kb = KnowledgeBase::new(Arc::new(source), entries);
        exercise(&kb, query);
    }

    #[test]
    fn any_query_text_searches_without_panic(
        query in prop_oneof![
            3 => fuzzing::mutated_text(fuzzing::seeds("queries")),
            1 => proptest::collection::vec(any::<char>(), 0..2_000).prop_map(String::from_iter),
        ]
    ) {
        let kb = KnowledgeBase::from_split(split()).expect("the sample opens");
        exercise(&kb, &query);
    }
}

#[test]
fn a_length_field_of_four_billion_reserves_nothing_like_it() {
    // A bundle header that claims 2³² - 1 files, with a right checksum.
    let mut bytes = split().entries[0].2[..8].to_vec();
    bytes.extend_from_slice(&u32::MAX.to_le_bytes());
    bytes.extend_from_slice(&[0; 4]);
    let bytes = with_checksum(bytes);
    let largest = fuzzing::largest_allocation(|| assert!(Entry::read(&bytes).is_err()));
    assert!(largest <= LARGEST_ALLOCATION, "{largest}");
}
