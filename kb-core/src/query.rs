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

/// Builds the query for `text` over the fields of `langs`. `None` when the text has no searchable word.
///
/// `typing`: the visitor is still typing, so the last word also matches as a prefix ("ref" → refund).
pub fn build(schema: &KbSchema, langs: &[Lang], text: &str, typing: bool) -> Option<Box<dyn Query>> {
    let last_word_complete = text.chars().last().is_none_or(|c| !c.is_alphanumeric());
    let mut clauses: Vec<(Occur, Box<dyn Query>)> = Vec::new();
    for &lang in langs {
        let mut terms = analysis::terms(lang, text);
        let prefix = if typing && !last_word_complete { terms.last().cloned() } else { None };
        terms.sort();
        terms.dedup();
        for term in &terms {
            clauses.push((Occur::Should, zones_query(schema, lang, term, false)));
        }
        if let Some(prefix) = prefix {
            clauses.push((Occur::Should, zones_query(schema, lang, &prefix, true)));
        }
    }
    if clauses.is_empty() { None } else { Some(Box::new(BooleanQuery::new(clauses))) }
}

fn zones_query(schema: &KbSchema, lang: Lang, term: &str, prefix: bool) -> Box<dyn Query> {
    let per_zone: Vec<Box<dyn Query>> = Zone::ALL
        .into_iter()
        .map(|zone| {
            let term = Term::from_field_text(schema.text_field(lang, zone), term);
            let (query, boost): (Box<dyn Query>, f32) = if prefix {
                (Box::new(FuzzyTermQuery::new_prefix(term, 0, true)), zone_boost(zone) * PREFIX_BOOST)
            } else {
                (Box::new(TermQuery::new(term, IndexRecordOption::WithFreqs)), zone_boost(zone))
            };
            Box::new(BoostQuery::new(query, boost)) as Box<dyn Query>
        })
        .collect();
    Box::new(DisjunctionMaxQuery::with_tie_breaker(per_zone, TIE_BREAKER))
}
