//! Accent folding: the normal form every term is stored and searched in.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Lower-cases `word` and removes its diacritics into `out` (which is cleared first).
///
/// Decomposing (NFD) and dropping combining marks removes Vietnamese tone and vowel marks
/// (ế → e, ư → u). Unicode does not decompose đ, so it is mapped to d by hand.
pub fn fold_word(word: &str, out: &mut String) {
    out.clear();
    if word.is_ascii() {
        out.push_str(word);
        out.make_ascii_lowercase();
        return;
    }
    for c in word.chars().flat_map(char::to_lowercase).nfd() {
        match c {
            'đ' => out.push('d'),
            c if is_combining_mark(c) => {}
            c => out.push(c),
        }
    }
}

/// The words of `text` (runs of letters and digits), each folded by [`fold_word`]: what a plain word
/// search over chat text compares, in chat-server's database and in the agent console alike. The words
/// hold only letters and digits, so they go into a SQL `LIKE` pattern without escaping.
pub fn folded_words(text: &str) -> Vec<String> {
    let mut folded = String::new();
    // Combining marks belong to their word: decomposed (NFD) text must not split at every tone mark.
    text.split(|c: char| !c.is_alphanumeric() && !is_combining_mark(c))
        .filter(|word| !word.is_empty())
        .filter_map(|word| {
            fold_word(word, &mut folded);
            // A run of combining marks alone folds to nothing, and "" would match every word.
            (!folded.is_empty()).then(|| folded.clone())
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn folded(word: &str) -> String {
        let mut out = String::new();
        fold_word(word, &mut out);
        out
    }

    #[test]
    fn folds_every_vietnamese_vowel_and_d() {
        assert_eq!(folded("Đường"), "duong");
        assert_eq!(folded("dương"), "duong");
        assert_eq!(folded("NGHIÊNG"), "nghieng");
        assert_eq!(folded("ỷ"), "y");
        assert_eq!(folded("Ơ"), "o");
    }

    #[test]
    fn leaves_ascii_and_digits_alone() {
        assert_eq!(folded("SM-1234"), "sm-1234");
        assert_eq!(folded("café"), "cafe");
    }

    #[test]
    fn folded_words_split_on_anything_but_letters_and_digits() {
        assert_eq!(folded_words("Đổi trả, ko đc?"), ["doi", "tra", "ko", "dc"]);
        assert_eq!(folded_words("lan@shop.vn 0912-345"), ["lan", "shop", "vn", "0912", "345"]);
        assert!(folded_words(" %_ ").is_empty(), "LIKE's wildcards are never part of a word");
        assert_eq!(folded_words("đổi trả".nfd().collect::<String>().as_str()), ["doi", "tra"]);
        assert!(folded_words("\u{301} \u{300}\u{303}").is_empty(), "marks alone are no word");
    }
}
