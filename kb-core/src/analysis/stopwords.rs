//! Vietnamese function words: syllables that say how a question is asked, not what it is about.
//!
//! They are never removed from the index: positions and syllable pairs stay intact, so "không nhận được"
//! (did not receive) and "bao lâu" (how long) still count as units. Only at query time does a function word
//! on its own stop being a search term (see `query`), the way Lucene's common-grams keep "not happy" while
//! dropping "not".
//!
//! The list is deliberately short: greetings, pronouns, particles, copulas, prepositions and conjunctions.
//! "không" and "chưa" are in it as the question particles they mostly are ("có ... không?"); as negations
//! they still count through their pairs ("không nhận"). Question words with content (lâu, nhiêu, đâu),
//! numbers and every noun or verb that can carry a topic (tiền, hàng, trả, nhận, tiêm, ...) are not in it.

use std::collections::HashSet;
use std::sync::OnceLock;

use super::fold_word;

/// Written with their marks, lower case.
const VIETNAMESE: &[&str] = &[
    // pronouns and forms of address
    "tôi", "tớ", "mình", "em", "anh", "chị", "bạn", "chúng", "ta", "họ", "nó", "ông", "bà", "cô", "chú",
    "bác", "cháu", "con", "các", "những", "mọi", "ai", // greetings and politeness
    "chào", "xin", "thưa", "ạ", "ơi", "nhé", "nhỉ", "nha", "vâng", "dạ", "cảm", "ơn", "giúp", "hỏi",
    // particles and copulas
    "là", "thì", "mà", "có", "được", "bị", "không", "chưa", "đã", "đang", "sẽ", "rồi", "vẫn", "cũng", "lại",
    "vậy", "thế", "à", "ư", "hả", "chứ", "đấy", "đó", "này", "kia", "nào", "gì", "sao", "hay", "hoặc", "và",
    "với", "cùng", "nhưng", "nếu", "vì", "nên", "do", "bởi", "rằng", "thể", "cái", "chiếc", "một", "mỗi",
    "rất", "quá", "lắm", "nhiều", "ít", "hơn", "nhất", // prepositions
    "của", "cho", "để", "trong", "ngoài", "trên", "dưới", "khi", "lúc", "tại", "ở", "từ", "đến", "tới", "về",
    "như", "theo", "vào", "ra", "lên", "xuống", "qua", "sau", "trước",
];

fn sets() -> &'static (HashSet<&'static str>, HashSet<String>) {
    static SETS: OnceLock<(HashSet<&'static str>, HashSet<String>)> = OnceLock::new();
    SETS.get_or_init(|| {
        let accented = VIETNAMESE.iter().copied().collect();
        let mut folded = String::new();
        let plain = VIETNAMESE
            .iter()
            .map(|w| {
                fold_word(w, &mut folded);
                folded.clone()
            })
            .collect();
        (accented, plain)
    })
}

/// Whether a Vietnamese word is a function word. `accented` is the word as written (lower case, NFC) when it
/// had marks, `folded` its folded form. A word typed with marks is judged by them ("có" is, "cổ" is not);
/// one typed without marks cannot be told apart, so it is a function word if any marked spelling is.
pub fn is_vietnamese_stopword(folded: &str, accented: Option<&str>) -> bool {
    let (accented_set, plain_set) = sets();
    match accented {
        Some(word) => accented_set.contains(word),
        None => plain_set.contains(folded),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn marks_decide_when_present() {
        assert!(is_vietnamese_stopword("co", Some("có")));
        assert!(!is_vietnamese_stopword("co", Some("cổ")), "cổ (neck) carries meaning");
        assert!(is_vietnamese_stopword("co", None), "unaccented: could be có");
        assert!(!is_vietnamese_stopword("tien", Some("tiền")));
        assert!(!is_vietnamese_stopword("lau", Some("lâu")), "bao lâu: how long");
        assert!(!is_vietnamese_stopword("nhan", None));
    }
}
