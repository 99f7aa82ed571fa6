//! Text analysis: the one place that decides how text becomes index terms.
//!
//! The builder (native) and the widget (wasm32) both call [`analyzer`], so a query typed in the browser
//! is cut and normalised exactly as the articles were when the index was built.

mod chat;
mod fold;
mod language;
mod stem;
mod stopwords;
mod words;

use tantivy::tokenizer::{RemoveLongFilter, StopWordFilter, TextAnalyzer, TokenizerManager};

pub use chat::spell_out_chat;
pub use fold::{fold_word, folded_words};
pub use language::language_of;
pub use stopwords::is_vietnamese_stopword;
pub use words::WordTokenizer;

use crate::Lang;

/// Terms longer than this many bytes are dropped (base64 blobs, URLs glued together).
const MAX_TERM_BYTES: usize = 64;

/// Lucene's English stopwords (`EnglishAnalyzer`), the list tantivy's
/// `StopWordFilter::new(Language::English)` gives. Kept here so the widget does not link tantivy's lists for
/// every other language.
const ENGLISH_STOPWORDS: &[&str] = &[
    "a", "an", "and", "are", "as", "at", "be", "but", "by", "for", "if", "in", "into", "is", "it", "no",
    "not", "of", "on", "or", "such", "that", "the", "their", "then", "there", "these", "they", "this", "to",
    "was", "will", "with",
];

/// The tokenizer name registered in the index for a language's text fields.
pub fn tokenizer_name(lang: Lang) -> &'static str {
    match lang {
        Lang::Vi => "answerdesk_vi",
        Lang::En => "answerdesk_en",
    }
}

/// The analyzer for one language.
///
/// - Vietnamese: words, lower-cased, tone marks and other diacritics removed, đ → d, so "chinh sach doi tra"
///   meets "chính sách đổi trả"; each accented word is also kept as written, so "đường" typed with marks
///   ranks "đường" above "dương"; neighbouring syllables also form a pair term ("don hang"), so
///   multi-syllable words count as units.
/// - English: the same folding, then Lucene's English stopwords and the Snowball English stemmer.
pub fn analyzer(lang: Lang) -> TextAnalyzer {
    match lang {
        Lang::Vi => TextAnalyzer::builder(WordTokenizer::keeping_accents())
            .filter(RemoveLongFilter::limit(MAX_TERM_BYTES))
            .build(),
        Lang::En => TextAnalyzer::builder(WordTokenizer::default())
            .filter(RemoveLongFilter::limit(MAX_TERM_BYTES))
            .filter(StopWordFilter::remove(ENGLISH_STOPWORDS.iter().map(|&word| word.to_owned())))
            .filter(stem::EnglishStemmer)
            .build(),
    }
}

/// Registers every language's analyzer under its [`tokenizer_name`].
pub fn register(tokenizers: &TokenizerManager) {
    for lang in Lang::ALL {
        tokenizers.register(tokenizer_name(lang), analyzer(lang));
    }
}

thread_local! {
    // Built once per thread: queries run on every keystroke, analyzers hold stopword sets and stemmers.
    static ANALYZERS: std::cell::RefCell<Vec<(Lang, TextAnalyzer)>> =
        std::cell::RefCell::new(Lang::ALL.iter().map(|&lang| (lang, analyzer(lang))).collect());
}

/// The terms `text` becomes in `lang`, in order. Used for query building and tests.
pub fn terms(lang: Lang, text: &str) -> Vec<String> {
    tokens(lang, text).into_iter().map(|t| t.text).collect()
}

/// What an index term stands for.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum TermKind {
    /// A word in its searchable form (folded; stemmed in English).
    Word,
    /// The same word as written with its marks (Vietnamese), at the same position as its [`TermKind::Word`].
    Accented,
    /// Two neighbouring syllables (Vietnamese), at the second one's position.
    Pair,
    /// A product code or number kept whole (`sm-a546e`, `300.000`), at its first part's position.
    Code,
}

/// One term of an analyzed text.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct AnalyzedTerm {
    /// The term as stored in the index.
    pub text: String,
    /// Position of the word it comes from (stopwords removed in English leave gaps).
    pub position: usize,
    /// What it stands for.
    pub kind: TermKind,
    /// Byte range of the word(s) in the analyzed text.
    pub offsets: std::ops::Range<usize>,
}

/// The terms of `text` in `lang`, in order, with their positions and kinds.
pub fn tokens(lang: Lang, text: &str) -> Vec<AnalyzedTerm> {
    let mut out: Vec<AnalyzedTerm> = Vec::new();
    each_token(lang, text, |term, kind, position, offsets| {
        out.push(AnalyzedTerm { text: term.to_string(), position, kind, offsets });
    });
    out
}

/// Calls `each` with every term of `text` in `lang`, in order: what [`tokens`] collects, without
/// allocating a string per term (snippets analyse long bodies on every keystroke). `each` must not analyse
/// text itself: the analyzer is borrowed while it runs.
pub fn each_token(
    lang: Lang,
    text: &str,
    mut each: impl FnMut(&str, TermKind, usize, std::ops::Range<usize>),
) {
    ANALYZERS.with_borrow_mut(|analyzers| {
        let (_, analyzer) =
            analyzers.iter_mut().find(|(l, _)| *l == lang).expect("every language has an analyzer");
        let mut stream = analyzer.token_stream(text);
        let mut last_position = None;
        while stream.advance() {
            let token = stream.token();
            let kind = if token.text.contains(' ') {
                TermKind::Pair
            } else if token.text.contains(['-', '.', '/']) {
                TermKind::Code
            } else if last_position == Some(token.position) {
                TermKind::Accented
            } else {
                TermKind::Word
            };
            last_position = Some(token.position);
            each(&token.text, kind, token.position, token.offset_from..token.offset_to);
        }
    });
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn vietnamese_matches_without_tone_marks_and_with_plain_d() {
        let accented = terms(Lang::Vi, "Chính sách ĐỔI TRẢ");
        let plain = terms(Lang::Vi, "chinh sach doi tra");
        assert_eq!(plain, ["chinh", "sach", "chinh sach", "doi", "sach doi", "tra", "doi tra"]);
        assert!(plain.iter().all(|t| accented.contains(t)), "every unaccented term meets the accented text");
        assert_eq!(terms(Lang::Vi, "đơn hàng"), ["don", "đơn", "hang", "hàng", "don hang"]);
        assert_eq!(
            terms(Lang::Vi, "đơn, hàng"),
            ["don", "đơn", "hang", "hàng"],
            "no pair across punctuation"
        );
    }

    #[test]
    fn decomposed_input_equals_precomposed() {
        // "hoàn tiền" typed with combining marks (NFD), as some macOS and Windows keyboards send it.
        let nfd = "hoa\u{300}n tie\u{302}\u{300}n";
        assert_eq!(terms(Lang::Vi, nfd), terms(Lang::Vi, "hoàn tiền"));
        assert_eq!(terms(Lang::Vi, nfd), ["hoan", "hoàn", "tien", "tiền", "hoan tien"]);
    }

    #[test]
    fn english_stems_and_drops_stopwords() {
        assert_eq!(terms(Lang::En, "The refunds are processing"), ["refund", "process"]);
        assert_eq!(terms(Lang::En, "customer's orders"), ["custom", "order"]);
    }

    #[test]
    fn old_and_new_tone_placement_meet_on_the_folded_form() {
        // "hủy" (mark on u) and "huỷ" (mark on y) are the same word in two spelling conventions.
        let old = terms(Lang::Vi, "hủy đơn");
        let new = terms(Lang::Vi, "huỷ đơn");
        assert!(old.contains(&"huy".into()) && new.contains(&"huy".into()));
        assert!(old.contains(&"huy don".into()) && new.contains(&"huy don".into()));
        assert_eq!(terms(Lang::Vi, "ĐƠN HÀNG"), terms(Lang::Vi, "đơn hàng"), "capitals keep their marks");
    }

    #[test]
    fn vietnamese_terms_say_what_they_are() {
        let kinds: Vec<(String, TermKind, usize)> =
            tokens(Lang::Vi, "Đơn hàng SM-A546E").into_iter().map(|t| (t.text, t.kind, t.position)).collect();
        assert_eq!(
            kinds,
            [
                ("don".into(), TermKind::Word, 0),
                ("đơn".into(), TermKind::Accented, 0),
                ("hang".into(), TermKind::Word, 1),
                ("hàng".into(), TermKind::Accented, 1),
                ("don hang".into(), TermKind::Pair, 1),
                ("sm".into(), TermKind::Word, 2),
                ("hang sm".into(), TermKind::Pair, 2),
                ("sm-a546e".into(), TermKind::Code, 2),
                ("a546e".into(), TermKind::Word, 3),
            ]
        );
    }

    #[test]
    fn english_keeps_numbers_and_codes_and_drops_possessives() {
        assert_eq!(terms(Lang::En, "COVID-19 vaccines"), ["covid", "covid-19", "19", "vaccin"]);
        assert_eq!(terms(Lang::En, "the customer\u{2019}s 2 orders"), ["custom", "2", "order"]);
        assert_eq!(
            terms(Lang::En, "I don't have 300.000 VND"),
            ["i", "dont", "have", "300", "300.000", "000", "vnd"]
        );
    }

    #[test]
    fn punctuation_is_just_a_separator() {
        assert_eq!(terms(Lang::En, "\"return\" -policy? (title:x)"), ["return", "polici", "titl", "x"]);
    }

    #[test]
    fn english_equals_tantivys_stopwords_and_stemmer() {
        // Our stopword list and stemmer filter stand in for tantivy's: every English article must still
        // analyze to the same terms at the same positions.
        use tantivy::tokenizer::{Language, Stemmer};
        let mut tantivys = TextAnalyzer::builder(WordTokenizer::default())
            .filter(RemoveLongFilter::limit(MAX_TERM_BYTES))
            .filter(StopWordFilter::new(Language::English).expect("tantivy ships English stopwords"))
            .filter(Stemmer::new(Language::English))
            .build();
        let content = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../content/en");
        let mut pending = vec![content];
        let mut articles = 0;
        while let Some(dir) = pending.pop() {
            for entry in std::fs::read_dir(dir).expect("content/en is readable") {
                let path = entry.expect("content/en is readable").path();
                if path.is_dir() {
                    pending.push(path);
                    continue;
                }
                let text = std::fs::read_to_string(&path).expect("articles are UTF-8");
                let mut expected = Vec::new();
                let mut stream = tantivys.token_stream(&text);
                while stream.advance() {
                    expected.push((stream.token().text.clone(), stream.token().position));
                }
                let ours: Vec<_> =
                    tokens(Lang::En, &text).into_iter().map(|t| (t.text, t.position)).collect();
                assert_eq!(ours, expected, "{}", path.display());
                articles += 1;
            }
        }
        assert!(articles > 10, "only {articles} English articles found");
    }
}
