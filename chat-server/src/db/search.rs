//! The agents' word search over every conversation: the visitor's name, email and id, what they searched
//! and read, their page, and the text of every message, private notes included (only agents search).
//!
//! Each row keeps its words folded as kb-core folds them (`search_text`, " word word "), so a query typed
//! without tone marks finds "Chính sách đổi trả", and `LIKE '% wor%'` finds a word by its start on both
//! backends. That is a scan, not an index: at tens of thousands of messages it takes milliseconds, and a
//! desk with millions would want a trigram or full-text index (Postgres `pg_trgm`, SQLite FTS5).
//! The SQL is the same text on both backends (`$N` placeholders, which SQLite binds by number too).

use kb_core::analysis::folded_words;
use protocol::EscalationContext;

/// More words than anyone types into a search box; the rest of a pasted paragraph is ignored.
pub const MAX_WORDS: usize = 8;
/// A word's first this many characters are searched for (no word is longer; a pasted blob would only
/// lengthen the scan, and SQLite refuses `LIKE` patterns over 50,000 bytes).
pub const MAX_WORD_CHARS: usize = 64;

/// How a row's text is stored: its folded words between spaces (a lone space when it has none, so the
/// row no longer counts as missing).
pub fn stored(text: &str) -> String {
    let mut out = String::from(" ");
    for word in folded_words(text) {
        out.push_str(&word);
        out.push(' ');
    }
    out
}

/// What a conversation itself is found by, apart from its messages.
pub fn conversation_text(context: &EscalationContext) -> String {
    let mut text = String::new();
    if let Some(identity) = &context.identity {
        for part in
            [Some(&identity.id), identity.name.as_ref(), identity.email.as_ref()].into_iter().flatten()
        {
            text.push_str(part);
            text.push(' ');
        }
    }
    for part in context.searches.iter().chain(context.articles.iter().map(|a| &a.title)) {
        text.push_str(part);
        text.push(' ');
    }
    text.push_str(&context.page_url);
    stored(&text)
}

/// One `LIKE` pattern per word of `query` (at most [`MAX_WORDS`]): a word that starts with it. Folded
/// words hold only letters and digits, so none needs escaping.
pub fn patterns(query: &str) -> Vec<String> {
    folded_words(query)
        .into_iter()
        .take(MAX_WORDS)
        .map(|word| format!("% {}%", word.chars().take(MAX_WORD_CHARS).collect::<String>()))
        .collect()
}

/// The `WHERE` condition for `words` patterns bound as `$1…$words`: every word somewhere in the
/// conversation, in its own text or in any of its messages.
pub fn condition(words: usize) -> String {
    (1..=words)
        .map(|n| {
            format!(
                "(c.search_text LIKE ${n} OR EXISTS (SELECT 1 FROM messages m
                    WHERE m.conversation_id = c.id AND m.search_text LIKE ${n}))"
            )
        })
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// How many rows one backfill step folds.
pub const BACKFILL_BATCH: i64 = 500;
/// Conversations written before the search existed, after id `$2` in key order: each step starts where
/// the last one stopped, so the whole backfill reads each row once.
pub const CONVERSATIONS_MISSING: &str = "SELECT id, context FROM conversations
    WHERE id > $2 AND search_text IS NULL ORDER BY id LIMIT $1";
/// Messages written before the search existed, after `($2, $3)` in key order.
pub const MESSAGES_MISSING: &str = "SELECT conversation_id, seq, body FROM messages
    WHERE (conversation_id > $2 OR (conversation_id = $2 AND seq > $3)) AND search_text IS NULL
    ORDER BY conversation_id, seq LIMIT $1";
/// Stores a conversation's folded text.
pub const SET_CONVERSATION: &str = "UPDATE conversations SET search_text = $1 WHERE id = $2";
/// Stores a message's folded text.
pub const SET_MESSAGE: &str = "UPDATE messages SET search_text = $1 WHERE conversation_id = $2 AND seq = $3";

#[cfg(test)]
mod tests {
    use super::*;
    use protocol::{ArticleSeen, Identity};

    #[test]
    fn stored_text_finds_words_by_their_start_without_tone_marks() {
        assert_eq!(stored("Tôi muốn ĐỔI trả, ko đc!"), " toi muon doi tra ko dc ");
        assert_eq!(stored("…"), " ");
        assert_eq!(patterns("chinh SÁCH"), ["% chinh%", "% sach%"]);
        assert_eq!(patterns(&"a ".repeat(20)).len(), MAX_WORDS);
        assert_eq!(patterns(&"x".repeat(100_000))[0].len(), MAX_WORD_CHARS + 3);
    }

    #[test]
    fn a_conversation_is_found_by_who_asked_and_what_they_looked_at() {
        let context = EscalationContext {
            searches: vec!["chinh sach doi tra".into()],
            articles: vec![ArticleSeen {
                id: "return-policy".into(),
                lang: "vi".into(),
                title: "Bảo hành".into(),
                team: None,
                category: None,
                helpful: None,
            }],
            page_url: "https://shop.example/cart".into(),
            lang: "vi".into(),
            identity: Some(Identity {
                id: "u-42".into(),
                name: Some("Nguyễn Thị Hoa".into()),
                email: Some("hoa@shop.vn".into()),
                signature: None,
            }),
        };
        let text = conversation_text(&context);
        for word in ["u", "42", "nguyen", "hoa", "shop", "chinh", "bao", "hanh", "cart"] {
            assert!(text.contains(&format!(" {word} ")), "{word} in {text}");
        }
    }

    #[test]
    fn every_word_must_match_the_conversation_or_one_of_its_messages() {
        let sql = condition(2);
        assert_eq!(sql.matches("LIKE $1").count(), 2);
        assert_eq!(sql.matches("LIKE $2").count(), 2);
        assert!(sql.contains(") AND ("));
    }
}
