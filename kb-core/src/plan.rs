//! The query plan kb-core scores itself over tantivy's segment readers: BM25 of a term or a phrase, the
//! best of several with a tie-breaker, sums, and a flat score for the words a prefix stands for.
//!
//! Why not tantivy's `Query` trees: any `dyn Query` links tantivy's regex engine into the widget's wasm
//! (`Query: Debug` can print a facet, whose `Display` escapes with a regex), and a query's weights and
//! scorers look each term up in the dictionary again, where one lookup decodes a whole SSTable block. A
//! plan reads each term's [`TermInfo`] once ([`TermInfos`]) and scores out of postings already in memory.
//!
//! Scores are tantivy's: the same [`Bm25Weight`], the same boosts, the same tie-breaking max, so a plan
//! ranks as the equivalent `BooleanQuery` of `DisjunctionMaxQuery`s did (sums may differ in the last bit,
//! as tantivy's own order of addition varies).

use std::cell::RefCell;
use std::collections::HashMap;
use std::sync::Mutex;

use tantivy::fieldnorm::FieldNormReader;
use tantivy::postings::{Postings, SegmentPostings, TermInfo};
use tantivy::query::{Bm25StatisticsProvider, Bm25Weight};
use tantivy::schema::{Field, IndexRecordOption};
use tantivy::{DocAddress, DocId, DocSet, Searcher, SegmentReader, TERMINATED, Term};

use crate::lazy::is_not_loaded;

/// One node of a plan. Leaves carry their boost, as tantivy pushes a `BoostQuery`'s boost into the
/// weight of what it wraps.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Node {
    /// BM25 of one term.
    Term { term: Term, boost: f32 },
    /// BM25 of a phrase: each term at its offset, within `slop` positions of where it should be; the
    /// phrase's weight is the sum of its terms' IDF, its frequency the number of matches.
    Phrase { terms: Vec<(usize, Term)>, slop: u32, boost: f32 },
    /// A document having any of `terms` scores `score`, however many it has.
    AnyOf { terms: Vec<Term>, score: f32 },
    /// The best child's score plus `tie_breaker` times the others'.
    Best { children: Vec<Node>, tie_breaker: f32 },
    /// The sum of the children's scores.
    Sum(Vec<Node>),
}

impl Node {
    /// Every term the plan reads, with whether its positions are needed.
    pub fn terms(&self, out: &mut impl FnMut(&Term, bool)) {
        match self {
            Node::Term { term, .. } => out(term, false),
            Node::Phrase { terms, .. } => terms.iter().for_each(|(_, term)| out(term, true)),
            Node::AnyOf { terms, .. } => terms.iter().for_each(|term| out(term, false)),
            Node::Best { children, .. } | Node::Sum(children) => {
                children.iter().for_each(|child| child.terms(out));
            }
        }
    }
}

/// The term infos of one index, each looked up in its dictionary once: a lookup decodes a whole block,
/// and one search asks about each term several times (building the query, scoring it, judging the
/// confidence, cutting snippets). An opened index never changes, so what is kept stays true.
#[derive(Default)]
pub(crate) struct TermInfos {
    /// Per segment, by term.
    known: Mutex<Vec<HashMap<Term, Option<TermInfo>>>>,
}

/// Enough for every word of many searches; past it the cache starts afresh.
const TERM_INFOS_KEPT: usize = 50_000;

impl TermInfos {
    /// What a lookup already found, if it was made.
    pub fn cached(&self, segment: u32, term: &Term) -> Option<Option<TermInfo>> {
        lock(&self.known).get(segment as usize)?.get(term).cloned()
    }

    /// Keeps what a lookup (or a dictionary stream) found for `term` in `segment`.
    pub fn keep(&self, segment: u32, term: &Term, info: Option<TermInfo>) {
        let mut known = lock(&self.known);
        if known.iter().map(HashMap::len).sum::<usize>() >= TERM_INFOS_KEPT {
            known.clear();
        }
        if known.len() <= segment as usize {
            known.resize_with(segment as usize + 1, HashMap::new);
        }
        known[segment as usize].insert(term.clone(), info);
    }

    /// `term`'s info in `segment`, from the cache or from the dictionary (whose block must be in memory:
    /// else the error says "not loaded", see [`is_not_loaded`]).
    pub fn get(&self, searcher: &Searcher, segment: u32, term: &Term) -> tantivy::Result<Option<TermInfo>> {
        if let Some(info) = self.cached(segment, term) {
            return Ok(info);
        }
        let reader = searcher.segment_reader(segment);
        let info = reader.inverted_index(term.field())?.get_term_info(term)?;
        self.keep(segment, term, info.clone());
        Ok(info)
    }

    /// `term`'s postings in `segment` as `option` asks (`None`: the segment does not have it), read from
    /// memory (else the error says "not loaded").
    pub fn postings(
        &self,
        searcher: &Searcher,
        segment: u32,
        term: &Term,
        option: IndexRecordOption,
    ) -> tantivy::Result<Option<SegmentPostings>> {
        let Some(info) = self.get(searcher, segment, term)? else { return Ok(None) };
        let inverted = searcher.segment_reader(segment).inverted_index(term.field())?;
        Ok(Some(inverted.read_postings_from_terminfo(&info, option)?))
    }

    /// In how many documents of the whole index `term` occurs.
    pub fn doc_freq(&self, searcher: &Searcher, term: &Term) -> tantivy::Result<u64> {
        let mut total = 0;
        for segment in 0..searcher.segment_readers().len() as u32 {
            total += self.get(searcher, segment, term)?.map_or(0, |info| u64::from(info.doc_freq));
        }
        Ok(total)
    }
}

/// The plan's terms, per segment, whose postings (or positions, when a phrase needs them) are not all in
/// memory yet, for `InvertedIndexReader::warm_postings` to fetch: postings and positions in parallel,
/// where a synchronous read stops at the postings and finds the positions missing only on the next try.
/// The norms the plan scores with, when missing, are recorded in the directory as missed.
pub(crate) fn cold_terms(
    searcher: &Searcher,
    infos: &TermInfos,
    plan: &Node,
) -> tantivy::Result<Vec<(u32, Term, bool)>> {
    let mut terms: Vec<(Term, bool)> = Vec::new();
    plan.terms(&mut |term, positions| terms.push((term.clone(), positions)));
    // Each term once, with positions if any clause needs them.
    terms.sort_by(|a, b| a.0.cmp(&b.0).then(b.1.cmp(&a.1)));
    terms.dedup_by(|later, kept| later.0 == kept.0);
    let mut fields: Vec<Field> = terms.iter().map(|(term, _)| term.field()).collect();
    fields.sort();
    fields.dedup();
    let mut cold = Vec::new();
    for (ord, segment) in searcher.segment_readers().iter().enumerate() {
        let ord = ord as u32;
        for (term, positions) in &terms {
            let option = if *positions {
                IndexRecordOption::WithFreqsAndPositions
            } else {
                IndexRecordOption::WithFreqs
            };
            match infos.postings(searcher, ord, term, option) {
                Err(err) if is_not_loaded(&err) => cold.push((ord, term.clone(), *positions)),
                other => drop(other?),
            }
        }
        for &field in &fields {
            match segment.get_fieldnorms_reader(field) {
                Err(err) if !is_not_loaded(&err) => return Err(err),
                _ => {}
            }
        }
    }
    Ok(cold)
}

/// Documents with their scores, in document order.
type Scored = Vec<(DocId, f32)>;

/// The best `limit` documents for `plan`, best first; equal scores in document order.
pub(crate) fn top(
    searcher: &Searcher,
    infos: &TermInfos,
    plan: &Node,
    limit: usize,
) -> tantivy::Result<Vec<(f32, DocAddress)>> {
    let mut found: Vec<(f32, DocAddress)> = Vec::new();
    for (ord, segment) in searcher.segment_readers().iter().enumerate() {
        let scoring = Scoring { searcher, segment, ord: ord as u32, infos, norms: RefCell::default() };
        let scored = scoring.score(plan)?;
        found.extend(scored.into_iter().map(|(doc, score)| (score, DocAddress::new(ord as u32, doc))));
    }
    let order = |a: &(f32, DocAddress), b: &(f32, DocAddress)| b.0.total_cmp(&a.0).then(a.1.cmp(&b.1));
    if found.len() > limit && limit > 0 {
        found.select_nth_unstable_by(limit - 1, order);
    }
    found.truncate(limit);
    found.sort_by(order);
    Ok(found)
}

/// The index-wide counts BM25 weighs with, the document frequencies out of [`TermInfos`].
struct Stats<'a> {
    searcher: &'a Searcher,
    infos: &'a TermInfos,
}

impl Bm25StatisticsProvider for Stats<'_> {
    fn total_num_tokens(&self, field: Field) -> tantivy::Result<u64> {
        let mut tokens = 0;
        for segment in self.searcher.segment_readers() {
            tokens += segment.inverted_index(field)?.total_num_tokens();
        }
        Ok(tokens)
    }

    fn total_num_docs(&self) -> tantivy::Result<u64> {
        Ok(self.searcher.num_docs())
    }

    fn doc_freq(&self, term: &Term) -> tantivy::Result<u64> {
        self.infos.doc_freq(self.searcher, term)
    }
}

/// Scoring one segment.
struct Scoring<'a> {
    searcher: &'a Searcher,
    segment: &'a SegmentReader,
    ord: u32,
    infos: &'a TermInfos,
    norms: RefCell<HashMap<Field, FieldNormReader>>,
}

impl Scoring<'_> {
    fn score(&self, node: &Node) -> tantivy::Result<Scored> {
        match node {
            Node::Term { term, boost } => self.term(term, *boost),
            Node::Phrase { terms, slop, boost } => self.phrase(terms, *slop, *boost),
            Node::AnyOf { terms, score } => self.any_of(terms, *score),
            Node::Best { children, tie_breaker } => {
                let scored =
                    children.iter().map(|child| self.score(child)).collect::<tantivy::Result<_>>()?;
                let tie_breaker = *tie_breaker;
                Ok(combine(scored, |best, sum| best + (sum - best) * tie_breaker))
            }
            Node::Sum(children) => {
                let scored =
                    children.iter().map(|child| self.score(child)).collect::<tantivy::Result<_>>()?;
                Ok(combine(scored, |_, sum| sum))
            }
        }
    }

    /// The norms of `field`: how long each document's field is, for BM25.
    fn norms(&self, field: Field) -> tantivy::Result<FieldNormReader> {
        if let Some(norms) = self.norms.borrow().get(&field) {
            return Ok(norms.clone());
        }
        let norms = self.segment.get_fieldnorms_reader(field)?;
        self.norms.borrow_mut().insert(field, norms.clone());
        Ok(norms)
    }

    fn stats(&self) -> Stats<'_> {
        Stats { searcher: self.searcher, infos: self.infos }
    }

    fn postings(&self, term: &Term, option: IndexRecordOption) -> tantivy::Result<Option<SegmentPostings>> {
        self.infos.postings(self.searcher, self.ord, term, option)
    }

    fn term(&self, term: &Term, boost: f32) -> tantivy::Result<Scored> {
        let Some(mut postings) = self.postings(term, IndexRecordOption::WithFreqs)? else {
            return Ok(Vec::new());
        };
        let field = term.field();
        let stats = self.stats();
        let average = stats.total_num_tokens(field)? as f32 / self.searcher.num_docs() as f32;
        let weight =
            Bm25Weight::for_one_term_without_explain(stats.doc_freq(term)?, stats.total_num_docs()?, average)
                .boost_by(boost);
        let norms = self.norms(field)?;
        let mut scored = Vec::with_capacity(postings.size_hint() as usize);
        let mut doc = postings.doc();
        while doc != TERMINATED {
            scored.push((doc, weight.score(norms.fieldnorm_id(doc), postings.term_freq())));
            doc = postings.advance();
        }
        Ok(scored)
    }

    fn phrase(&self, terms: &[(usize, Term)], slop: u32, boost: f32) -> tantivy::Result<Scored> {
        let Some((_, first)) = terms.first() else { return Ok(Vec::new()) };
        let field = first.field();
        let mut postings = Vec::with_capacity(terms.len());
        for (_, term) in terms {
            match self.postings(term, IndexRecordOption::WithFreqsAndPositions)? {
                Some(found) => postings.push(found),
                None => return Ok(Vec::new()),
            }
        }
        let terms_only: Vec<Term> = terms.iter().map(|(_, term)| term.clone()).collect();
        let weight = Bm25Weight::for_terms(&self.stats(), &terms_only)?.boost_by(boost);
        let norms = self.norms(field)?;
        // Shift every term's positions so that an exact phrase has one position for all.
        let last = terms.iter().map(|(offset, _)| *offset).max().unwrap_or(0);
        let (mut matched, mut next) = (Vec::new(), Vec::new());
        let mut scored = Vec::new();
        let (first, rest) = postings.split_first_mut().expect("a phrase has a first term");
        let mut doc = first.doc();
        'docs: while doc != TERMINATED {
            for other in rest.iter_mut() {
                let at = if other.doc() < doc { other.seek(doc) } else { other.doc() };
                if at != doc {
                    doc = if at == TERMINATED { TERMINATED } else { first.seek(at) };
                    continue 'docs;
                }
            }
            first.positions_with_offset((last - terms[0].0) as u32, &mut matched);
            for (other, (offset, _)) in rest.iter_mut().zip(&terms[1..]) {
                other.positions_with_offset((last - offset) as u32, &mut next);
                matched = within_slop(&matched, &next, slop);
                if matched.is_empty() {
                    break;
                }
            }
            if !matched.is_empty() {
                scored.push((doc, weight.score(norms.fieldnorm_id(doc), matched.len() as u32)));
            }
            doc = first.advance();
        }
        Ok(scored)
    }

    fn any_of(&self, terms: &[Term], score: f32) -> tantivy::Result<Scored> {
        let mut docs: Vec<DocId> = Vec::new();
        for term in terms {
            let Some(mut postings) = self.postings(term, IndexRecordOption::Basic)? else { continue };
            let mut doc = postings.doc();
            while doc != TERMINATED {
                docs.push(doc);
                doc = postings.advance();
            }
        }
        docs.sort_unstable();
        docs.dedup();
        Ok(docs.into_iter().map(|doc| (doc, score)).collect())
    }
}

/// The right-hand positions that lie within `slop` of a left-hand one, each left and right position used
/// at most once (greedily, left to right), as the next term of a phrase continues from them.
fn within_slop(left: &[u32], right: &[u32], slop: u32) -> Vec<u32> {
    let mut out = Vec::new();
    let (mut l, mut r) = (0, 0);
    while l < left.len() && r < right.len() {
        if left[l].abs_diff(right[r]) <= slop {
            // A later left position may be closer to this right one.
            while l + 1 < left.len() && left[l + 1] <= right[r] {
                l += 1;
            }
            out.push(right[r]);
            l += 1;
            r += 1;
        } else if left[l] < right[r] {
            l += 1;
        } else {
            r += 1;
        }
    }
    out
}

/// Merges lists (each in document order) into one, in document order: each document's best score and
/// the sum of its scores (added in the lists' order), made one by `finish(best, sum)`. Merging pair by
/// pair keeps it linear in the lists' lengths, where sorting everything cost a tenth of a search.
fn combine(lists: Vec<Scored>, finish: impl Fn(f32, f32) -> f32) -> Scored {
    let mut merged: Vec<(DocId, f32, f32)> = Vec::new();
    for list in lists {
        if merged.is_empty() {
            merged = list.into_iter().map(|(doc, score)| (doc, score, score)).collect();
            continue;
        }
        let mut next = Vec::with_capacity(merged.len() + list.len());
        let (mut i, mut j) = (0, 0);
        while i < merged.len() && j < list.len() {
            let ((doc, best, sum), (other, score)) = (merged[i], list[j]);
            match doc.cmp(&other) {
                std::cmp::Ordering::Less => {
                    next.push(merged[i]);
                    i += 1;
                }
                std::cmp::Ordering::Greater => {
                    next.push((other, score, score));
                    j += 1;
                }
                std::cmp::Ordering::Equal => {
                    next.push((doc, best.max(score), sum + score));
                    i += 1;
                    j += 1;
                }
            }
        }
        next.extend_from_slice(&merged[i..]);
        next.extend(list[j..].iter().map(|&(doc, score)| (doc, score, score)));
        merged = next;
    }
    merged.into_iter().map(|(doc, best, sum)| (doc, finish(best, sum))).collect()
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn phrase_positions_match_within_the_slop_each_once() {
        assert_eq!(within_slop(&[3, 10], &[3, 11, 20], 0), vec![3]);
        assert_eq!(within_slop(&[3, 10], &[4, 11, 20], 1), vec![4, 11]);
        // Two left positions close to one right: one match.
        assert_eq!(within_slop(&[3, 4], &[4], 1), vec![4]);
        assert!(within_slop(&[3], &[6], 2).is_empty());
    }

    #[test]
    fn best_adds_a_share_of_the_others_and_sum_adds_all() {
        let lists = vec![vec![(1, 2.0), (3, 1.0)], vec![(1, 1.0), (2, 5.0)]];
        let best = combine(lists.clone(), |best, sum| best + (sum - best) * 0.5);
        assert_eq!(best, vec![(1, 2.5), (2, 5.0), (3, 1.0)]);
        assert_eq!(combine(lists, |_, sum| sum), vec![(1, 3.0), (2, 5.0), (3, 1.0)]);
    }
}
