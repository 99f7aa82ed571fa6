//! Which language a query is written in, from its text alone: a visitor on the Vietnamese page who types
//! English should get the English article first, and the other way round.
//!
//! It has to be cheap (it runs on every keystroke, before any index is fetched), so it reads the words,
//! not the indexes:
//! - a tone or vowel mark, or đ, is Vietnamese;
//! - a word that cannot be one Vietnamese syllable (its letters do not split into an initial consonant,
//!   a vowel group and a final consonant Vietnamese allows: "month", "account", "window") is English, and
//!   so are common English words that happen to be valid syllables ("can", "do", "by");
//! - a valid syllable, or a chat abbreviation ("ko", "dc", see `chat`), leans Vietnamese.
//!
//! Unaccented Vietnamese is made of valid syllables, with the odd loanword ("phí ship"); English has few
//! sentences without a word Vietnamese cannot spell. The verdict needs a clear majority, else it is left
//! to the page's language.

use super::chat::is_chat_abbreviation;
use super::fold::fold_word;
use crate::Lang;

/// Initial consonants, longest first so "ngh" is tried before "ng" and "n".
const ONSETS: &[&str] = &[
    "ngh", "ng", "nh", "ch", "gh", "gi", "kh", "ph", "qu", "th", "tr", "b", "c", "d", "g", "h", "k", "l",
    "m", "n", "p", "r", "s", "t", "v", "x", "",
];

/// Vowel groups once the marks are gone (ươ → uo, iê → ie, …).
const VOWELS: &[&str] = &[
    "a", "ai", "ao", "au", "ay", "e", "eo", "eu", "i", "ia", "ie", "ieu", "iu", "o", "oa", "oai", "oao",
    "oay", "oe", "oeo", "oi", "oo", "u", "ua", "uay", "ue", "ui", "uo", "uoi", "uou", "uu", "uy", "uya",
    "uye", "uyu", "y", "ye", "yeu",
];

/// Final consonants.
const CODAS: &[&str] = &["", "c", "ch", "m", "n", "ng", "nh", "p", "t"];

/// Common English words that are also valid Vietnamese syllables without marks: alone they prove
/// nothing, but "can i pay by" is not Vietnamese.
const ENGLISH_SYLLABLES: &[&str] = &[
    "a", "an", "am", "at", "be", "by", "can", "do", "go", "he", "hi", "i", "in", "is", "it", "me", "my",
    "no", "not", "on", "or", "so", "to", "up", "us", "we", "ye", "yet", "get", "got", "let", "set", "pay",
    "pin", "sim", "top", "ship", "shop", "cod",
];

/// Whether a folded, lower-case ASCII word is one Vietnamese syllable.
fn is_syllable(word: &str) -> bool {
    ONSETS.iter().filter(|onset| word.starts_with(**onset)).any(|onset| {
        let rest = &word[onset.len()..];
        VOWELS.iter().filter(|vowels| rest.starts_with(**vowels)).any(|vowels| {
            let coda = &rest[vowels.len()..];
            CODAS.contains(&coda)
        })
    })
}

/// The language `text` is written in, when its words say so clearly; `None` when they do not (a single
/// ambiguous word, numbers, a product code), and the page's language should stand.
pub fn language_of(text: &str) -> Option<Lang> {
    let (mut vietnamese, mut english) = (0usize, 0usize);
    let mut folded = String::new();
    for word in text.split(|c: char| !c.is_alphanumeric() && c != '\'').filter(|w| !w.is_empty()) {
        fold_word(word, &mut folded);
        if folded.chars().any(|c| c.is_ascii_digit()) || folded.is_empty() {
            continue;
        }
        if folded != word.to_lowercase() && !word.is_ascii() {
            // Marks, or đ: only Vietnamese is written so here.
            return Some(Lang::Vi);
        }
        let folded = folded.trim_end_matches("'s").replace('\'', "");
        if is_chat_abbreviation(&folded) {
            vietnamese += 1;
        } else if ENGLISH_SYLLABLES.contains(&folded.as_str()) || !is_syllable(&folded) {
            english += 1;
        } else {
            vietnamese += 1;
        }
    }
    if english >= 2 && english >= 2 * vietnamese {
        Some(Lang::En)
    } else if vietnamese >= 2 && vietnamese >= 2 * english {
        Some(Lang::Vi)
    } else {
        None
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn syllables_are_told_from_english_words() {
        for word in ["nghieng", "khuyen", "chinh", "sach", "doi", "tra", "giao", "hang", "quyen", "oan", "y"]
        {
            assert!(is_syllable(word), "{word}");
        }
        for word in ["month", "account", "window", "refund", "each", "how", "make", "return", "email"] {
            assert!(!is_syllable(word), "{word}");
        }
    }

    #[test]
    fn queries_in_either_language() {
        for english in [
            "how do i make an account",
            "can i pay bit by bit each month",
            "return window",
            "rush delivery",
            "where's my stuff",
            "is my laptop still covered",
            "missed the delivery guy, will he come back",
        ] {
            assert_eq!(language_of(english), Some(Lang::En), "{english}");
        }
        for vietnamese in [
            "chính sách đổi trả",
            "chinh sach doi tra",
            "vua dat xong doi y khong mua nua",
            "phi ship bao nhieu",
            "ko nhan dc hang",
            "shop nhan ck ko",
            "the atm bi tru tien",
        ] {
            assert_eq!(language_of(vietnamese), Some(Lang::Vi), "{vietnamese}");
        }
        // "can" and "do" are English and Vietnamese (cần, đó): not enough to say.
        for unclear in ["cod", "SM-A546E", "iphone 15", "", "cty can xuat hd do"] {
            assert_eq!(language_of(unclear), None, "{unclear}");
        }
    }
}
