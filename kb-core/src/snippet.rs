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

use std::collections::{HashMap, HashSet};
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
    /// HTML with `<mark>` around highlights and everything else escaped.
    pub fn to_html(&self) -> String {
        let mut html = String::with_capacity(self.text.len() + 16 * self.highlights.len());
        let mut at = 0;
        // Search returns sorted, disjoint ranges on character boundaries; a hand-made snippet that does
        // not is rendered without its bad ranges rather than panicking.
        for range in merged(&self.highlights) {
            let (Some(before), Some(marked)) = (self.text.get(at..range.start), self.text.get(range.clone()))
            else {
                continue;
            };
            escape_html(before, &mut html);
            html.push_str("<mark>");
            escape_html(marked, &mut html);
            html.push_str("</mark>");
            at = range.end;
        }
        escape_html(&self.text[at..], &mut html);
        html
    }
}

/// Appends `text` to `out` with `&`, `<`, `>`, `"` and `'` escaped, so it is safe in HTML text and attributes.
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
    /// their weights (rarer counts more).
    terms: HashMap<String, f32>,
    /// Folded words the query typed with marks: only those marks (or none) light up.
    typed_with_marks: HashSet<String>,
}

impl Wanted {
    /// The terms a search's plan reads in the body, with their weights.
    pub(crate) fn new(lang: Lang, terms: impl IntoIterator<Item = (String, f32)>) -> Self {
        let terms: HashMap<String, f32> = terms.into_iter().collect();
        let mut folded = String::new();
        let mut typed_with_marks = HashSet::new();
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

    /// The ranges of `text` that matched, each with the term it counts as.
    fn matches(&self, text: &str) -> Vec<(Range<usize>, &str)> {
        let Some(lang) = self.lang else { return Vec::new() };
        let tokens = analysis::tokens(lang, text);
        // How each word is written where it is: its accented form, or itself when it has no marks.
        let written = |i: usize| -> &str {
            let word = &tokens[i];
            tokens[i + 1..]
                .iter()
                .take_while(|t| t.position == word.position)
                .find(|t| t.kind == TermKind::Accented)
                .map_or(word.text.as_str(), |t| t.text.as_str())
        };
        // The word token at each position (a pair names its second word's position).
        let word_at: HashMap<usize, usize> = (0..tokens.len())
            .filter(|&i| tokens[i].kind == TermKind::Word)
            .map(|i| (tokens[i].position, i))
            .collect();
        let word_at = |position: usize| word_at.get(&position).copied();
        // Where a pair of the query matched, the spelling of its syllables says which word was meant.
        let mut meant: HashMap<&str, HashSet<&str>> = HashMap::new();
        let mut found: Vec<(Range<usize>, &str)> = Vec::new();
        for token in tokens.iter().filter(|t| t.kind == TermKind::Pair) {
            let Some((term, _)) = self.terms.get_key_value(token.text.as_str()) else { continue };
            let (Some(first), Some(second)) = (word_at(token.position - 1), word_at(token.position)) else {
                continue;
            };
            for i in [first, second] {
                meant.entry(tokens[i].text.as_str()).or_default().insert(written(i));
            }
            found.push((tokens[first].offsets.start..token.offsets.end, term));
        }
        for (i, token) in tokens.iter().enumerate() {
            let Some((term, _)) = self.terms.get_key_value(token.text.as_str()) else { continue };
            let exact = match token.kind {
                TermKind::Code => true,
                TermKind::Pair | TermKind::Accented => continue,
                // Typed with marks: these marks, or a text written without any.
                TermKind::Word if self.typed_with_marks.contains(&token.text) => {
                    written(i) == token.text || self.terms.contains_key(written(i))
                }
                // Typed without marks, in a pair that matched here: the spelling the pair had.
                TermKind::Word => {
                    meant.get(token.text.as_str()).is_none_or(|spellings| spellings.contains(written(i)))
                }
            };
            if exact {
                found.push((token.offsets.clone(), term));
            }
        }
        found
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
    let covers = |window: &Range<usize>| -> f32 {
        let mut covered: Vec<&str> = matches
            .iter()
            .filter(|(range, _)| window.start <= range.start && range.end <= window.end)
            .map(|(_, term)| *term)
            .collect();
        covered.sort_unstable();
        covered.dedup();
        covered.iter().map(|term| wanted.terms[*term]).sum()
    };
    // The most of the query in the snippet, then in its first passage (it starts where the answer does).
    let mut best: Option<((f32, f32), Range<usize>)> = None;
    for (i, first) in passages.iter().enumerate() {
        let mut end = first.end;
        for next in &passages[i + 1..] {
            if body[first.start..next.end].chars().count() > SNIPPET_CHARS {
                break;
            }
            end = next.end;
        }
        let window = first.start..cut_at_word(body, first.start, end);
        let score = (covers(&window), covers(&(first.start..first.end.min(window.end))));
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
        let bytes = line.as_bytes();
        for (i, c) in line.char_indices() {
            let ends_sentence = matches!(c, '.' | '?' | '!' | ';')
                && bytes.get(i + 1).is_some_and(|b| *b == b' ')
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
