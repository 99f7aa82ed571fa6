//! Inserting a help-center article: a reply box that starts with `#` searches the help center (through
//! chat-server, with kb-core, so agents get the ranking visitors get), and the chosen article replaces
//! what was typed with its title, summary and link, so the answer says what the FAQ says.

use protocol::rest::ArticleCard;

/// The search typed after a leading `#`, while the reply box holds one line (`#doi tra` → `doi tra`).
pub fn hash_query(body: &str) -> Option<&str> {
    let rest = body.strip_prefix('#')?;
    (!rest.contains('\n')).then(|| rest.trim_start())
}

/// What an article puts in the reply: its title and summary, then its link on a line of its own (chat
/// clients and mail readers turn a bare URL into a link).
pub fn insert_text(card: &ArticleCard) -> String {
    let summary = card.summary.trim();
    if summary.is_empty() {
        format!("{}\n{}", card.title, card.url)
    } else {
        format!("{}: {}\n{}", card.title, summary, card.url)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_leading_hash_searches_the_help_center_on_one_line() {
        assert_eq!(hash_query("#doi tra"), Some("doi tra"));
        assert_eq!(hash_query("# bao hanh"), Some("bao hanh"));
        assert_eq!(hash_query("#"), Some(""));
        assert_eq!(hash_query("#doi\ntra"), None);
        assert_eq!(hash_query("xem #doi"), None);
    }

    #[test]
    fn an_article_goes_in_as_title_summary_and_its_link() {
        let card = ArticleCard {
            id: "return-policy".into(),
            lang: "vi".into(),
            title: "Chính sách đổi trả".into(),
            summary: "Đổi trả miễn phí trong 30 ngày.".into(),
            url: "https://help.shop.example/vi/returns/return-policy/".into(),
        };
        assert_eq!(
            insert_text(&card),
            "Chính sách đổi trả: Đổi trả miễn phí trong 30 ngày.\nhttps://help.shop.example/vi/returns/return-policy/"
        );
        let bare = ArticleCard { summary: " ".into(), ..card };
        assert_eq!(
            insert_text(&bare),
            "Chính sách đổi trả\nhttps://help.shop.example/vi/returns/return-policy/"
        );
    }
}
