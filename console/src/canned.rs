//! Canned replies: a reply box that starts with `/` searches them, accents ignored, and the chosen one
//! replaces what was typed.

use protocol::rest::CannedReply;

use kb_core::analysis::folded_words;

/// The search typed after a leading `/`, while it is still one line without spaces (`/doi` → `doi`).
pub fn slash_query(body: &str) -> Option<&str> {
    let rest = body.strip_prefix('/')?;
    (!rest.contains(char::is_whitespace)).then_some(rest)
}

/// The canned replies whose title (or text) has a word starting with each word of `query`, titles first;
/// all of them for an empty query.
pub fn matching<'a>(canned: &'a [CannedReply], query: &str) -> Vec<&'a CannedReply> {
    let wanted = folded_words(&query.replace(['-', '_'], " "));
    let hits = |text: &str| {
        let words = folded_words(text);
        wanted.iter().all(|w| words.iter().any(|word| word.starts_with(w.as_str())))
    };
    let (mut by_title, mut by_body) = (Vec::new(), Vec::new());
    for reply in canned {
        if hits(&reply.title) {
            by_title.push(reply);
        } else if hits(&reply.body) {
            by_body.push(reply);
        }
    }
    by_title.extend(by_body);
    by_title
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reply(title: &str, body: &str) -> CannedReply {
        CannedReply { title: title.into(), body: body.into() }
    }

    #[test]
    fn a_leading_slash_starts_a_search_until_a_space() {
        assert_eq!(slash_query("/doi"), Some("doi"));
        assert_eq!(slash_query("/"), Some(""));
        assert_eq!(slash_query("/doi tra"), None);
        assert_eq!(slash_query("xin chao /doi"), None);
    }

    #[test]
    fn titles_match_without_tone_marks_before_bodies() {
        let canned = [
            reply("Chào hỏi", "Xin chào! Mình có thể giúp gì cho bạn?"),
            reply("Đổi trả", "Bạn được đổi trả miễn phí trong 30 ngày."),
            reply("Greeting", "Hello! How can I help? Đổi trả is free."),
        ];
        let titles = |q: &str| matching(&canned, q).iter().map(|r| r.title.as_str()).collect::<Vec<_>>();
        assert_eq!(titles("doi"), ["Đổi trả", "Greeting"]);
        assert_eq!(titles("chao"), ["Chào hỏi"]);
        assert_eq!(titles("doi-tra"), ["Đổi trả", "Greeting"]);
        assert_eq!(titles("").len(), 3);
        assert!(titles("bao-hanh").is_empty());
    }
}
