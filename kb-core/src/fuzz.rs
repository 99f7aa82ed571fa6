//! Fuzz targets of the engine (see the `fuzzing` crate): what the browser downloads and what visitors
//! type.
//!
//! - Entry bytes, mutated, with their checksum made right again so the reader gets past it →
//!   [`crate::lazy::Entry::read`] reads or refuses them, never panics, and no single allocation grows past
//!   [`LARGEST_ALLOCATION`] whatever a length field claims.
//! - Entry bytes, mutated, checksum as it is → refused before tantivy opens anything (tantivy's readers
//!   assume well-formed files: the fuzzer found one that panics on a damaged term dictionary).
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

/// The sample, opened once for every query case.
fn sample() -> &'static KnowledgeBase {
    static KB: OnceLock<KnowledgeBase> = OnceLock::new();
    KB.get_or_init(|| KnowledgeBase::from_split(split()).expect("the sample opens"))
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
    fn any_entry_bytes_with_a_right_checksum_are_read_or_refused_without_panic_or_a_huge_allocation(
        bytes in fuzzing::mutated(entries()),
    ) {
        // Past the checksum, so the bundle, layout and piece checks see the damage. Bytes that pass
        // them are trusted to be kb-builder's own: tantivy's readers assume well-formed files (see
        // `a_damaged_entry_never_reaches_tantivy`).
        let bytes = with_checksum(bytes);
        let largest = fuzzing::largest_allocation(|| {
            let _ = Entry::read(&bytes);
        });
        prop_assert!(largest <= LARGEST_ALLOCATION, "an allocation of {largest} bytes");
    }

    #[test]
    fn any_damaged_entry_is_refused_before_the_index_opens(bytes in fuzzing::mutated(entries())) {
        let source = Arc::new(split().to_memory());
        let mut kb = KnowledgeBase::new(source, Vec::new());
        let unchanged = split().entries.iter().any(|(_, _, entry)| *entry == bytes);
        let opened = kb.add_entry(&bytes);
        prop_assert!(unchanged || opened.is_err(), "a damaged entry opened");
        if opened.is_ok() {
            exercise(&kb, "doi tra 30 ngay");
        }
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
        exercise(sample(), &query);
    }
}

/// Found by the fuzzer (`cargo xtask fuzz`, December 2026): an entry whose term-dictionary piece was
/// damaged and whose checksum was then made right opened, and tantivy's SSTable index panicked reading
/// it (`mid > len` in ownedbytes). Only kb-builder writes entries, so the checksum is the guard: a
/// damage in transit or on disk must be refused before tantivy reads anything.
#[test]
fn a_damaged_entry_never_reaches_tantivy() {
    let (_, _, entry) = &split().entries[0];
    for at in [16, entry.len() / 3, entry.len() / 2, entry.len() - 5] {
        let mut damaged = entry.clone();
        damaged[at] ^= 0x55;
        let mut kb = KnowledgeBase::new(Arc::new(split().to_memory()), Vec::new());
        assert!(kb.add_entry(&damaged).is_err(), "a damage at byte {at} went unnoticed");
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
