//! Snippets: the passage of an article a result card shows, with the words that matched highlighted.
//!
//! A snippet a visitor can read starts where a reader would: at a sentence, a list item or a table row
//! (kb-builder writes one block per line and keeps a row's cells apart with " · "), never mid-number. Of
//! the passages, the one that covers most of the query wins (each query term counted once, rarer terms
//! more), the earliest on a tie.
//!
//! Highlighting shows what matched, exact accents first: a word typed with marks lights up where the text
//! has those marks (or none), not its look-alikes; a Vietnamese syllable typed without marks that belongs
//! to a pair of the query ("bao nhieu") lights up where the pair is, not each "bảo" of "bảo hành".

use std::collections::{BTreeMap, BTreeSet, HashMap, HashSet};
use std::ops::Range;

use serde::{Deserialize, Serialize};

use crate::Lang;
use crate::analysis::{self, TermKind, fold_word};

/// Longest snippet, in characters.
pub(crate) const SNIPPET_CHARS: usize = 160;
/// How much of a body is read for a snippet, in bytes: analysing (tokenizing, folding, stemming) every
/// word of ten long hits was most of a query's time. A match further in shows the summary instead, as the
/// highlighters of Lucene and Elasticsearch do past their own such limits.
const SNIPPET_ANALYZED_BYTES: usize = 10_000;

/// A piece of text with the byte ranges that matched the query. Render the ranges as highlights and
/// everything as text (never as HTML).
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Snippet {
    /// The excerpt.
    pub text: String,
    /// Byte ranges of `text` to highlight, in order, not overlapping.
    pub highlights: Vec<Range<usize>>,
}

impl Snippet {
    /// The text cut at the highlights: `(piece, highlighted)` in order, covering all of it once. Search
    /// returns sorted, disjoint ranges on character boundaries; overlapping ones are merged, and a
    /// hand-made range that is empty, out of bounds or inside a character is left out (no panic).
    pub fn pieces(&self) -> Vec<(&str, bool)> {
        let mut pieces = Vec::with_capacity(2 * self.highlights.len() + 1);
        let mut at = 0;
        for range in merged(&self.highlights) {
            let (Some(before), Some(marked)) = (self.text.get(at..range.start), self.text.get(range.clone()))
            else {
                continue;
            };
            if marked.is_empty() {
                continue;
            }
            if !before.is_empty() {
                pieces.push((before, false));
            }
            pieces.push((marked, true));
            at = range.end;
        }
        if at < self.text.len() || pieces.is_empty() {
            pieces.push((&self.text[at..], false));
        }
        pieces
    }

    /// HTML with `<mark>` around highlights and everything else escaped.
    pub fn to_html(&self) -> String {
        let mut html = String::with_capacity(self.text.len() + 16 * self.highlights.len());
        for (piece, highlighted) in self.pieces() {
            if highlighted {
                html.push_str("<mark>");
                escape_html(piece, &mut html);
                html.push_str("</mark>");
            } else {
                escape_html(piece, &mut html);
            }
        }
        html
    }
}

/// The first sentence of `text` (up to a `.`, `?` or `!` followed by white space), cut at a word
/// boundary with "…" when longer than `max_chars`: a title or summary derived from prose.
pub fn first_sentence(text: &str, max_chars: usize) -> String {
    let text = text.trim();
    let end = text
        .char_indices()
        .find(|&(i, c)| matches!(c, '.' | '?' | '!') && text[i + 1..].starts_with(char::is_whitespace))
        .map_or(text.len(), |(i, _)| i + 1);
    let sentence = text[..end].trim();
    if sentence.chars().count() <= max_chars {
        return sentence.to_owned();
    }
    let cut: String = sentence.chars().take(max_chars).collect();
    format!("{}…", cut.rsplit_once(' ').map_or(cut.as_str(), |(head, _)| head))
}

/// Appends `text` to `out` with `&`, `<`, `>`, `"` and `'` escaped, so it is safe in HTML text and
/// attributes.
pub fn escape_html(text: &str, out: &mut String) {
    for c in text.chars() {
        match c {
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '&' => out.push_str("&amp;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            c => out.push(c),
        }
    }
}

/// What a query looks for in a text, as index terms with how much each counts.
#[derive(Debug, Clone, Default)]
pub(crate) struct Wanted {
    lang: Option<Lang>,
    /// Index terms (folded words, accented words, syllable pairs, codes, synonyms, near spellings) with
    /// their weights (rarer counts more): a few dozen at most.
    terms: BTreeMap<String, f32>,
    /// Folded words the query typed with marks: only those marks (or none) light up.
    typed_with_marks: BTreeSet<String>,
}

impl Wanted {
    /// The terms a search's plan reads in the body, with their weights.
    pub(crate) fn new(lang: Lang, terms: impl IntoIterator<Item = (String, f32)>) -> Self {
        let terms: BTreeMap<String, f32> = terms.into_iter().collect();
        let mut folded = String::new();
        let mut typed_with_marks = BTreeSet::new();
        for term in terms.keys() {
            if !term.is_ascii() && !term.contains(' ') {
                fold_word(term, &mut folded);
                if folded != *term {
                    typed_with_marks.insert(folded.clone());
                }
            }
        }
        Wanted { lang: Some(lang), terms, typed_with_marks }
    }

    /// The ranges of `text` that matched, each with the term it counts as. One pass over the analysed
    /// text, reusing two words' buffers: it runs on up to ten long bodies per keystroke.
    fn matches<'w>(&'w self, text: &str) -> Vec<(Range<usize>, &'w str)> {
        let Some(lang) = self.lang else { return Vec::new() };
        let mut found: Vec<(Range<usize>, &'w str)> = Vec::new();
        // Words typed without marks that matched alone: kept until the pairs have said which was meant.
        let mut lone: Vec<(Range<usize>, &'w str, String, String)> = Vec::new();
        // Where a pair of the query matched, the spelling of its syllables says which word was meant.
        let mut meant: HashMap<String, HashSet<String>> = HashMap::new();
        let (mut previous, mut current) = (Word::default(), Word::default());
        let mut finish = |word: &Word, found: &mut Vec<(Range<usize>, &'w str)>| {
            let Some((term, _)) = self.terms.get_key_value(word.folded.as_str()) else { return };
            if self.typed_with_marks.contains(&word.folded) {
                // Typed with marks: these marks, or a text written without any.
                if word.written == word.folded || self.terms.contains_key(&word.written) {
                    found.push((word.offsets.clone(), term));
                }
            } else {
                lone.push((word.offsets.clone(), term, word.folded.clone(), word.written.clone()));
            }
        };
        analysis::each_token(lang, text, |text, kind, _, offsets| match kind {
            TermKind::Word => {
                finish(&current, &mut found);
                std::mem::swap(&mut previous, &mut current);
                current.set(text, offsets);
            }
            TermKind::Accented => {
                current.written.clear();
                current.written.push_str(text);
            }
            TermKind::Pair => {
                if let Some((term, _)) = self.terms.get_key_value(text) {
                    for word in [&previous, &current] {
                        meant.entry(word.folded.clone()).or_default().insert(word.written.clone());
                    }
                    found.push((previous.offsets.start..offsets.end, term));
                }
            }
            TermKind::Code => {
                if let Some((term, _)) = self.terms.get_key_value(text) {
                    found.push((offsets, term));
                }
            }
        });
        finish(&current, &mut found);
        for (offsets, term, folded, written) in lone {
            // Typed without marks, in a pair that matched here: the spelling the pair had.
            if meant.get(&folded).is_none_or(|spellings| spellings.contains(&written)) {
                found.push((offsets, term));
            }
        }
        found.sort_by_key(|(range, _)| range.start);
        found
    }
}

/// One analysed word while streaming: folded, as written (its accented form, or the folded one when it
/// has no marks), and where it is.
#[derive(Default)]
struct Word {
    folded: String,
    written: String,
    offsets: Range<usize>,
}

impl Word {
    fn set(&mut self, folded: &str, offsets: Range<usize>) {
        self.folded.clear();
        self.folded.push_str(folded);
        self.written.clear();
        self.written.push_str(folded);
        self.offsets = offsets;
    }
}

/// The snippet of `body` for `wanted`: the passage covering most of the query, highlighted; `None` when
/// nothing in the body matches (the card keeps its summary).
pub(crate) fn cut(wanted: &Wanted, body: &str) -> Option<Snippet> {
    let body = prefix_within(body, SNIPPET_ANALYZED_BYTES);
    let matches = wanted.matches(body);
    if matches.is_empty() {
        return None;
    }
    let passages = passages(body);
    let chars = char_offsets(body, &passages);
    // Each distinct matched term is a bit; a window's score is the weight of the bits it holds, so each
    // term counts once however often it occurs (terms past the 64th are not counted).
    let mut distinct: Vec<&str> = matches.iter().map(|(_, term)| *term).collect();
    distinct.sort_unstable();
    distinct.dedup();
    let bit = |term: &str| distinct.binary_search(&term).ok().filter(|&i| i < 64).map_or(0u64, |i| 1 << i);
    let masks: Vec<(Range<usize>, u64)> =
        matches.iter().map(|(range, term)| (range.clone(), bit(term))).collect();
    // Matches are in text order: a window's are a run of them.
    let covers = |window: &Range<usize>| -> f32 {
        let from = masks.partition_point(|(range, _)| range.start < window.start);
        let held = masks[from..]
            .iter()
            .take_while(|(range, _)| range.start < window.end)
            .filter(|(range, _)| range.end <= window.end)
            .fold(0u64, |held, (_, mask)| held | mask);
        let weight = |(i, term): (usize, &&str)| if held & (1 << i) != 0 { wanted.terms[*term] } else { 0.0 };
        distinct.iter().enumerate().take(64).map(weight).sum()
    };
    // The most of the query in the snippet, then in its first passage (it starts where the answer does).
    // Only passages with a match start a window: one starting earlier holds nothing more after it.
    let mut best: Option<((f32, f32), Range<usize>)> = None;
    for (i, first) in passages.iter().enumerate() {
        let first_covers = covers(first);
        if first_covers <= 0.0 {
            continue;
        }
        let mut end = first.end;
        for (next, next_chars) in passages[i + 1..].iter().zip(&chars[i + 1..]) {
            if next_chars.end - chars[i].start > SNIPPET_CHARS {
                break;
            }
            end = next.end;
        }
        let end = if chars[i].end - chars[i].start > SNIPPET_CHARS {
            cut_at_word(body, first.start, end)
        } else {
            end
        };
        let window = first.start..end;
        let score = (covers(&window), first_covers.min(covers(&(first.start..first.end.min(end)))));
        if best.as_ref().is_none_or(|(top, _)| score > *top) {
            best = Some((score, window));
        }
    }
    let (score, window) = best?;
    if score.0 <= 0.0 {
        return None;
    }
    let highlights = merged(
        &matches
            .iter()
            .filter(|(range, _)| window.start <= range.start && range.end <= window.end)
            .map(|(range, _)| range.start - window.start..range.end - window.start)
            .collect::<Vec<_>>(),
    );
    Some(Snippet { text: body[window].to_string(), highlights })
}

/// The summary, highlighted where it matches.
pub(crate) fn highlighted(wanted: &Wanted, summary: &str) -> Snippet {
    let highlights = merged(&wanted.matches(summary).into_iter().map(|(range, _)| range).collect::<Vec<_>>());
    Snippet { text: summary.to_string(), highlights }
}

/// Where a reader may start: each line (a paragraph, list item, table row or heading), and each sentence
/// of a long line, as byte ranges without their surrounding whitespace.
fn passages(text: &str) -> Vec<Range<usize>> {
    let mut out = Vec::new();
    let mut line_start = 0;
    for line in text.split_inclusive('\n') {
        let mut start = line_start;
        // The marks that end a sentence are ASCII: scanning bytes is enough, and fast on long bodies.
        let bytes = line.as_bytes();
        for (i, window) in bytes.windows(2).enumerate() {
            let ends_sentence = matches!(window[0], b'.' | b'?' | b'!' | b';')
                && window[1] == b' '
                && line[i + 2..].chars().next().is_some_and(|n| !n.is_lowercase());
            if ends_sentence {
                push_trimmed(text, start..line_start + i + 1, &mut out);
                start = line_start + i + 1;
            }
        }
        push_trimmed(text, start..line_start + line.len(), &mut out);
        line_start += line.len();
    }
    out
}

/// The character offsets of `passages` (byte ranges of `text`, in order), counted in one pass.
fn char_offsets(text: &str, passages: &[Range<usize>]) -> Vec<Range<usize>> {
    let (mut byte, mut chars) = (0, 0);
    let mut at = |bound: usize| {
        chars += text[byte..bound].chars().count();
        byte = bound;
        chars
    };
    passages.iter().map(|p| at(p.start)..at(p.end)).collect()
}

fn push_trimmed(text: &str, range: Range<usize>, out: &mut Vec<Range<usize>>) {
    let piece = &text[range.clone()];
    let start = range.start + (piece.len() - piece.trim_start().len());
    let end = range.end - (piece.len() - piece.trim_end().len());
    if start < end {
        out.push(start..end);
    }
}

/// The longest prefix of `text` of at most `max_bytes` bytes that ends on a character boundary.
fn prefix_within(text: &str, max_bytes: usize) -> &str {
    &text[..text.floor_char_boundary(max_bytes)]
}

/// `end`, or for a passage longer than a snippet, the last word boundary within [`SNIPPET_CHARS`].
fn cut_at_word(text: &str, start: usize, end: usize) -> usize {
    let Some((limit, _)) = text[start..end].char_indices().nth(SNIPPET_CHARS) else { return end };
    let limit = start + limit;
    text[start..limit].rfind(char::is_whitespace).map_or(limit, |space| start + space)
}

/// Highlight ranges sorted and without overlaps: one word can match several terms (its folded form, its
/// accented form, a syllable pair), and each reports the same range.
pub(crate) fn merged(ranges: &[Range<usize>]) -> Vec<Range<usize>> {
    let mut sorted = ranges.to_vec();
    sorted.sort_by_key(|r| (r.start, r.end));
    let mut out: Vec<Range<usize>> = Vec::with_capacity(sorted.len());
    for range in sorted {
        match out.last_mut() {
            Some(last) if range.start <= last.end => last.end = last.end.max(range.end),
            _ => out.push(range),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn wanted(lang: Lang, query: &str) -> Wanted {
        Wanted::new(lang, analysis::tokens(lang, query).into_iter().map(|t| (t.text, 1.0)))
    }

    #[test]
    fn a_first_sentence_ends_at_its_mark_and_a_long_one_at_a_word() {
        assert_eq!(first_sentence("  Wash hands. Often.", 120), "Wash hands.");
        assert_eq!(first_sentence("Version 2.5 is out! Update now.", 120), "Version 2.5 is out!");
        assert_eq!(first_sentence("Đổi trả trong ba mươi ngày", 12), "Đổi trả…");
    }

    #[test]
    fn pieces_cover_the_text_once_with_overlaps_merged_and_bad_ranges_left_out() {
        // "đơn" and "hàng" touch through 4..6 and merge; 40..41 is past the end.
        let highlights = vec![6..11, 0..5, 4..6, 12..13, 40..41];
        let snippet = Snippet { text: "đơn hàng giao".into(), highlights };
        assert_eq!(snippet.pieces(), vec![("đơn hàng", true), (" ", false), ("g", true), ("iao", false)]);
        // Byte 1 is inside "đ"; 5..5 marks nothing.
        let inside_a_char = Snippet { text: "đơn".into(), highlights: vec![1..2, 5..5] };
        assert_eq!(inside_a_char.pieces(), vec![("đơn", false)]);
        let joined: String = snippet.pieces().into_iter().map(|(piece, _)| piece).collect();
        assert_eq!(joined, snippet.text);
    }

    fn marked(snippet: &Snippet) -> Vec<&str> {
        snippet.highlights.iter().map(|r| &snippet.text[r.clone()]).collect()
    }

    #[test]
    fn a_pair_typed_without_marks_lights_up_the_pair_not_its_look_alikes() {
        let body = "Bảo hành 12 tháng.\nPhí đổi trả bao nhiêu? Miễn phí.";
        let snippet = cut(&wanted(Lang::Vi, "bao nhieu"), body).unwrap();
        assert_eq!(marked(&snippet), ["bao nhiêu"], "{snippet:?}");
        assert!(snippet.text.starts_with("Phí đổi trả"), "starts at its line: {snippet:?}");
    }

    #[test]
    fn a_pair_that_is_not_in_the_text_leaves_its_words_to_light_up() {
        let body = "Giao nhanh 4 giờ có phí riêng; phí hoàn trả miễn phí.";
        let snippet = cut(&wanted(Lang::Vi, "giao nhanh phi"), body).unwrap();
        assert_eq!(marked(&snippet), ["Giao nhanh", "phí", "phí", "phí"]);
    }

    #[test]
    fn a_word_typed_with_marks_lights_up_those_marks() {
        let body = "Đường dây nóng: 1900 1234. Dương lịch và đường phố.";
        let snippet = cut(&wanted(Lang::Vi, "đường"), body).unwrap();
        assert_eq!(marked(&snippet), ["Đường", "đường"]);
        let unaccented = cut(&wanted(Lang::Vi, "duong"), body).unwrap();
        assert_eq!(marked(&unaccented), ["Đường", "Dương", "đường"], "without marks, every spelling");
    }

    #[test]
    fn the_passage_with_most_of_the_query_wins_and_starts_at_a_row() {
        let body = "Phí giao hàng\nĐơn dưới 499.000đ · 30.000đ\nĐơn từ 499.000đ · Miễn phí\n\
                    Giao nhanh 4 giờ có phí riêng. Phí hoàn trả miễn phí với hàng lỗi.";
        let snippet = cut(&wanted(Lang::Vi, "giao nhanh phi"), body).unwrap();
        assert!(snippet.text.starts_with("Giao nhanh 4 giờ"), "{snippet:?}");
        let rows = cut(&wanted(Lang::Vi, "don tu 499.000"), body).unwrap();
        assert!(rows.text.starts_with("Đơn dưới") || rows.text.starts_with("Đơn từ"), "{rows:?}");
        assert!(!rows.text.starts_with("000"), "never mid-number");
    }

    #[test]
    fn a_long_sentence_is_cut_at_a_word_within_the_limit() {
        let body = format!("Refunds {}.", "take five working days ".repeat(20));
        let snippet = cut(&wanted(Lang::En, "refunds"), &body).unwrap();
        assert!(snippet.text.chars().count() <= SNIPPET_CHARS, "{snippet:?}");
        assert!(body.starts_with(&snippet.text), "{snippet:?}");
        assert!(body[snippet.text.len()..].starts_with(' '), "cut between words: {snippet:?}");
        assert_eq!(marked(&snippet), ["Refunds"]);
    }

    #[test]
    fn the_analysed_prefix_never_splits_a_character() {
        assert_eq!(prefix_within("đổi trả", 100), "đổi trả");
        // "đ" is 2 bytes and "ổ" 3: a cut at byte 3 or 4 falls back to the end of "đ".
        assert_eq!(prefix_within("đổi trả", 3), "đ");
        assert_eq!(prefix_within("đổi trả", 4), "đ");
        assert_eq!(prefix_within("đổi trả", 5), "đổ");
        assert_eq!(prefix_within("abc", 0), "");
    }

    #[test]
    fn no_match_no_snippet() {
        assert!(cut(&wanted(Lang::En, "warranty"), "Refunds take five days.").is_none());
        assert!(passages("  \n \n").is_empty());
    }
}
