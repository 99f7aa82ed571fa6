//! The widget's state and the actions on it, shared by the panel's components and the JavaScript API
//! (`Answerdesk('open')`, `Answerdesk('search', text)`, …), so both behave identically.

use kb_core::{Hit, Lang};
use leptos::prelude::*;
use protocol::{ArticleSeen, Identity};
use serde::Serialize;

use crate::bridge;
use crate::config::{Config, Site};
use crate::journey::Journey;
use crate::kb::{self, Results};

/// Which screen the panel shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    /// The search box with results or suggestions.
    Search,
    /// One article, with "did this help?".
    Article { id: String, lang: Lang },
    /// Ways to reach a person, with the hand-over.
    Contact,
}

/// Whether the index is usable yet.
#[derive(Debug, Clone, PartialEq)]
pub enum KbStatus {
    /// Bundle still downloading or opening.
    Loading,
    /// Ready, with this many articles.
    Ready(u64),
    /// Could not be loaded; the visitor is offered a person instead.
    Failed(String),
}

/// All reactive state. Signals are handles, so this is `Copy` and can be captured by every closure.
#[derive(Debug, Clone, Copy)]
pub struct Widget {
    pub config: StoredValue<Config>,
    pub site: RwSignal<Site>,
    pub kb: RwSignal<KbStatus>,
    pub open: RwSignal<bool>,
    pub lang: RwSignal<Lang>,
    pub screen: RwSignal<Screen>,
    /// The search box's text.
    pub query: RwSignal<String>,
    /// The query comes from keystrokes, so its last word may be unfinished.
    pub typing: RwSignal<bool>,
    /// Feedback given on the article shown.
    pub feedback: RwSignal<Option<bool>>,
    pub suggestions: RwSignal<Vec<String>>,
    pub journey: RwSignal<Journey>,
    /// Results for `query`, recomputed on every change.
    pub results: Memo<Results>,
}

/// Payload of the `search` event.
#[derive(Serialize)]
struct SearchEvent<'a> {
    query: &'a str,
    lang: Lang,
    results: Vec<HitSummary<'a>>,
}

#[derive(Serialize)]
struct HitSummary<'a> {
    id: &'a str,
    lang: Lang,
    title: &'a str,
    score: f32,
}

/// Payload of `article_view` and `helpful`.
#[derive(Serialize)]
struct ArticleEvent<'a> {
    id: &'a str,
    lang: Lang,
    title: &'a str,
    url: &'a str,
    #[serde(skip_serializing_if = "Option::is_none")]
    helpful: Option<bool>,
}

impl Widget {
    /// Creates the state for `config`, in `lang`.
    pub fn new(config: Config, lang: Lang) -> Self {
        let suggestions = RwSignal::new(config.suggest.clone());
        let kb = RwSignal::new(KbStatus::Loading);
        let query = RwSignal::new(String::new());
        let typing = RwSignal::new(true);
        let lang = RwSignal::new(lang);
        let results = Memo::new(move |_| {
            // Re-run when the index becomes ready, too.
            if !matches!(kb.get(), KbStatus::Ready(_)) {
                return Results::default();
            }
            query.with(|q| kb::search(q, lang.get(), typing.get()))
        });
        Widget {
            config: StoredValue::new(config),
            site: RwSignal::new(Site::default()),
            kb,
            open: RwSignal::new(false),
            lang,
            screen: RwSignal::new(Screen::Search),
            query,
            typing,
            feedback: RwSignal::new(None),
            suggestions,
            journey: RwSignal::new(Journey::default()),
            results,
        }
    }

    /// The visitor typed in the search box.
    pub fn type_query(&self, text: String) {
        self.typing.set(true);
        self.query.set(text);
    }

    /// A complete search from the page (`Answerdesk('search', text)`): open on the results and report them.
    pub fn search_now(&self, text: String) {
        self.typing.set(false);
        self.query.set(text);
        self.screen.set(Screen::Search);
        self.set_open(true);
        self.settle_search();
    }

    /// The visitor paused, pressed Enter or opened a result: the query counts as asked. Records it and
    /// tells the page.
    pub fn settle_search(&self) {
        let query = self.query.get_untracked();
        if query.trim().is_empty() || !matches!(self.kb.get_untracked(), KbStatus::Ready(_)) {
            return;
        }
        self.journey.update(|j| j.record_search(&query));
        self.results.with_untracked(|results| {
            let results = results
                .hits
                .iter()
                .map(|h| HitSummary { id: &h.id, lang: h.lang, title: &h.title, score: h.score })
                .collect();
            bridge::emit("search", &SearchEvent { query: &query, lang: self.lang.get_untracked(), results });
        });
    }

    /// Opens an article inside the panel.
    pub fn open_article(&self, id: &str, lang: Lang) {
        self.settle_search();
        let Some(article) = kb::article(lang, id) else { return };
        self.journey.update(|j| {
            j.record_article(ArticleSeen {
                id: article.id.clone(),
                lang: article.lang.code().to_owned(),
                title: article.title.clone(),
                team: article.team.clone(),
                helpful: None,
            })
        });
        bridge::emit(
            "article_view",
            &ArticleEvent {
                id: &article.id,
                lang: article.lang,
                title: &article.title,
                url: &article.url,
                helpful: None,
            },
        );
        self.feedback.set(None);
        self.screen.set(Screen::Article { id: article.id, lang: article.lang });
        self.set_open(true);
    }

    /// "Did this answer your question?"
    pub fn give_feedback(&self, helpful: bool) {
        let Screen::Article { id, lang } = self.screen.get_untracked() else { return };
        let Some(article) = kb::article(lang, &id) else { return };
        self.journey.update(|j| j.record_feedback(&id, lang.code(), helpful));
        self.feedback.set(Some(helpful));
        bridge::emit(
            "helpful",
            &ArticleEvent { id: &id, lang, title: &article.title, url: &article.url, helpful: Some(helpful) },
        );
    }

    /// The visitor wants a person: show the ways to reach one and hand over the context.
    pub fn escalate(&self) {
        self.settle_search();
        let context = self
            .journey
            .with_untracked(|j| j.escalation(&bridge::page_url(), self.lang.get_untracked().code()));
        bridge::emit("escalate", &context);
        self.screen.set(Screen::Contact);
        self.set_open(true);
    }

    /// Sets who the visitor is.
    pub fn identify(&self, identity: Identity) {
        self.journey.update(|j| j.identify(identity));
    }

    /// Opens or closes the panel. Opening picks the suggestions for the page's current route.
    pub fn set_open(&self, open: bool) {
        if open {
            let path = bridge::page_path();
            let routed = self.config.with_value(|c| {
                crate::config::suggestions_for(&path, &c.suggest_by_path).map(<[String]>::to_vec)
            });
            if let Some(ids) = routed {
                self.suggestions.set(ids);
            }
        }
        if self.open.get_untracked() != open {
            self.open.set(open);
        }
    }

    /// Hits to show when the query is empty: the suggested articles that exist.
    pub fn suggested(&self) -> Vec<Hit> {
        if !matches!(self.kb.get(), KbStatus::Ready(_)) {
            return Vec::new();
        }
        let lang = self.lang.get();
        self.suggestions
            .get()
            .iter()
            .filter_map(|id| kb::article(lang, id))
            .map(|a| Hit {
                id: a.id,
                lang: a.lang,
                title: a.title,
                url: a.url,
                category: a.category,
                snippet: kb_core::Snippet { text: a.summary, highlights: Vec::new() },
                score: 0.0,
            })
            .collect()
    }
}
