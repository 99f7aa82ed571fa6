//! Splitting text into words, with offsets into the original text so snippets highlight what was written.

use tantivy::tokenizer::{Token, TokenStream, Tokenizer};
use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

use super::fold::fold_word;

/// Splits on anything that is not a letter, digit or combining mark, and folds each word
/// with [`fold_word`]. Apostrophes inside a word are kept together (don't, customer's) and a
/// trailing possessive `'s` is dropped.
///
/// Combining marks count as part of a word so that decomposed (NFD) input stays one word.
///
/// Product codes and numbers written with inner `-`, `.` or `/` (SM-A546E, 300.000, v2.1) are also emitted
/// whole, at their first word's position, when they contain a digit: "sm-a546e" matches only that code,
/// while its parts still match on their own.
///
/// With [`WordTokenizer::keeping_accents`], a word whose accented form differs from its folded form is
/// emitted twice at the same position: folded (so unaccented queries match) and accented, lower-cased and
/// NFC (so a query typed with marks scores higher on the words it spelled exactly).
#[derive(Clone, Default, Debug)]
pub struct WordTokenizer {
    token: Token,
    folded: String,
    keep_accents: bool,
}

// Vietnamese words are written as separate syllables ("đơn hàng", "hoàn tiền"); the tokenizer also emits
// each pair of neighbouring folded syllables, so a query that has the pair ranks a text that has the pair
// above one that only has both syllables somewhere.

impl WordTokenizer {
    /// A tokenizer that also emits the accented form of each word (Vietnamese: dương ≠ đường).
    pub fn keeping_accents() -> Self {
        WordTokenizer { keep_accents: true, ..Default::default() }
    }
}

/// The words of one text.
#[derive(Debug)]
pub struct WordStream<'a> {
    text: &'a str,
    cursor: usize,
    token: &'a mut Token,
    folded: &'a mut String,
    keep_accents: bool,
    /// Extra terms still to emit at the current position (accented form, syllable pair), last first.
    pending: Vec<String>,
    /// The previous word's folded form, for the syllable pair.
    previous: String,
    /// Where the previous word ended: a pair only forms across plain spaces, not punctuation.
    previous_end: usize,
    /// End of the last code emitted whole: its later parts do not start another one.
    compound_end: usize,
}

impl Tokenizer for WordTokenizer {
    type TokenStream<'a> = WordStream<'a>;

    fn token_stream<'a>(&'a mut self, text: &'a str) -> WordStream<'a> {
        self.token.reset();
        WordStream {
            text,
            cursor: 0,
            token: &mut self.token,
            folded: &mut self.folded,
            keep_accents: self.keep_accents,
            pending: Vec::new(),
            previous: String::new(),
            previous_end: 0,
            compound_end: 0,
        }
    }
}

fn is_word_char(c: char) -> bool {
    c.is_alphanumeric() || is_combining_mark(c)
}

fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '\u{2019}'
}

/// Characters that join the parts of a product code or a number.
fn is_joiner(c: char) -> bool {
    matches!(c, '-' | '.' | '/')
}

impl WordStream<'_> {
    /// End of the code that starts with the word `start..end`: parts joined by single [`is_joiner`]s.
    /// `None` unless there are two parts or more and a digit among them.
    fn compound(&self, start: usize, end: usize) -> Option<usize> {
        let mut at = end;
        loop {
            let mut rest = self.text[at..].chars();
            match (rest.next(), rest.next()) {
                (Some(joiner), Some(next)) if is_joiner(joiner) && next.is_alphanumeric() => {
                    let part = at + joiner.len_utf8();
                    at = self.text[part..]
                        .find(|c: char| !is_word_char(c))
                        .map_or(self.text.len(), |i| part + i);
                }
                _ => break,
            }
        }
        let whole = &self.text[start..at];
        (at > end && whole.chars().any(|c| c.is_ascii_digit())).then_some(at)
    }

    /// Byte range of the next word at or after `self.cursor`.
    fn next_word(&mut self) -> Option<(usize, usize)> {
        let rest = &self.text[self.cursor..];
        let start = self.cursor + rest.find(is_word_char)?;
        let mut end = start;
        let mut chars = self.text[start..].char_indices().peekable();
        while let Some((i, c)) = chars.next() {
            if is_word_char(c) {
                end = start + i + c.len_utf8();
            } else if is_apostrophe(c) && chars.peek().is_some_and(|&(_, next)| next.is_alphanumeric()) {
                continue;
            } else {
                break;
            }
        }
        self.cursor = end;
        Some((start, end))
    }
}

impl TokenStream for WordStream<'_> {
    fn advance(&mut self) -> bool {
        if let Some(extra) = self.pending.pop() {
            self.token.text = extra;
            return true;
        }
        let Some((start, end)) = self.next_word() else {
            return false;
        };
        let word = &self.text[start..end];
        fold_word(word, self.folded);
        if let Some(stem) = self.folded.strip_suffix("'s").or_else(|| self.folded.strip_suffix("\u{2019}s")) {
            let len = stem.len();
            self.folded.truncate(len);
        }
        self.folded.retain(|c| !is_apostrophe(c));

        self.token.text.clear();
        self.token.text.push_str(self.folded);
        self.token.offset_from = start;
        self.token.offset_to = end;
        self.token.position = self.token.position.wrapping_add(1);
        if start >= self.compound_end
            && let Some(compound_end) = self.compound(start, end)
        {
            self.compound_end = compound_end;
            let mut code = String::new();
            fold_word(&self.text[start..compound_end], &mut code);
            self.pending.push(code);
        }
        if self.keep_accents {
            let adjacent = self.text[self.previous_end..start].chars().all(char::is_whitespace);
            if adjacent && !self.previous.is_empty() {
                self.pending.push(format!("{} {}", self.previous, self.folded));
            }
            if !word.is_ascii() {
                let accented: String = word.chars().flat_map(char::to_lowercase).nfc().collect();
                if accented != *self.folded {
                    self.pending.push(accented);
                }
            }
            self.previous.clone_from(self.folded);
            self.previous_end = end;
        }
        true
    }

    fn token(&self) -> &Token {
        self.token
    }

    fn token_mut(&mut self) -> &mut Token {
        self.token
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(text: &str) -> Vec<(String, usize, usize, usize)> {
        let mut tokenizer = WordTokenizer::default();
        let mut stream = tokenizer.token_stream(text);
        let mut out = Vec::new();
        while stream.advance() {
            let t = stream.token();
            out.push((t.text.clone(), t.offset_from, t.offset_to, t.position));
        }
        out
    }

    #[test]
    fn offsets_point_into_the_original_text() {
        let text = "Đổi trả: 30 ngày!";
        let got = words(text);
        assert_eq!(got.iter().map(|w| &text[w.1..w.2]).collect::<Vec<_>>(), ["Đổi", "trả", "30", "ngày"]);
        assert_eq!(got.iter().map(|w| w.3).collect::<Vec<_>>(), [0, 1, 2, 3]);
    }

    #[test]
    fn apostrophes_and_possessives() {
        let got: Vec<String> = words("don't the customer’s 'quoted'").into_iter().map(|w| w.0).collect();
        assert_eq!(got, ["dont", "the", "customer", "quoted"]);
    }

    #[test]
    fn accented_form_follows_the_folded_one_at_the_same_position() {
        let mut tokenizer = WordTokenizer::keeping_accents();
        let mut stream = tokenizer.token_stream("Đường ABC");
        let mut got = Vec::new();
        while stream.advance() {
            got.push((stream.token().text.clone(), stream.token().position));
        }
        assert_eq!(
            got,
            [("duong".into(), 0), ("đường".into(), 0), ("abc".into(), 1), ("duong abc".into(), 1)]
        );
    }

    #[test]
    fn codes_and_numbers_are_also_kept_whole() {
        let got: Vec<String> =
            words("Model SM-A546E, 300.000đ, v2.1 and e-mail").into_iter().map(|w| w.0).collect();
        assert_eq!(
            got,
            [
                "model", "sm", "sm-a546e", "a546e", "300", "300.000d", "000d", "v2", "v2.1", "1", "and", "e",
                "mail"
            ],
            "no digit, no code: e-mail is two words"
        );
    }

    #[test]
    fn empty_and_punctuation_only() {
        assert!(words("").is_empty());
        assert!(words(" ?-:\"' ").is_empty());
    }
}
