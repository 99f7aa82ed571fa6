//! Turning what a visitor typed into a query plan ([`Node`]). There is no query syntax: quotes, `?`, `-` and
//! `:` are ordinary characters, so no input can be a syntax error.
//!
//! Every clause is a BM25 match, and the clauses add up:
//! - each word (folded; stemmed in English), in every zone, the best zone counting most ([`zone_boost`]);
//! - in Vietnamese, the word as written with its marks, a bonus so exact accents rank above folded ones, and
//!   each pair of neighbouring syllables, so "hoàn tiền" counts as a unit; function words on their own are
//!   not searched (see [`crate::analysis::is_vietnamese_stopword`]), their pairs are;
//! - in English, each pair of neighbouring words as a phrase with a little slop (proximity);
//! - synonyms of a word or phrase of the query (`_synonyms.yml`), below the words themselves;
//! - near spellings of a word the index does not know (a typo), scored like the word they stand for but
//!   below an exact match; they share its first letter ([`near_range`]); in Vietnamese, also the syllable
//!   pairs a near spelling makes with the word's neighbours where the index knows them, and a three-letter
//!   syllable gets near spellings only through such a pair ([`near_distance`]);
//! - while typing, the last word as a prefix: the first [`PREFIX_TERMS`] words of each zone's dictionary
//!   that start with it (in dictionary order), scored a flat amount. The bound keeps a one-letter prefix
//!   from costing the postings of thousands of words, in the browser as natively.

use tantivy::Term;
use tantivy::schema::Field;

use crate::Lang;
use crate::analysis::{self, AnalyzedTerm, TermKind};
use crate::plan::Node;
use crate::schema::{KbSchema, Zone};
use crate::synonyms::SynonymTable;

/// How much a match in each zone counts, relative to the body.
fn zone_boost(zone: Zone) -> f32 {
    match zone {
        Zone::Title => 3.0,
        Zone::Questions => 2.5,
        Zone::Tags => 2.0,
        Zone::Summary => 1.5,
        Zone::Body => 1.0,
    }
}

/// A term matching in several zones scores as its best zone plus this share of the others.
const TIE_BREAKER: f32 = 0.2;
/// The word as written with its marks, on top of its folded form: enough to order dương / đường, not
/// enough to outweigh a second matching word.
const ACCENT_BOOST: f32 = 0.3;
/// A pair of neighbouring Vietnamese syllables ("đơn hàng").
const PAIR_BOOST: f32 = 1.0;
/// A product code or number typed whole and found whole, on top of its parts.
const CODE_BOOST: f32 = 1.0;
/// Two neighbouring English words found close together.
const PHRASE_BOOST: f32 = 0.25;
/// Words between two English query words that may still count as close.
const PHRASE_SLOP: u32 = 1;
/// A synonym of what was typed.
const SYNONYM_BOOST: f32 = 0.6;
/// A near spelling of an unknown word (a typo), relative to the word itself, by edit distance. A typo is
/// often the query's most telling word ("exress delivery fee"): at 0.5 for one edit, the words typed right
/// outranked it. 0.8 / 0.5 measured best of three settings on the eval sets' typo variants (0.5 / 0.3 and
/// 0.9 / 0.7 both lower).
const FUZZY_BOOST: [f32; 3] = [1.0, 0.8, 0.5];
/// At most this many index words stand in for one unknown word (the most frequent ones).
const FUZZY_EXPANSIONS: usize = 8;
/// A prefix match (the word being typed) scores a flat amount, below a full-word match.
const PREFIX_BOOST: f32 = 0.5;
/// At most this many words of a zone stand in for the word being typed.
pub(crate) const PREFIX_TERMS: usize = 50;

/// How many edits a word the index does not know may be away from a word it does: none below 4
/// characters (too many short words are one edit apart), 1 from 4, 2 from 8.
pub(crate) fn typo_distance(term: &str) -> u8 {
    match term.chars().count() {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// The dictionary keys a near spelling of `term` is looked for in: those sharing its first letter, as
/// Lucene's fuzzy query does with a prefix length of 1. Typos rarely hit the first letter, and this keeps
/// the search to that letter's dictionary blocks instead of the whole dictionary (in the browser, every
/// block is a fetch).
pub(crate) fn near_range(term: &str) -> Option<(Vec<u8>, Vec<u8>)> {
    let first = term.chars().next()?;
    let mut low = [0u8; 4];
    let low = first.encode_utf8(&mut low).as_bytes().to_vec();
    // The next key after every key starting with `first` (a byte bound; it need not be UTF-8).
    let mut high = low.clone();
    *high.last_mut()? += 1;
    Some((low, high))
}

/// What the query builder needs to know about the index's words.
pub(crate) trait Lexicon {
    /// In how many articles of `lang` some zone has `term`.
    fn doc_freq(&self, lang: Lang, term: &str) -> u64;
    /// Words of `lang` in the index within `distance` edits of `term`, most frequent first, at most `limit`.
    fn near(&self, lang: Lang, term: &str, distance: u8, limit: usize) -> Vec<String>;
    /// The first `limit` words of `field`'s dictionary (in its order) that start with `prefix`.
    fn prefixed(&self, field: Field, prefix: &str, limit: usize) -> Vec<String>;
}

/// The words of a query that carry its meaning, for judging how well a hit answers it.
pub(crate) fn content_words(lang: Lang, text: &str) -> Vec<String> {
    let tokens = analysis::tokens(lang, text);
    let mut words: Vec<String> =
        searchable_words(lang, &tokens).into_iter().map(|t| t.text.clone()).collect();
    words.sort();
    words.dedup();
    words
}

/// The [`TermKind::Word`] terms searched on their own: all but Vietnamese function words, unless the
/// query has nothing else.
fn searchable_words(lang: Lang, tokens: &[AnalyzedTerm]) -> Vec<&AnalyzedTerm> {
    let words = tokens.iter().filter(|t| t.kind == TermKind::Word);
    if lang != Lang::Vi {
        return words.collect();
    }
    let accented = |word: &AnalyzedTerm| {
        tokens
            .iter()
            .find(|t| t.kind == TermKind::Accented && t.position == word.position)
            .map(|t| t.text.as_str())
    };
    let content: Vec<&AnalyzedTerm> =
        words.clone().filter(|w| !analysis::is_vietnamese_stopword(&w.text, accented(w))).collect();
    if content.is_empty() { words.collect() } else { content }
}

/// The word being typed among `tokens` of `text` (the last one, unless a space or punctuation ended it),
/// which matches as a prefix.
fn prefix_token<'t>(tokens: &'t [AnalyzedTerm], text: &str, typing: bool) -> Option<&'t AnalyzedTerm> {
    if !typing || text.chars().last().is_none_or(|c| !c.is_alphanumeric()) {
        return None;
    }
    tokens.iter().rev().find(|t| t.kind == TermKind::Word)
}

/// The word being typed, as [`build`] matches it as a prefix.
pub(crate) fn typed_prefix(lang: Lang, text: &str) -> Option<String> {
    prefix_token(&analysis::tokens(lang, text), text, true).map(|t| t.text.clone())
}

/// The first key after every word that starts with `prefix`. Bounding a prefix's dictionary read by it
/// keeps the read to the blocks its words can be in, and at most the next (tantivy reads up to the block
/// holding the bound), where a bare limit of 50 words read several more in a long dictionary.
pub(crate) fn prefix_end(prefix: &str) -> Vec<u8> {
    let mut end = prefix.as_bytes().to_vec();
    // UTF-8 never holds 0xFF, so the last byte can always go up by one.
    if let Some(last) = end.last_mut() {
        *last += 1;
    }
    end
}

/// How many edits from an unknown `word` its near spellings may be: [`typo_distance`], and one for a
/// Vietnamese syllable of three letters ("hàg"), whose near spellings count only where they make a pair
/// the index knows with a neighbour ("trả hàng"): most syllables are short, and a short one alone is one
/// edit from too many others.
fn near_distance(lang: Lang, word: &str) -> u8 {
    match typo_distance(word) {
        0 if lang == Lang::Vi && word.chars().count() == 3 => 1,
        distance => distance,
    }
}

/// Whether `word` gets near spellings: long enough for a typo, not the word being typed, and in no zone.
fn wants_near(lang: Lang, word: &AnalyzedTerm, prefix: Option<&AnalyzedTerm>, lexicon: &dyn Lexicon) -> bool {
    let is_prefix = prefix.is_some_and(|p| p.position == word.position);
    near_distance(lang, &word.text) > 0 && !is_prefix && lexicon.doc_freq(lang, &word.text) == 0
}

/// The near spellings of an unknown `word`, each scored like the word below an exact match, and in
/// Vietnamese the syllable pairs they make with the word's neighbours where the index knows them: "bao
/// hanhh" is "bảo hành" mistyped, and the pair says so where "hành" alone is one of many.
fn near_spellings(
    schema: &KbSchema,
    lang: Lang,
    word: &AnalyzedTerm,
    tokens: &[AnalyzedTerm],
    lexicon: &dyn Lexicon,
) -> (Vec<Node>, Vec<Node>) {
    let distance = near_distance(lang, &word.text);
    let boost = FUZZY_BOOST[usize::from(distance)];
    let neighbour = |position: Option<usize>| {
        let position = position?;
        tokens.iter().find(|t| t.kind == TermKind::Word && t.position == position).map(|t| t.text.as_str())
    };
    let (left, right) = (neighbour(word.position.checked_sub(1)), neighbour(Some(word.position + 1)));
    let (mut alternatives, mut pairs) = (Vec::new(), Vec::new());
    for near in lexicon.near(lang, &word.text, distance, FUZZY_EXPANSIONS) {
        let made: Vec<String> = if lang == Lang::Vi {
            let candidates = [left.map(|l| format!("{l} {near}")), right.map(|r| format!("{near} {r}"))];
            candidates.into_iter().flatten().filter(|pair| lexicon.doc_freq(lang, pair) > 0).collect()
        } else {
            Vec::new()
        };
        if typo_distance(&word.text) == 0 && made.is_empty() {
            continue;
        }
        alternatives.push(zones(schema, lang, boost, |field, b| term(field, &near, b)));
        pairs
            .extend(made.iter().map(|pair| zones(schema, lang, PAIR_BOOST * boost, |f, b| term(f, pair, b))));
    }
    (alternatives, pairs)
}

/// The words of `text` that [`build`] will look up near spellings of, each with how many edits away.
pub(crate) fn unknown_words(
    lang: Lang,
    text: &str,
    typing: bool,
    lexicon: &dyn Lexicon,
) -> Vec<(String, u8)> {
    let tokens = analysis::tokens(lang, text);
    let prefix = prefix_token(&tokens, text, typing);
    let mut words: Vec<(String, u8)> = searchable_words(lang, &tokens)
        .into_iter()
        .filter(|word| wants_near(lang, word, prefix, lexicon))
        .map(|word| (word.text.clone(), near_distance(lang, &word.text)))
        .collect();
    words.sort();
    words.dedup();
    words
}

/// Builds the plan for `text` over the fields of `lang`, with that language's `synonyms`.
/// `None` when the text has no searchable word.
///
/// `typing`: the visitor is still typing, so the last word also matches as a prefix ("ref" → refund).
pub(crate) fn build(
    schema: &KbSchema,
    lang: Lang,
    text: &str,
    typing: bool,
    lexicon: &dyn Lexicon,
    synonyms: &SynonymTable,
) -> Option<Node> {
    let mut clauses: Vec<Node> = Vec::new();
    let tokens = analysis::tokens(lang, text);
    if !tokens.iter().any(|t| t.kind == TermKind::Word) {
        return None;
    }
    let prefix = prefix_token(&tokens, text, typing);
    let mut add = |node: Node| clauses.push(node);

    let words = searchable_words(lang, &tokens);
    let mut seen: Vec<&str> = Vec::new();
    for word in &words {
        if seen.contains(&word.text.as_str()) {
            continue;
        }
        seen.push(&word.text);
        add(zones(schema, lang, 1.0, |field, boost| term(field, &word.text, boost)));
        if wants_near(lang, word, prefix, lexicon) {
            let (alternatives, pairs) = near_spellings(schema, lang, word, &tokens, lexicon);
            if !alternatives.is_empty() {
                add(best(alternatives));
            }
            if !pairs.is_empty() {
                add(best(pairs));
            }
        }
    }
    let searched = |position: usize| words.iter().any(|w| w.position == position);
    for token in &tokens {
        let boost = match token.kind {
            TermKind::Accented if searched(token.position) => ACCENT_BOOST,
            TermKind::Pair => PAIR_BOOST,
            TermKind::Code => CODE_BOOST,
            _ => continue,
        };
        if !seen.contains(&token.text.as_str()) {
            seen.push(&token.text);
            add(zones(schema, lang, boost, |field, boost| term(field, &token.text, boost)));
        }
    }
    if lang == Lang::En {
        for pair in words.windows(2) {
            let gap = pair[1].position - pair[0].position;
            if gap <= 1 + PHRASE_SLOP as usize && pair[0].text != pair[1].text {
                add(zones(schema, lang, PHRASE_BOOST, |field, boost| {
                    phrase(field, &[(0, &pair[0].text), (gap, &pair[1].text)], boost)
                }));
            }
        }
    }
    let typed: Vec<&str> =
        tokens.iter().filter(|t| t.kind == TermKind::Word).map(|t| t.text.as_str()).collect();
    for alternatives in synonyms.alternatives(lang, &typed) {
        let phrases: Vec<Node> = alternatives
            .iter()
            .map(|words| {
                zones(schema, lang, SYNONYM_BOOST, |field, boost| match words.as_slice() {
                    [(_, word)] => term(field, word, boost),
                    // Two syllables are a pair term: cheaper than a phrase and scored the same way.
                    [(_, a), (_, b)] if lang == Lang::Vi => term(field, &format!("{a} {b}"), boost),
                    words => {
                        phrase(field, &words.iter().map(|(p, w)| (*p, w.as_str())).collect::<Vec<_>>(), boost)
                    }
                })
            })
            .collect();
        add(best(phrases));
    }
    if let Some(prefix) = prefix {
        add(zones(schema, lang, PREFIX_BOOST, |field, boost| {
            let words = lexicon.prefixed(field, &prefix.text, PREFIX_TERMS);
            let terms = words.iter().map(|word| Term::from_field_text(field, word)).collect();
            Node::AnyOf { terms, score: boost }
        }));
    }
    if clauses.is_empty() { None } else { Some(Node::Sum(clauses)) }
}

fn term(field: Field, text: &str, boost: f32) -> Node {
    Node::Term { term: Term::from_field_text(field, text), boost }
}

fn phrase(field: Field, words: &[(usize, &str)], boost: f32) -> Node {
    let terms = words.iter().map(|&(offset, word)| (offset, Term::from_field_text(field, word))).collect();
    Node::Phrase { terms, slop: PHRASE_SLOP, boost }
}

/// The best of `alternatives`, nothing of the others.
fn best(alternatives: Vec<Node>) -> Node {
    Node::Best { children: alternatives, tie_breaker: 0.0 }
}

/// `leaf` in every zone of `lang`, each zone weighted by [`zone_boost`] times `boost`; the best zone counts.
fn zones(schema: &KbSchema, lang: Lang, boost: f32, leaf: impl Fn(Field, f32) -> Node) -> Node {
    let per_zone = Zone::ALL
        .into_iter()
        .map(|zone| leaf(schema.text_field(lang, zone), zone_boost(zone) * boost))
        .collect();
    Node::Best { children: per_zone, tie_breaker: TIE_BREAKER }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct Known(bool);
    impl Lexicon for Known {
        fn doc_freq(&self, _: Lang, _: &str) -> u64 {
            u64::from(self.0)
        }
        fn near(&self, _: Lang, term: &str, distance: u8, _: usize) -> Vec<String> {
            vec![format!("near-{term}-{distance}")]
        }
        fn prefixed(&self, _: Field, prefix: &str, limit: usize) -> Vec<String> {
            vec![format!("{prefix}-then-{limit}")]
        }
    }

    fn debug(lang: Lang, text: &str, typing: bool, known: bool) -> String {
        let schema = KbSchema::new();
        let query =
            build(&schema, lang, text, typing, &Known(known), &SynonymTable::default()).expect("words");
        format!("{query:?}")
    }

    #[test]
    fn a_prefix_ends_before_the_first_word_it_does_not_start() {
        assert_eq!(prefix_end("ab"), b"ac");
        assert_eq!(prefix_end("é"), [0xC3, 0xAA]);
        let end = prefix_end("zqb");
        for word in ["zqb", "zqba", "zqbzzzz", "zqb\u{10FFFF}"] {
            assert!(word.as_bytes() < end.as_slice(), "{word}");
        }
        assert!(b"zqc".as_slice() >= end.as_slice());
    }

    #[test]
    fn only_words_the_index_does_not_know_match_near_spellings() {
        assert!(!debug(Lang::En, "refund policy", false, true).contains("near-"));
        let unknown = debug(Lang::En, "refnud", false, false);
        assert!(unknown.contains("near-refnud-1"), "{unknown}");
        // Eight characters or more (after stemming): two edits.
        let long = debug(Lang::En, "reimbursment", false, false);
        assert!(long.contains("near-") && long.contains("-2\""), "{long}");
        // Short words never match fuzzily: too many of them are one edit apart.
        assert!(!debug(Lang::En, "cod", false, false).contains("near-"));
    }

    /// Knows exactly these terms; every unknown word is one edit from `near`.
    struct Words(&'static [&'static str], &'static [&'static str]);
    impl Lexicon for Words {
        fn doc_freq(&self, _: Lang, term: &str) -> u64 {
            u64::from(self.0.contains(&term))
        }
        fn near(&self, _: Lang, _: &str, _: u8, _: usize) -> Vec<String> {
            self.1.iter().map(|w| w.to_string()).collect()
        }
        fn prefixed(&self, _: Field, _: &str, _: usize) -> Vec<String> {
            Vec::new()
        }
    }

    #[test]
    fn a_mistyped_syllable_is_read_through_the_pair_it_makes() {
        let schema = KbSchema::new();
        let lexicon = Words(&["cach", "tra", "hang", "hai", "tra hang", "cach tra"], &["hang", "hai"]);
        let plan = build(&schema, Lang::Vi, "cách trả hàg", false, &lexicon, &SynonymTable::default());
        let plan = format!("{plan:?}");
        assert!(plan.contains("\"tra hang\""), "the pair the correction makes: {plan}");
        assert!(plan.contains("\"hang\""), "{plan}");
        assert!(!plan.contains("\"hai\""), "a short near spelling that makes no known pair: {plan}");
        // A long unknown word keeps its near spellings with or without a pair.
        let lexicon = Words(&["bao", "hanh", "bao hanh"], &["hanh", "hinh"]);
        let plan = build(&schema, Lang::Vi, "bao hanhh", false, &lexicon, &SynonymTable::default());
        let plan = format!("{plan:?}");
        assert!(plan.contains("\"bao hanh\"") && plan.contains("\"hinh\""), "{plan}");
    }

    #[test]
    fn the_word_being_typed_is_a_prefix_not_a_typo() {
        let typing = debug(Lang::En, "refu", true, false);
        assert!(typing.contains("AnyOf") && typing.contains("refu-then-50"), "{typing}");
        assert!(!typing.contains("near-"), "{typing}");
    }

    #[test]
    fn vietnamese_function_words_are_searched_only_inside_pairs() {
        let query = debug(Lang::Vi, "tôi không nhận được hàng", false, true);
        assert!(query.contains("\"khong nhan\""), "the negation lives on in its pair: {query}");
        assert!(!query.contains("\"khong\""), "{query}");
        assert!(query.contains("\"nhan\"") && query.contains("\"hang\""), "{query}");
        // Nothing but function words: better to search them than nothing.
        assert!(debug(Lang::Vi, "có không", false, true).contains("\"co\""));
    }

    #[test]
    fn english_neighbours_are_searched_as_phrases() {
        assert!(debug(Lang::En, "refund policy", false, true).contains("Phrase {"));
        assert!(!debug(Lang::En, "refund", false, true).contains("Phrase {"));
    }

    #[test]
    fn text_without_words_builds_no_query() {
        for lang in Lang::ALL {
            let none = build(&KbSchema::new(), lang, " ?!- ", true, &Known(true), &SynonymTable::default());
            assert!(none.is_none());
        }
    }
}
