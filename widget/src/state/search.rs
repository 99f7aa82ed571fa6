//! Searching and reading: the query and its results, the suggested articles, the article open on the
//! article screen and the visitor's answer to "did this help?".

use futures_util::future::{AbortHandle, Abortable};
use kb_core::{Hit, Lang};
use leptos::prelude::*;
use protocol::ArticleSeen;
use protocol::analytics::Event;

use super::{Screen, Widget};
use crate::analytics;
use crate::bridge::{self, ArticleEvent, HitSummary, SearchEvent};
use crate::kb::{self, Results};

/// How long typing must pause before a search that fetches pieces of the index starts (Pagefind's UI
/// waits 300 ms before every search).
const TYPING_PAUSE_MS: i32 = 150;
/// A pause this long in typing makes the query count as asked (recorded, reported to the page).
pub const SETTLE_AFTER: std::time::Duration = std::time::Duration::from_millis(800);

/// The article screen's article.
#[derive(Debug, Clone, PartialEq)]
pub enum Shown {
    /// None opened.
    Nothing,
    /// The card is known, the body is on its way.
    Card(Hit),
    /// Card and body.
    Full(Hit, String),
    /// The body could not be fetched (the card, if known, still shows).
    Failed(Option<Hit>),
}

impl Shown {
    /// The card, if any.
    pub fn card(&self) -> Option<&Hit> {
        match self {
            Shown::Card(hit) | Shown::Full(hit, _) | Shown::Failed(Some(hit)) => Some(hit),
            Shown::Nothing | Shown::Failed(None) => None,
        }
    }
}

/// The search and reading state. Signals are handles, so this is `Copy`.
#[derive(Debug, Clone, Copy)]
pub struct SearchState {
    /// The search box's text.
    pub query: RwSignal<String>,
    /// The query comes from keystrokes, so its last word may be unfinished.
    pub typing: RwSignal<bool>,
    /// The visitor paused or pressed Enter on the query: it is a question, not a word being typed, so an
    /// unsure answer gets a person offered next to it.
    pub settled: RwSignal<bool>,
    /// Results for `query`: searched again on every change (async: the pieces a query needs may have to be
    /// fetched), the latest query's answer winning.
    pub results: RwSignal<Results>,
    /// The ids of the articles suggested before anything is typed.
    pub suggestions: RwSignal<Vec<String>>,
    /// Cards of the suggested articles (looked up when the suggestions or the language change).
    pub suggested: RwSignal<Vec<Hit>>,
    /// The article on the article screen: its card at once, its body when it arrives.
    pub article: RwSignal<Shown>,
    /// Feedback given on the article shown.
    pub feedback: RwSignal<Option<bool>>,
    /// The visitor settled on a query whose results were still coming: report it when they arrive.
    settle_pending: StoredValue<bool>,
}

impl SearchState {
    pub(super) fn new(suggestions: Vec<String>) -> Self {
        SearchState {
            query: RwSignal::new(String::new()),
            typing: RwSignal::new(true),
            settled: RwSignal::new(false),
            results: RwSignal::new(Results::default()),
            suggestions: RwSignal::new(suggestions),
            suggested: RwSignal::new(Vec::new()),
            article: RwSignal::new(Shown::Nothing),
            feedback: RwSignal::new(None),
            settle_pending: StoredValue::new(false),
        }
    }

    /// The visitor typed in the search box.
    pub fn type_query(&self, text: String) {
        self.typing.set(true);
        self.settled.set(false);
        self.query.set(text);
    }
}

impl Widget {
    /// Searches whenever the query, its language or the index change. A newer query cancels the search
    /// still running for an older one, and while the visitor types in an index that fetches its pieces,
    /// a search waits for a short pause in the typing first: keystrokes on a slow network must not queue
    /// fetches for words nobody asks any more ahead of the one asked (pieces already on their way still
    /// arrive and are kept). The cards show first, the snippets cut from the bodies replace the
    /// summaries when the bodies have arrived.
    pub fn search_on_change(&self) {
        let widget = *self;
        let search = self.search;
        let running = StoredValue::new(None::<AbortHandle>);
        Effect::new(move |_| {
            let ready = widget.panel.kb_ready();
            let (text, lang, typing) = (search.query.get(), widget.panel.lang.get(), search.typing.get());
            if let Some(previous) = running.get_value() {
                previous.abort();
            }
            if !ready {
                running.set_value(None);
                search.results.set(Results::default());
                return;
            }
            let (cancel, registration) = AbortHandle::new_pair();
            running.set_value(Some(cancel));
            let wait = typing && !kb::searches_offline(lang);
            let work = async move {
                if wait {
                    browser_link::sleep(TYPING_PAUSE_MS).await;
                }
                let cards = kb::search(&text, lang, typing).await;
                search.results.set(cards.clone());
                widget.report_if_settled();
                if cards.hits.is_empty() {
                    return;
                }
                search.results.set(kb::with_snippets(lang, typing, cards).await);
            };
            leptos::task::spawn_local(async move {
                let _ = Abortable::new(work, registration).await;
            });
        });
    }

    /// Looks up the cards of the suggested articles when the suggestions, the language or the index change.
    pub fn look_up_suggestions(&self) {
        let (panel, search) = (self.panel, self.search);
        Effect::new(move |_| {
            let ready = panel.kb_ready();
            let (ids, lang) = (search.suggestions.get(), panel.lang.get());
            if !ready {
                return;
            }
            leptos::task::spawn_local(async move {
                let mut cards = Vec::with_capacity(ids.len());
                for id in &ids {
                    if let Some(card) = kb::find_card(lang, id).await {
                        cards.push(card);
                    }
                }
                if search.suggestions.get_untracked() == ids {
                    search.suggested.set(cards);
                }
            });
        });
    }

    /// A complete search from the page (`Answerdesk('search', text)`): open on the results and report them.
    pub fn search_now(&self, text: String) {
        self.search.typing.set(false);
        self.search.settled.set(false);
        self.search.query.set(text);
        self.panel.screen.set(Screen::Search);
        self.set_open(true);
        self.settle_search();
    }

    /// The visitor paused, pressed Enter or opened a result: the query counts as asked. Records it and
    /// tells the page.
    pub fn settle_search(&self) {
        let query = self.search.query.get_untracked();
        let ready = self.panel.kb.get_untracked() == super::KbStatus::Ready;
        if query.trim().is_empty() || !ready || self.search.settled.get_untracked() {
            return;
        }
        self.search.settled.set(true);
        self.journey.update(|j| j.record_search(&query));
        if !self.results_are_current() {
            // Its results are still coming: `search_on_change` reports them.
            self.search.settle_pending.set_value(true);
            return;
        }
        self.report_search();
    }

    fn report_if_settled(&self) {
        if self.search.settle_pending.get_value() && self.results_are_current() {
            self.search.settle_pending.set_value(false);
            self.report_search();
        }
    }

    /// Whether `results` answer what the search box holds now (not the previous text or language).
    fn results_are_current(&self) -> bool {
        let search = self.search;
        let (query, typing) = (search.query.get_untracked(), search.typing.get_untracked());
        let lang = self.panel.lang.get_untracked();
        search.results.with_untracked(|r| r.answer(&query, lang, typing))
    }

    /// The `search` event for the current results.
    fn report_search(&self) {
        let lang = self.panel.lang.get_untracked();
        self.search.results.with_untracked(|results| {
            let query = &results.query;
            let answered = results.confident;
            let results: Vec<HitSummary> = results
                .hits
                .iter()
                .map(|h| HitSummary { id: &h.id, lang: h.lang, title: &h.title, score: h.score })
                .collect();
            if !query.trim().is_empty() {
                analytics::record(Event::Search {
                    // E-mails and long numbers stay in the visitor's browser.
                    query: protocol::analytics::redact(query),
                    lang: lang.code().to_owned(),
                    results: u32::try_from(results.len()).unwrap_or(u32::MAX),
                    confident: answered,
                });
            }
            bridge::emit("search", &SearchEvent { query, lang, results, answered });
        });
    }

    /// Opens an article inside the panel: at once with its card when a result showed it, else once its
    /// card is found; the body follows when it arrives.
    pub fn open_article(&self, id: &str, lang: Lang) {
        self.settle_search();
        let widget = *self;
        let id = id.to_owned();
        match kb::card(lang, &id) {
            Some(card) => self.show_article(card),
            None => leptos::task::spawn_local(async move {
                match kb::find_card(lang, &id).await {
                    Some(card) => widget.show_article(card),
                    None => {
                        widget.search.article.set(Shown::Failed(None));
                        widget.panel.screen.set(Screen::Article { id, lang });
                    }
                }
            }),
        }
    }

    fn show_article(&self, card: Hit) {
        self.journey.update(|j| {
            j.record_article(ArticleSeen {
                id: card.id.clone(),
                lang: card.lang.code().to_owned(),
                title: card.title.clone(),
                team: card.team.clone(),
                category: Some(card.category.clone()).filter(|c| !c.is_empty()),
                helpful: None,
            })
        });
        analytics::record(Event::View { article: card.id.clone(), lang: card.lang.code().to_owned() });
        let viewed =
            ArticleEvent { id: &card.id, lang: card.lang, title: &card.title, url: &card.url, helpful: None };
        bridge::emit("article_view", &viewed);
        let search = self.search;
        search.feedback.set(None);
        let (id, lang) = (card.id.clone(), card.lang);
        search.article.set(Shown::Card(card.clone()));
        self.panel.screen.set(Screen::Article { id: id.clone(), lang });
        self.set_open(true);
        let origin = self.panel.config.with_value(|c| crate::config::origin_of(&c.kb).to_owned());
        leptos::task::spawn_local(async move {
            let shown = match kb::article(lang, &id).await {
                Ok(Some(article)) => {
                    Shown::Full(card, crate::config::sources_on(&article.body_html, &origin))
                }
                Ok(None) | Err(_) => Shown::Failed(Some(card)),
            };
            // Only if the visitor is still on this article.
            if search.article.with_untracked(|a| a.card().is_some_and(|c| c.id == id && c.lang == lang)) {
                search.article.set(shown);
            }
        });
    }

    /// "Did this answer your question?"
    pub fn give_feedback(&self, helpful: bool) {
        let Screen::Article { id, lang } = self.panel.screen.get_untracked() else { return };
        let Some(card) = self.search.article.with_untracked(|a| a.card().cloned()) else { return };
        self.journey.update(|j| j.record_feedback(&id, lang.code(), helpful));
        self.search.feedback.set(Some(helpful));
        analytics::record(Event::Helpful { article: id.clone(), lang: lang.code().to_owned(), helpful });
        let answered =
            ArticleEvent { id: &id, lang, title: &card.title, url: &card.url, helpful: Some(helpful) };
        bridge::emit("helpful", &answered);
    }
}
