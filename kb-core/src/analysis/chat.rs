//! How visitors type in a chat box, spelled out before a query is analysed: Vietnamese chat abbreviations
//! ("ko dc" → không được, "tk" → tài khoản).
//!
//! Only queries are spelled out, never articles: editors write words in full, and an abbreviation in an
//! article (a unit, a model name) must stay what it is. The list keeps to abbreviations with one reading in
//! a shop's support chat; the ones with two common readings are left out, because a wrong expansion adds a
//! topic the visitor never asked about: "hd" (hóa đơn or hướng dẫn), "bn" (bao nhiêu or bạn), "tt" (thanh
//! toán or thông tin), "đk" (điều kiện or đăng ký), "hong" (không, or hỏng without its marks).

use std::borrow::Cow;

use crate::Lang;

/// Abbreviation (lower case, as typed, marks included) → the words it stands for, folded (the query
/// analyser folds anyway, and a spelled-out word must not earn the bonus for accents typed exactly).
const VIETNAMESE: &[(&str, &str)] = &[
    // không
    ("k", "khong"),
    ("ko", "khong"),
    ("khg", "khong"),
    ("hok", "khong"),
    ("hông", "khong"),
    ("khum", "khong"),
    ("kô", "khong"),
    // được
    ("dc", "duoc"),
    ("đc", "duoc"),
    ("đươc", "duoc"),
    // shop words
    ("tk", "tai khoan"),
    ("stk", "so tai khoan"),
    ("sp", "san pham"),
    ("mk", "mat khau"),
    ("dh", "don hang"),
    ("đh", "don hang"),
    ("bh", "bao hanh"),
    ("dt", "dien thoai"),
    ("đt", "dien thoai"),
    ("sdt", "so dien thoai"),
    ("sđt", "so dien thoai"),
    ("ck", "chuyen khoan"),
    ("vc", "van chuyen"),
    ("dky", "dang ky"),
    ("đky", "dang ky"),
    ("dki", "dang ky"),
    ("đki", "dang ky"),
    // particles: function words, but their pairs count ("lam ntn" → làm như thế nào)
    ("j", "gi"),
    ("r", "roi"),
    ("ntn", "nhu the nao"),
    ("trc", "truoc"),
    ("ms", "moi"),
    ("cx", "cung"),
    ("vs", "voi"),
];

/// Abbreviations Vietnamese visitors type that are not spelled out: two common readings (see the module
/// docs), or a word search finds as it is ("cty", "cccd"). They still say the text is Vietnamese.
const NOT_SPELLED_OUT: &[&str] = &["hd", "bn", "tt", "dk", "cty", "cccd", "cmnd", "nv", "sl", "mn"];

/// Whether `word` (lower case, without marks) is a Vietnamese chat abbreviation, spelled out or not.
pub(crate) fn is_chat_abbreviation(word: &str) -> bool {
    VIETNAMESE.iter().any(|(short, _)| *short == word) || NOT_SPELLED_OUT.contains(&word)
}

/// `text` with every chat abbreviation of `lang` spelled out. A word glued to a code joiner is left alone
/// ("SM-K", "dt-01"), and so is a "k" right after a number ("100 k") or a capital letter alone ("K giáp"
/// is a cancer in medical Vietnamese: chat letters are typed in lower case).
pub fn spell_out_chat(lang: Lang, text: &str) -> Cow<'_, str> {
    if lang != Lang::Vi {
        return Cow::Borrowed(text);
    }
    let mut out = String::new();
    let mut copied = 0;
    let mut previous_is_number = false;
    let mut lower = String::new();
    for (start, word) in words(text) {
        lower.clear();
        lower.extend(word.chars().flat_map(char::to_lowercase));
        let glued = |at: Option<char>| at.is_some_and(|c| matches!(c, '-' | '.' | '/' | '_' | '@'));
        let before = text[..start].chars().next_back();
        let after = text[start + word.len()..].chars().next();
        let is_unit = previous_is_number && lower == "k";
        let is_capital_letter = word.chars().count() == 1 && word != lower;
        previous_is_number = word.chars().all(|c| c.is_ascii_digit());
        if glued(before) || glued(after) || is_unit || is_capital_letter {
            continue;
        }
        if let Some(&(_, full)) = VIETNAMESE.iter().find(|(short, _)| *short == lower) {
            out.push_str(&text[copied..start]);
            out.push_str(full);
            copied = start + word.len();
        }
    }
    if copied == 0 {
        return Cow::Borrowed(text);
    }
    out.push_str(&text[copied..]);
    Cow::Owned(out)
}

/// The runs of letters and digits of `text`, with their byte offsets.
fn words(text: &str) -> impl Iterator<Item = (usize, &str)> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|word| !word.is_empty())
        .map(move |word| (word.as_ptr() as usize - text.as_ptr() as usize, word))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn spelled(text: &str) -> String {
        spell_out_chat(Lang::Vi, text).into_owned()
    }

    #[test]
    fn chat_words_are_spelled_out_with_what_is_around_them_kept() {
        assert_eq!(spelled("ko nhận đc hàng"), "khong nhận duoc hàng");
        assert_eq!(spelled("Quên MK tk, lam ntn?"), "Quên mat khau tai khoan, lam nhu the nao?");
        assert_eq!(spelled("sđt shop la j"), "so dien thoai shop la gi");
    }

    #[test]
    fn units_codes_and_words_with_marks_stay() {
        assert_eq!(spelled("phí 30k hay 30 k"), "phí 30k hay 30 k");
        assert_eq!(spelled("nặng 2 kg, số kg ít"), "nặng 2 kg, số kg ít");
        assert_eq!(spelled("tôi bị K giáp, k biết"), "tôi bị K giáp, khong biết");
        assert_eq!(spelled("SM-K mã dt-01 giao 24h"), "SM-K mã dt-01 giao 24h");
        assert_eq!(spelled("hàng bị hỏng, hong rồi"), "hàng bị hỏng, hong rồi", "hong may be hỏng");
        assert!(matches!(spell_out_chat(Lang::Vi, "đơn hàng"), Cow::Borrowed(_)));
    }

    #[test]
    fn only_vietnamese_is_spelled_out() {
        assert_eq!(spell_out_chat(Lang::En, "ko dc"), "ko dc");
    }
}
