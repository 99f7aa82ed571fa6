//! The stress variants: each set's queries rewritten the way visitors really type. Every rewrite is
//! deterministic (where a choice is needed, a hash of the query id makes it), so two runs measure the same
//! text and a change in the table is a change in an engine.

use kb_core::Lang;
use kb_core::analysis::{TermKind, fold_word, is_vietnamese_stopword, tokens};

use super::qid_hash;

/// One way of rewriting a set's queries.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Variant {
    /// The query untouched.
    AsWritten,
    /// One deterministic typo in a word of at least 5 letters (see [`with_typo`]).
    OneTypo,
    /// English: the content words only, at most [`MAX_KEYWORDS`], lower case.
    EnglishKeywords,
    /// English: lower case, no punctuation, chat spellings ([`CASUAL`]).
    Casual,
    /// Vietnamese: every tone mark and đ stripped, case and punctuation kept.
    Unaccented,
    /// Vietnamese: chat abbreviations ([`VIETNAMESE_CHAT`]), then marks stripped, lower case, no punctuation.
    VietnameseChat,
    /// Vietnamese: function words standing alone dropped (kb-core's list), lower case, no punctuation.
    VietnameseKeywords,
}

/// How many words a visitor who types keywords keeps.
const MAX_KEYWORDS: usize = 4;

/// English words that say how a question is asked, not what it is about: question words, auxiliaries,
/// pronouns, articles, prepositions, conjunctions and greetings, compared without apostrophes ("i'm" → im).
/// Negations (not, no, dont, cant) carry meaning and stay.
const ENGLISH_FUNCTION_WORDS: &[&str] = &[
    "what", "how", "when", "where", "why", "who", "whom", "which", "whats", "hows", // question words
    "is", "are", "was", "were", "be", "been", "am", "do", "does", "did", "can", "could", "should", "would",
    "will", "shall", "may", "might", "must", "have", "has", "had", // auxiliaries
    "i", "im", "ive", "me", "my", "you", "youre", "your", "we", "our", "us", "it", "its", "they", "theyre",
    "their", "them", "he", "she", "his", "her", "there", "theres", "this", "that", "thats", "these",
    "those", // pronouns
    "the", "a", "an", "to", "of", "for", "in", "on", "at", "by", "with", "from", "about", "and", "or", "if",
    "so", "as", "any", "some", // articles, prepositions, conjunctions
    "please", "hi", "hello", "thanks",
];

/// English chat spellings, phrase → as typed, applied word by word to lower-case text without apostrophes
/// (so "don't" and "can't" are already "dont" and "cant").
const CASUAL: &[(&str, &str)] = &[
    ("you", "u"),
    ("your", "ur"),
    ("are", "r"),
    ("please", "pls"),
    ("what is", "whats"),
    ("do not", "dont"),
    ("can not", "cant"),
    ("cannot", "cant"),
    ("i am", "im"),
    ("going to", "gonna"),
    ("want to", "wanna"),
];

/// Vietnamese chat abbreviations, phrase (lower case, with marks) → as typed. Applied before the marks are
/// stripped, so "được" and a typed "đc" both end up "dc".
const VIETNAMESE_CHAT: &[(&str, &str)] = &[
    ("không", "ko"),
    ("được", "đc"),
    ("tài khoản", "tk"),
    ("sản phẩm", "sp"),
    ("mật khẩu", "mk"),
    ("đơn hàng", "dh"),
    ("bảo hành", "bh"),
    ("điện thoại", "dt"),
    ("chuyển khoản", "ck"),
    ("bao nhiêu", "bn"),
    ("như thế nào", "ntn"),
    ("gì", "j"),
    ("rồi", "r"),
];

impl Variant {
    /// The variants a set in `lang` is measured on, "as written" first.
    pub fn for_lang(lang: Lang) -> &'static [Variant] {
        match lang {
            Lang::En => &[Variant::AsWritten, Variant::OneTypo, Variant::EnglishKeywords, Variant::Casual],
            Lang::Vi => &[
                Variant::AsWritten,
                Variant::Unaccented,
                Variant::VietnameseChat,
                Variant::VietnameseKeywords,
                Variant::OneTypo,
            ],
        }
    }

    /// The name in the report's tables.
    pub fn name(self) -> &'static str {
        match self {
            Variant::AsWritten => "as written",
            Variant::OneTypo => "one typo",
            Variant::EnglishKeywords | Variant::VietnameseKeywords => "keywords",
            Variant::Casual => "casual",
            Variant::Unaccented => "unaccented",
            Variant::VietnameseChat => "chat",
        }
    }

    /// What the rewrite does, for the report (the tables are listed from the code, so they cannot drift).
    pub fn description(self) -> String {
        let table = |pairs: &[(&str, &str)]| {
            pairs.iter().map(|(phrase, typed)| format!("{phrase} → {typed}")).collect::<Vec<_>>().join(", ")
        };
        match self {
            Variant::AsWritten => "the query as the set has it".into(),
            Variant::OneTypo => {
                "one letter deleted, swapped with its neighbour or replaced by the next code \
                point, inside one word of at least 5 letters; word, place and kind chosen by a hash of the \
                query id (in Vietnamese the next code point of a marked vowel is often the same vowel with \
                another tone)"
                    .into()
            }
            Variant::EnglishKeywords => format!(
                "English: lower case, punctuation and possessive 's dropped, function and question words \
                 dropped ({}), the first {MAX_KEYWORDS} remaining words kept",
                ENGLISH_FUNCTION_WORDS.join(" ")
            ),
            Variant::Casual => format!(
                "English: lower case, punctuation dropped (don't → dont), chat spellings {}",
                table(CASUAL)
            ),
            Variant::Unaccented => {
                "Vietnamese: every tone mark and đ stripped, case and punctuation kept".into()
            }
            Variant::VietnameseChat => format!(
                "Vietnamese: lower case, punctuation dropped, chat abbreviations {}, then every mark stripped \
                 (đc → dc)",
                table(VIETNAMESE_CHAT)
            ),
            Variant::VietnameseKeywords => "Vietnamese: lower case, punctuation dropped, kb-core's function \
                words dropped where they stand alone (`is_vietnamese_stopword`, judged by the marks as written; \
                a hyphenated word such as vắc-xin stays whole, an unhyphenated one such as bác sĩ loses bác)"
                .into(),
        }
    }

    /// The query `text` (id `qid`) rewritten.
    pub fn apply(self, text: &str, qid: &str) -> String {
        match self {
            Variant::AsWritten => text.to_string(),
            Variant::OneTypo => with_typo(text, qid),
            Variant::EnglishKeywords => english_keywords(text),
            Variant::Casual => casual(text),
            Variant::Unaccented => strip_accents(text),
            Variant::VietnameseChat => vietnamese_chat(text),
            Variant::VietnameseKeywords => vietnamese_keywords(text),
        }
    }
}

/// "Chính sách đổi trả" → "Chinh sach doi tra" (case kept, so only the marks change).
pub fn strip_accents(text: &str) -> String {
    text.chars()
        .map(|c| {
            let mut folded = String::new();
            fold_word(&c.to_string(), &mut folded);
            let base = folded.chars().next().unwrap_or(c);
            if c.is_uppercase() { base.to_uppercase().next().unwrap_or(base) } else { base }
        })
        .collect()
}

/// One typo in one word of at least 5 letters, chosen by a hash of the query id so every run is the same:
/// a deleted, swapped or replaced letter inside the word.
pub fn with_typo(text: &str, qid: &str) -> String {
    let hash = qid_hash(qid);
    let words: Vec<(usize, &str)> = text
        .split(|c: char| !c.is_alphabetic())
        .filter(|w| w.chars().count() >= 5)
        .map(|w| (w.as_ptr() as usize - text.as_ptr() as usize, w))
        .collect();
    let Some(&(start, word)) = words.get((hash % words.len().max(1) as u64) as usize) else {
        return text.to_string();
    };
    let mut letters: Vec<char> = word.chars().collect();
    let at = 1 + ((hash / 7) as usize % (letters.len() - 2));
    match (hash / 13) % 3 {
        0 => {
            letters.remove(at);
        }
        1 => letters.swap(at, at + 1),
        _ => {
            letters[at] =
                if letters[at] == 'z' { 'a' } else { char::from_u32(letters[at] as u32 + 1).unwrap_or('x') }
        }
    }
    format!("{}{}{}", &text[..start], letters.into_iter().collect::<String>(), &text[start + word.len()..])
}

fn is_apostrophe(c: char) -> bool {
    c == '\'' || c == '\u{2019}'
}

/// English words, lower case, punctuation dropped; apostrophes inside a word stay (as ').
fn english_words(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric() && !is_apostrophe(c))
        .map(|w| w.trim_matches(is_apostrophe).to_lowercase().replace('\u{2019}', "'"))
        .filter(|w| !w.is_empty())
        .collect()
}

fn english_keywords(text: &str) -> String {
    let words: Vec<String> = english_words(text)
        .into_iter()
        .map(|w| w.strip_suffix("'s").unwrap_or(&w).replace('\'', ""))
        .collect();
    let content: Vec<&str> = words
        .iter()
        .map(String::as_str)
        .filter(|w| !ENGLISH_FUNCTION_WORDS.contains(w))
        .take(MAX_KEYWORDS)
        .collect();
    // A question made only of function words ("what is it?") still gets typed as something.
    if content.is_empty() { words[..words.len().min(MAX_KEYWORDS)].join(" ") } else { content.join(" ") }
}

fn casual(text: &str) -> String {
    let words: Vec<String> = english_words(text).into_iter().map(|w| w.replace('\'', "")).collect();
    abbreviate(&words, CASUAL).join(" ")
}

/// Vietnamese words as kb-core's analyzer cuts them, lower case and NFC with their marks (a query stored
/// decomposed still matches the abbreviation table), punctuation dropped; syllables the text joins with a
/// hyphen (vi-rút, vắc-xin) form one group.
fn vietnamese_words(text: &str) -> Vec<Vec<String>> {
    let mut groups: Vec<Vec<String>> = Vec::new();
    let mut previous_end = None;
    for term in tokens(Lang::Vi, text) {
        match term.kind {
            TermKind::Word => {
                let hyphenated =
                    previous_end.is_some_and(|end| text.get(end..term.offsets.start) == Some("-"));
                previous_end = Some(term.offsets.end);
                match groups.last_mut() {
                    Some(group) if hyphenated => group.push(term.text),
                    _ => groups.push(vec![term.text]),
                }
            }
            // The word as written follows its folded form at the same position: keep that spelling.
            TermKind::Accented => {
                if let Some(last) = groups.last_mut().and_then(|group| group.last_mut()) {
                    *last = term.text;
                }
            }
            // Syllable pairs and whole codes repeat words already taken.
            _ => {}
        }
    }
    groups
}

fn vietnamese_chat(text: &str) -> String {
    let words: Vec<String> = vietnamese_words(text).into_iter().flatten().collect();
    let mut folded = String::new();
    abbreviate(&words, VIETNAMESE_CHAT)
        .iter()
        .map(|word| {
            fold_word(word, &mut folded);
            folded.clone()
        })
        .collect::<Vec<_>>()
        .join(" ")
}

/// Function words standing alone are dropped; a hyphenated group stays whole, so "vắc-xin" keeps its "xin"
/// (please, on its own). Unhyphenated compounds are not known: "bác sĩ" (doctor) loses "bác".
fn vietnamese_keywords(text: &str) -> String {
    let groups = vietnamese_words(text);
    let mut folded = String::new();
    // The query is judged as written: "vi" is not "vì", though both fold to "vi".
    let mut is_function_word = |word: &str| {
        fold_word(word, &mut folded);
        is_vietnamese_stopword(&folded, Some(word))
    };
    let content: Vec<&str> = groups
        .iter()
        .filter(|group| !group.iter().all(|word| is_function_word(word)))
        .flatten()
        .map(String::as_str)
        .collect();
    let words: Vec<&str> =
        if content.is_empty() { groups.iter().flatten().map(String::as_str).collect() } else { content };
    words.join(" ")
}

/// `words` with every phrase of `table` replaced by its short form, the longest phrase first where two
/// start at the same word ("what is" before a lone "what").
fn abbreviate(words: &[String], table: &[(&str, &str)]) -> Vec<String> {
    let mut out = Vec::new();
    let mut at = 0;
    while at < words.len() {
        let longest = table
            .iter()
            .filter_map(|&(phrase, short)| {
                let len = phrase.split(' ').count();
                let matches =
                    words.len() - at >= len && phrase.split(' ').zip(&words[at..]).all(|(p, w)| p == w);
                matches.then_some((len, short))
            })
            .max_by_key(|&(len, _)| len);
        match longest {
            Some((len, short)) => {
                out.push(short.to_string());
                at += len;
            }
            None => {
                out.push(words[at].clone());
                at += 1;
            }
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn strips_tone_marks_and_d_but_keeps_case() {
        assert_eq!(strip_accents("Chính sách ĐỔI trả, đơn hàng?"), "Chinh sach DOI tra, don hang?");
    }

    #[test]
    fn one_typo_in_a_long_word_deterministically() {
        let typo = with_typo("How long does a refund take?", "q1");
        assert_eq!(typo, with_typo("How long does a refund take?", "q1"));
        assert_ne!(typo, "How long does a refund take?");
        let changed: Vec<_> =
            typo.split(' ').zip("How long does a refund take?".split(' ')).filter(|(a, b)| a != b).collect();
        assert_eq!(changed.len(), 1, "{typo}");
        assert_eq!(with_typo("a b c", "q2"), "a b c", "no word is long enough");
    }

    #[test]
    fn english_keywords_keep_the_first_four_content_words() {
        assert_eq!(english_keywords("How do I get a refund for my order?"), "get refund order");
        assert_eq!(
            english_keywords("What's COVID-19's definition, and is it dangerous for older people?"),
            "covid 19 definition dangerous"
        );
        assert_eq!(english_keywords("Can't I travel?"), "cant travel", "a negation carries meaning");
        assert_eq!(english_keywords("What is it?"), "what is it", "nothing but function words");
    }

    #[test]
    fn casual_spells_like_a_chat() {
        assert_eq!(
            casual("What is the refund policy? Please tell me."),
            "whats the refund policy pls tell me"
        );
        assert_eq!(
            casual("Are you open? I don't know, I cannot find it."),
            "r u open i dont know i cant find it"
        );
        assert_eq!(casual("I am going to travel; do you want to come?"), "im gonna travel do u wanna come");
        assert_eq!(casual("Where is YOUR store’s address"), "where is ur stores address");
    }

    #[test]
    fn vietnamese_chat_abbreviates_then_strips_marks() {
        assert_eq!(
            vietnamese_chat("Tôi không đăng nhập được vào tài khoản, phải làm như thế nào?"),
            "toi ko dang nhap dc vao tk phai lam ntn"
        );
        assert_eq!(vietnamese_chat("Đơn hàng bao nhiêu tiền rồi, gì vậy?"), "dh bn tien r j vay");
        assert_eq!(vietnamese_chat("Đc không"), "dc ko", "a typed đc ends up like được");
        // Decomposed (NFD) input: "không" as k h o + U+0302 n g.
        assert_eq!(vietnamese_chat("kho\u{302}ng"), "ko");
    }

    #[test]
    fn vietnamese_keywords_drop_function_words_as_written() {
        assert_eq!(vietnamese_keywords("Vi-rút lây lan như thế nào?"), "vi rút lây lan");
        assert_eq!(
            vietnamese_keywords("Muỗi hay ve có thể truyền vi-rút gây bệnh COVID-19 không?"),
            "muỗi ve truyền vi rút gây bệnh covid 19"
        );
        assert_eq!(vietnamese_keywords("Tiêm vắc-xin xong có được không?"), "tiêm vắc xin xong");
        assert_eq!(vietnamese_keywords("Có không?"), "có không", "nothing but function words");
    }

    #[test]
    fn every_variant_is_deterministic() {
        for lang in Lang::ALL {
            for &variant in Variant::for_lang(lang) {
                let text = "Tại sao bệnh này lại được gọi là COVID-19? What does it mean, please?";
                assert_eq!(variant.apply(text, "q7"), variant.apply(text, "q7"), "{variant:?}");
            }
        }
        assert_eq!(Variant::AsWritten.apply("As is?", "q1"), "As is?");
    }
}
