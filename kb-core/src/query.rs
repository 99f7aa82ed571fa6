//! Turning what a visitor typed into a tantivy query. There is no query syntax: quotes, `?`, `-` and `:`
//! are ordinary characters, so no input can be a syntax error.

use tantivy::Term;
use tantivy::query::{
    BooleanQuery, BoostQuery, DisjunctionMaxQuery, FuzzyTermQuery, Occur, Query, TermQuery,
};
use tantivy::schema::IndexRecordOption;

use crate::Lang;
use crate::analysis;
use crate::schema::{KbSchema, Zone};

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
/// A prefix match (the word being typed) scores a flat amount, below a full-word match.
const PREFIX_BOOST: f32 = 0.5;
/// A near match of a word the index does not know (a typo) scores a flat amount, below a full-word match.
const FUZZY_BOOST: f32 = 0.5;

/// How many edits a word the index does not know may be away from a word it does: none below 4
/// characters (too many short words are one edit apart), 1 from 4, 2 from 8.
fn typo_distance(term: &str) -> u8 {
    match term.chars().count() {
        0..=3 => 0,
        4..=7 => 1,
        _ => 2,
    }
}

/// Builds the query for `text` over the fields of `langs`. `None` when the text has no searchable word.
///
/// `typing`: the visitor is still typing, so the last word also matches as a prefix ("ref" → refund).
/// `known`: whether the index has a term; words it does not know also match their near spellings.
pub fn build(
    schema: &KbSchema,
    langs: &[Lang],
    text: &str,
    typing: bool,
    known: &dyn Fn(&Term) -> bool,
) -> Option<Box<dyn Query>> {
    let last_word_complete = text.chars().last().is_none_or(|c| !c.is_alphanumeric());
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for &lang in langs {
        let mut terms = analysis::terms(lang, text);
        let prefix = if typing && !last_word_complete { terms.last().cloned() } else { None };
        terms.sort();
        terms.dedup();
        for term in &terms {
            clauses.push((Occur::Should, zones_query(schema, lang, term, Match::Exact)));
            let distance = typo_distance(term);
            let is_known = Zone::ALL
                .iter()
                .any(|&zone| known(&Term::from_field_text(schema.text_field(lang, zone), term)));
            if distance > 0 && !is_known && prefix.as_deref() != Some(term) {
                clauses.push((Occur::Should, zones_query(schema, lang, term, Match::Fuzzy(distance))));
            }
        }
        if let Some(prefix) = prefix {
            clauses.push((Occur::Should, zones_query(schema, lang, &prefix, Match::Prefix)));
        }
    }
    if clauses.is_empty() { None } else { Some(Box::new(BooleanQuery::new(clauses))) }
}

/// How a query word meets the index's words.
#[derive(Debug, Clone, Copy, PartialEq)]
enum Match {
    /// The same word (BM25 scored).
    Exact,
    /// Words starting with it (the word being typed).
    Prefix,
    /// Words within this many edits (a typo).
    Fuzzy(u8),
}

fn zones_query(schema: &KbSchema, lang: Lang, term: &str, how: Match) -> Box<dyn Query> {
    let per_zone: Vec<Box<dyn Query>> = Zone::ALL
        .into_iter()
        .map(|zone| {
            let term = Term::from_field_text(schema.text_field(lang, zone), term);
            let (query, boost): (Box<dyn Query>, f32) = match how {
                Match::Exact => {
                    (Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)), zone_boost(zone))
                }
                Match::Prefix => {
                    (Box::new(FuzzyTermQuery::new_prefix(term, 0, true)), zone_boost(zone) * PREFIX_BOOST)
                }
                Match::Fuzzy(distance) => {
                    (Box::new(FuzzyTermQuery::new(term, distance, true)), zone_boost(zone) * FUZZY_BOOST)
                }
            };
            Box::new(BoostQuery::new(query, boost)) as Box<dyn Query>
        })
        .collect();
    Box::new(DisjunctionMaxQuery::with_tie_breaker(per_zone, TIE_BREAKER))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn debug(text: &str, typing: bool, known: bool) -> String {
        let schema = KbSchema::new();
        let query = build(&schema, &[Lang::En], text, typing, &|_| known).expect("words");
        format!("{query:?}")
    }

    #[test]
    fn only_words_the_index_does_not_know_match_near_spellings() {
        assert!(!debug("refund policy", false, true).contains("FuzzyTermQuery"));
        let unknown = debug("refnud", false, false);
        assert!(unknown.contains("FuzzyTermQuery") && unknown.contains("distance: 1"), "{unknown}");
        // Short words never match fuzzily: too many of them are one edit apart.
        assert!(!debug("cod", false, false).contains("FuzzyTermQuery"));
    }

    #[test]
    fn the_word_being_typed_is_a_prefix_not_a_typo() {
        let typing = debug("refu", true, false);
        assert!(typing.contains("prefix: true"), "{typing}");
        assert!(!typing.contains("distance: 1"), "{typing}");
    }

    #[test]
    fn text_without_words_builds_no_query() {
        assert!(build(&KbSchema::new(), &[Lang::Vi, Lang::En], " ?!- ", true, &|_| true).is_none());
    }
}
