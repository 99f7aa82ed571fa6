//! What the visitor asked and read in this page view: handed over when they escalate to a person, so they
//! never have to repeat themselves.

use protocol::{ArticleSeen, EscalationContext, Identity};

/// At most this many searches and articles are kept (oldest dropped), as chat-server keeps.
const KEEP: usize = protocol::CONTEXT_ITEMS;

/// The visitor's searches and reads, oldest first.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Journey {
    searches: Vec<String>,
    articles: Vec<ArticleSeen>,
    identity: Option<Identity>,
}

impl Journey {
    /// Records a search the visitor settled on. A query that extends the previous one ("doi" then
    /// "doi tra") replaces it, so typing does not flood the list; repeats are recorded once.
    pub fn record_search(&mut self, query: &str) {
        let query = query.trim();
        if query.is_empty() {
            return;
        }
        if let Some(last) = self.searches.last_mut() {
            if last == query || last.starts_with(query) {
                return;
            }
            if query.starts_with(last.as_str()) {
                *last = query.to_owned();
                return;
            }
        }
        push_bounded(&mut self.searches, query.to_owned());
    }

    /// Records an article opened; reopening moves it to the end without losing its feedback.
    pub fn record_article(&mut self, seen: ArticleSeen) {
        let helpful = match self.articles.iter().position(|a| a.id == seen.id && a.lang == seen.lang) {
            Some(i) => self.articles.remove(i).helpful,
            None => None,
        };
        push_bounded(&mut self.articles, ArticleSeen { helpful: seen.helpful.or(helpful), ..seen });
    }

    /// Records the answer to "did this help?" for an article already opened.
    pub fn record_feedback(&mut self, id: &str, lang: &str, helpful: bool) {
        if let Some(article) = self.articles.iter_mut().rev().find(|a| a.id == id && a.lang == lang) {
            article.helpful = Some(helpful);
        }
    }

    /// Sets who the visitor is (from `Answerdesk('identify', ...)`).
    pub fn identify(&mut self, identity: Identity) {
        self.identity = Some(identity);
    }

    /// The searches, oldest first.
    #[cfg(test)]
    fn searches(&self) -> &[String] {
        &self.searches
    }

    /// The articles opened, oldest first.
    #[cfg(test)]
    fn articles(&self) -> &[ArticleSeen] {
        &self.articles
    }

    /// The last search, the question a first message to a person most likely repeats.
    pub fn last_search(&self) -> Option<&str> {
        self.searches.last().map(String::as_str)
    }

    /// Who the visitor is, when the page said so.
    pub fn identity(&self) -> Option<&Identity> {
        self.identity.as_ref()
    }

    /// The hand-over for a person.
    pub fn escalation(&self, page_url: &str, lang: &str) -> EscalationContext {
        EscalationContext {
            searches: self.searches.clone(),
            articles: self.articles.clone(),
            page_url: page_url.to_owned(),
            lang: lang.to_owned(),
            identity: self.identity.clone(),
        }
    }
}

fn push_bounded<T>(list: &mut Vec<T>, item: T) {
    if list.len() == KEEP {
        list.remove(0);
    }
    list.push(item);
}

/// A plain-text summary of the hand-over, for the body of a pre-filled email.
pub fn summary(context: &EscalationContext, searched: &str, read: &str, page: &str) -> String {
    let mut text = String::new();
    if !context.searches.is_empty() {
        text.push_str(&format!("{searched}: {}\n", context.searches.join(" · ")));
    }
    if !context.articles.is_empty() {
        let titles: Vec<&str> = context.articles.iter().map(|a| a.title.as_str()).collect();
        text.push_str(&format!("{read}: {}\n", titles.join(" · ")));
    }
    text.push_str(&format!("{page}: {}\n", context.page_url));
    text
}

#[cfg(test)]
mod tests {
    use super::*;

    fn seen(id: &str) -> ArticleSeen {
        ArticleSeen {
            id: id.into(),
            lang: "vi".into(),
            title: id.into(),
            team: None,
            category: None,
            helpful: None,
        }
    }

    #[test]
    fn typing_a_longer_query_replaces_the_shorter_one() {
        let mut journey = Journey::default();
        for q in ["chinh", "chinh sach", "chinh sach doi tra", "chinh sach doi", "  ", "phi ship"] {
            journey.record_search(q);
        }
        assert_eq!(journey.searches(), ["chinh sach doi tra", "phi ship"]);
    }

    #[test]
    fn reopened_articles_move_to_the_end_and_keep_their_feedback() {
        let mut journey = Journey::default();
        journey.record_article(seen("a"));
        journey.record_feedback("a", "vi", false);
        journey.record_article(seen("b"));
        journey.record_article(seen("a"));
        let ids: Vec<_> = journey.articles().iter().map(|a| (a.id.as_str(), a.helpful)).collect();
        assert_eq!(ids, [("b", None), ("a", Some(false))]);
    }

    #[test]
    fn the_journey_is_bounded() {
        let mut journey = Journey::default();
        for i in 0..50 {
            journey.record_search(&format!("q{i} x"));
            journey.record_article(seen(&format!("a{i}")));
        }
        assert_eq!(journey.searches().len(), KEEP);
        assert_eq!(journey.searches()[0], "q30 x");
        assert_eq!(journey.articles().len(), KEEP);
    }

    #[test]
    fn escalation_carries_searches_articles_page_and_identity() {
        let mut journey = Journey::default();
        journey.record_search("phi ship");
        journey.record_article(seen("shipping-fees"));
        journey.identify(Identity { id: "u1".into(), name: None, email: None, signature: None });
        let context = journey.escalation("https://shop.example/cart", "vi");
        assert_eq!(context.searches, ["phi ship"]);
        assert_eq!(context.articles[0].id, "shipping-fees");
        assert_eq!(context.identity.as_ref().map(|i| i.id.as_str()), Some("u1"));
        let text = summary(&context, "Searched", "Read", "Page");
        assert_eq!(text, "Searched: phi ship\nRead: shipping-fees\nPage: https://shop.example/cart\n");
    }
}
