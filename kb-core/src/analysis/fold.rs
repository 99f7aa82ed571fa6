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
}
