//! The widget's state and the actions on it, shared by the panel's components and the JavaScript API
//! (`Answerdesk('open')`, `Answerdesk('search', text)`, …), so both behave identically.

use futures_util::future::{AbortHandle, Abortable};
use kb_core::{Hit, Lang};
use leptos::prelude::*;
use protocol::analytics::Event;
use protocol::rest::{Availability, LeaveMessage, StartConversation};
use protocol::visitor::{ClientFrame, ServerFrame};
use protocol::{ArticleSeen, EscalationContext, Identity, PROTOCOL_VERSION};
use serde::Serialize;

use crate::analytics;
use crate::bridge;
use crate::chat::{Chat, Outcome, RatingStep};
use crate::chat_link::{self, Saved};
use crate::config::{Analytics, Config, Site};
use crate::journey::Journey;
use crate::kb::{self, Results};

/// Which screen the panel shows.
#[derive(Debug, Clone, PartialEq)]
pub enum Screen {
    /// The search box with results or suggestions.
    Search,
    /// One article, with "did this help?".
    Article { id: String, lang: Lang },
    /// Ways to reach a person, with the hand-over: live chat when someone is online, a message otherwise.
    Contact,
    /// The live conversation.
    Chat,
}

/// Whether a person can be reached through chat-server.
#[derive(Debug, Clone, PartialEq)]
pub enum Reach {
    /// Not asked yet (or no chat server configured).
    Unknown,
    /// Asking the server.
    Checking,
    /// The server answered: online (chat) or not (leave a message).
    Answered(Availability),
    /// The server could not be reached: only the other ways are left.
    Unreachable,
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
    /// The visitor paused or pressed Enter on the query: it is a question, not a word being typed, so an
    /// unsure answer gets a person offered next to it.
    pub settled: RwSignal<bool>,
    /// Feedback given on the article shown.
    pub feedback: RwSignal<Option<bool>>,
    pub suggestions: RwSignal<Vec<String>>,
    pub journey: RwSignal<Journey>,
    /// Results for `query`: searched again on every change (async: the pieces a query needs may have to be
    /// fetched), the latest query's answer winning.
    pub results: RwSignal<Results>,
    /// The article on the article screen: its card at once, its body when it arrives.
    pub article: RwSignal<Shown>,
    /// Cards of the suggested articles (looked up when the suggestions or the language change).
    pub suggested: RwSignal<Vec<Hit>>,
    /// The visitor settled on a query whose results were still coming: report it when they arrive.
    settle_pending: StoredValue<bool>,
    /// Whether someone can answer, once asked.
    pub reach: RwSignal<Reach>,
    /// The visitor's conversation with chat-server, once started (or resumed after a reload).
    pub conversation: RwSignal<Option<Saved>>,
    /// The conversation's messages and delivery state.
    pub chat: RwSignal<Chat>,
    /// Where the answer goes, after the visitor left a message.
    pub left_email: RwSignal<Option<String>>,
    /// A request to chat-server is in flight (the form's button waits).
    pub busy: RwSignal<bool>,
    /// Why starting a chat or leaving a message failed, in the server's words.
    pub chat_error: RwSignal<Option<String>>,
}

/// Payload of the `message` event: an agent wrote to the visitor.
#[derive(Serialize)]
struct MessageEvent<'a> {
    conversation_id: &'a str,
    seq: u64,
    author: &'a str,
    body: &'a str,
}

/// Payload of the `search` event.
#[derive(Serialize)]
struct SearchEvent<'a> {
    query: &'a str,
    lang: Lang,
    results: Vec<HitSummary<'a>>,
    /// Whether the engine is confident the first result answers the query: the questions the knowledge
    /// base does not answer yet are the ones with `answered: false`.
    answered: bool,
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

/// How long typing must pause before a search that fetches pieces of the index starts (Pagefind's UI
/// waits 300 ms before every search).
const TYPING_PAUSE_MS: i32 = 150;
/// A pause this long in typing makes the query count as asked (recorded, reported to the page).
pub const SETTLE_AFTER: std::time::Duration = std::time::Duration::from_millis(800);

impl Widget {
    /// Creates the state for `config`, in `lang`.
    pub fn new(config: Config, lang: Lang) -> Self {
        let suggestions = RwSignal::new(config.suggest.clone());
        let kb = RwSignal::new(KbStatus::Loading);
        let query = RwSignal::new(String::new());
        let typing = RwSignal::new(true);
        let lang = RwSignal::new(lang);
        let results = RwSignal::new(Results::default());
        let settle_pending = StoredValue::new(false);
        Widget {
            config: StoredValue::new(config),
            site: RwSignal::new(Site::default()),
            kb,
            open: RwSignal::new(false),
            lang,
            screen: RwSignal::new(Screen::Search),
            query,
            typing,
            settled: RwSignal::new(false),
            feedback: RwSignal::new(None),
            suggestions,
            journey: RwSignal::new(Journey::default()),
            results,
            article: RwSignal::new(Shown::Nothing),
            suggested: RwSignal::new(Vec::new()),
            settle_pending,
            reach: RwSignal::new(Reach::Unknown),
            conversation: RwSignal::new(None),
            chat: RwSignal::new(Chat::default()),
            left_email: RwSignal::new(None),
            busy: RwSignal::new(false),
            chat_error: RwSignal::new(None),
        }
    }

    /// Searches whenever the query, its language or the index change. A newer query cancels the search
    /// still running for an older one, and while the visitor types in an index that fetches its pieces,
    /// a search waits for a short pause in the typing first: keystrokes on a slow network must not queue
    /// fetches for words nobody asks any more ahead of the one asked (pieces already on their way still
    /// arrive and are kept). The cards show first, the snippets cut from the bodies replace the
    /// summaries when the bodies have arrived.
    pub fn search_on_change(&self) {
        let widget = *self;
        let running = StoredValue::new(None::<AbortHandle>);
        Effect::new(move |_| {
            let ready = matches!(widget.kb.get(), KbStatus::Ready(_));
            let (text, lang, typing) = (widget.query.get(), widget.lang.get(), widget.typing.get());
            if let Some(previous) = running.get_value() {
                previous.abort();
            }
            if !ready {
                running.set_value(None);
                widget.results.set(Results::default());
                return;
            }
            let (cancel, registration) = AbortHandle::new_pair();
            running.set_value(Some(cancel));
            let wait = typing && !kb::searches_offline(lang);
            let search = async move {
                if wait {
                    kb::pause(TYPING_PAUSE_MS).await;
                }
                let cards = kb::search(&text, lang, typing).await;
                widget.results.set(cards.clone());
                widget.report_if_settled();
                if cards.hits.is_empty() {
                    return;
                }
                widget.results.set(kb::with_snippets(lang, typing, cards).await);
            };
            leptos::task::spawn_local(async move {
                let _ = Abortable::new(search, registration).await;
            });
        });
    }

    /// Looks up the cards of the suggested articles when the suggestions, the language or the index change.
    pub fn look_up_suggestions(&self) {
        let widget = *self;
        Effect::new(move |_| {
            let ready = matches!(widget.kb.get(), KbStatus::Ready(_));
            let (ids, lang) = (widget.suggestions.get(), widget.lang.get());
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
                if widget.suggestions.get_untracked() == ids {
                    widget.suggested.set(cards);
                }
            });
        });
    }

    /// The visitor typed in the search box.
    pub fn type_query(&self, text: String) {
        self.typing.set(true);
        self.settled.set(false);
        self.query.set(text);
    }

    /// A complete search from the page (`Answerdesk('search', text)`): open on the results and report them.
    pub fn search_now(&self, text: String) {
        self.typing.set(false);
        self.settled.set(false);
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
        if self.settled.get_untracked() {
            return;
        }
        self.settled.set(true);
        self.journey.update(|j| j.record_search(&query));
        if !self.results_are_current() {
            // Its results are still coming: `search_on_change` reports them.
            self.settle_pending.set_value(true);
            return;
        }
        self.report_search();
    }

    fn report_if_settled(&self) {
        if self.settle_pending.get_value() && self.results_are_current() {
            self.settle_pending.set_value(false);
            self.report_search();
        }
    }

    /// Whether `results` answer what the search box holds now (not the previous text or language).
    fn results_are_current(&self) -> bool {
        let (query, lang, typing) =
            (self.query.get_untracked(), self.lang.get_untracked(), self.typing.get_untracked());
        self.results.with_untracked(|r| r.answer(&query, lang, typing))
    }

    /// The `search` event for the current results.
    fn report_search(&self) {
        self.results.with_untracked(|results| {
            let query = &results.query;
            let answered = results.confident;
            let results: Vec<HitSummary> = results
                .hits
                .iter()
                .map(|h| HitSummary { id: &h.id, lang: h.lang, title: &h.title, score: h.score })
                .collect();
            let lang = self.lang.get_untracked();
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
        let (id, lang) = (id.to_string(), lang);
        match kb::card(lang, &id) {
            Some(card) => self.show_article(card),
            None => leptos::task::spawn_local(async move {
                match kb::find_card(lang, &id).await {
                    Some(card) => widget.show_article(card),
                    None => {
                        widget.article.set(Shown::Failed(None));
                        widget.screen.set(Screen::Article { id, lang });
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
        bridge::emit(
            "article_view",
            &ArticleEvent {
                id: &card.id,
                lang: card.lang,
                title: &card.title,
                url: &card.url,
                helpful: None,
            },
        );
        self.feedback.set(None);
        let (id, lang) = (card.id.clone(), card.lang);
        self.article.set(Shown::Card(card.clone()));
        self.screen.set(Screen::Article { id: id.clone(), lang });
        self.set_open(true);
        let widget = *self;
        leptos::task::spawn_local(async move {
            let shown = match kb::article(lang, &id).await {
                Ok(Some(article)) => Shown::Full(card, article.body_html),
                Ok(None) | Err(_) => Shown::Failed(Some(card)),
            };
            // Only if the visitor is still on this article.
            if widget.article.with_untracked(|a| a.card().is_some_and(|c| c.id == id && c.lang == lang)) {
                widget.article.set(shown);
            }
        });
    }

    /// "Did this answer your question?"
    pub fn give_feedback(&self, helpful: bool) {
        let Screen::Article { id, lang } = self.screen.get_untracked() else { return };
        let Some(card) = self.article.with_untracked(|a| a.card().cloned()) else { return };
        self.journey.update(|j| j.record_feedback(&id, lang.code(), helpful));
        self.feedback.set(Some(helpful));
        analytics::record(Event::Helpful { article: id.clone(), lang: lang.code().to_owned(), helpful });
        bridge::emit(
            "helpful",
            &ArticleEvent { id: &id, lang, title: &card.title, url: &card.url, helpful: Some(helpful) },
        );
    }

    /// The visitor wants a person: back to their conversation if they have one, else the ways to reach
    /// someone (asking chat-server who is online). The page gets the context either way.
    pub fn escalate(&self) {
        self.settle_search();
        bridge::emit("escalate", &self.context(None));
        analytics::record(Event::Escalate { lang: self.lang.get_untracked().code().to_owned() });
        if self.conversation.with_untracked(Option::is_some) {
            self.screen.set(Screen::Chat);
        } else {
            self.screen.set(Screen::Contact);
            self.check_availability();
        }
        self.set_open(true);
    }

    /// What is handed over, with `email` added to the identity when the visitor gave one in a form.
    pub fn context(&self, email: Option<&str>) -> EscalationContext {
        let mut context = self
            .journey
            .with_untracked(|j| j.escalation(&bridge::page_url(), self.lang.get_untracked().code()));
        if let Some(email) = email.map(str::trim).filter(|e| !e.is_empty()) {
            let identity = context.identity.get_or_insert_with(|| Identity {
                id: email.to_owned(),
                name: None,
                email: None,
                signature: None,
            });
            identity.email.get_or_insert_with(|| email.to_owned());
        }
        context
    }

    /// Where the anonymous events go: `None` when analytics are off or there is nowhere to send them.
    pub fn analytics_target(&self) -> Option<String> {
        match self.config.with_value(|c| c.analytics.clone()) {
            Analytics::Enabled(false) => None,
            Analytics::To(url) => Some(url),
            Analytics::Enabled(true) => self.chat_server().map(|server| format!("{server}/api/events")),
        }
    }

    /// chat-server's URL: the init option, else the help center's manifest.
    pub fn chat_server(&self) -> Option<String> {
        self.config
            .with_value(|c| c.chat.clone())
            .or_else(|| self.site.with_untracked(|s| s.chat_url.clone()))
            .map(|url| url.trim().trim_end_matches('/').to_owned())
            .filter(|url| url.starts_with("http://") || url.starts_with("https://"))
    }

    fn check_availability(&self) {
        let Some(server) = self.chat_server() else { return };
        self.reach.set(Reach::Checking);
        let widget = *self;
        leptos::task::spawn_local(async move {
            let reach = match chat_link::availability(&server).await {
                Ok(availability) => Reach::Answered(availability),
                Err(err) => {
                    web_sys::console::warn_1(&format!("Answerdesk: chat server unreachable: {err}").into());
                    Reach::Unreachable
                }
            };
            widget.reach.set(reach);
        });
    }

    /// Starts a live conversation whose first message is `body`.
    pub fn start_chat(&self, body: String, email: String) {
        let Some(server) = self.chat_server() else { return };
        let request = StartConversation { version: PROTOCOL_VERSION, context: self.context(Some(&email)) };
        let widget = *self;
        self.request(async move {
            let started = chat_link::start(&server, &request).await?;
            analytics::record(Event::Chat { lang: widget.lang.get_untracked().code().to_owned() });
            let saved = Saved { conversation_id: started.conversation_id, token: started.visitor_token };
            widget.begin(&server, saved);
            widget.send_chat(body);
            Ok(())
        });
    }

    /// Leaves a message while nobody is online; it waits in the team's queue and is answered by email.
    pub fn leave_message(&self, email: String, name: String, body: String) {
        let Some(server) = self.chat_server() else { return };
        let request = LeaveMessage {
            version: PROTOCOL_VERSION,
            email: email.trim().to_owned(),
            name: Some(name.trim().to_owned()).filter(|n| !n.is_empty()),
            message: body,
            context: self.context(Some(&email)),
        };
        let widget = *self;
        self.request(async move {
            let ticket = chat_link::leave_message(&server, &request).await?;
            analytics::record(Event::Message { lang: widget.lang.get_untracked().code().to_owned() });
            widget.left_email.set(Some(request.email));
            widget.begin(
                &server,
                Saved { conversation_id: ticket.conversation_id, token: ticket.visitor_token },
            );
            Ok(())
        });
    }

    /// Runs a request to chat-server with the form waiting, and shows why it failed, if it did.
    fn request(&self, work: impl Future<Output = Result<(), String>> + 'static) {
        let widget = *self;
        self.busy.set(true);
        self.chat_error.set(None);
        leptos::task::spawn_local(async move {
            if let Err(reason) = work.await {
                widget.chat_error.set(Some(reason));
            }
            widget.busy.set(false);
        });
    }

    /// Remembers the conversation (only now is anything stored), connects, and shows it.
    fn begin(&self, server: &str, saved: Saved) {
        chat_link::save(server, &saved);
        self.chat.set(Chat::default());
        chat_link::connect(*self, server, saved.token.clone());
        self.conversation.set(Some(saved));
        self.screen.set(Screen::Chat);
    }

    /// Picks up the conversation saved by an earlier page view, if any.
    pub fn resume_chat(&self) {
        let Some(server) = self.chat_server() else { return };
        if let Some(saved) = chat_link::load(&server) {
            self.chat.set(Chat::default());
            chat_link::connect(*self, &server, saved.token.clone());
            self.conversation.set(Some(saved));
        }
    }

    /// Sends a message; it stays in the outbox until the server acknowledges it.
    pub fn send_chat(&self, body: String) {
        let body = body.trim().to_owned();
        if body.is_empty() {
            return;
        }
        let client_id = chat_link::client_id();
        self.chat.update(|chat| chat.queue(client_id.clone(), body.clone()));
        chat_link::send(ClientFrame::Send { client_id, body });
        self.visitor_typing(false);
    }

    /// Sends a refused message again.
    pub fn retry_chat(&self, client_id: &str) {
        let again = self.chat.try_update(|chat| chat.retry(client_id).cloned()).flatten();
        if let Some(outgoing) = again {
            chat_link::send(ClientFrame::Send { client_id: outgoing.client_id, body: outgoing.body });
        }
    }

    /// Tells the agent whether the visitor is typing.
    pub fn visitor_typing(&self, typing: bool) {
        chat_link::send(ClientFrame::Typing { typing });
    }

    /// The visitor's rating of a closed conversation.
    pub fn rate(&self, score: u8, comment: String) {
        self.chat.update(|chat| chat.rating = RatingStep::Sending);
        let comment = Some(comment.trim().to_owned()).filter(|c| !c.is_empty());
        chat_link::send(ClientFrame::Rate { score, comment });
    }

    /// Answers "how likely are you to recommend us?" (0–10); `None` skips it.
    pub fn recommend(&self, score: Option<u8>) {
        match score {
            Some(score) => {
                self.chat.update(|chat| chat.rating = RatingStep::Recommending);
                chat_link::send(ClientFrame::Recommend { score });
            }
            None => self.chat.update(|chat| chat.rating = RatingStep::Thanked),
        }
    }

    /// Forgets the finished conversation and offers the ways to reach someone again.
    pub fn new_conversation(&self) {
        if let Some(server) = self.chat_server() {
            chat_link::forget(&server);
        }
        chat_link::disconnect();
        self.conversation.set(None);
        self.chat.set(Chat::default());
        self.left_email.set(None);
        self.screen.set(Screen::Contact);
        self.check_availability();
    }

    /// A frame from chat-server.
    pub fn on_chat_frame(&self, frame: ServerFrame) {
        let looking = self.looking_at_chat();
        match self.chat.try_update(|chat| chat.apply(frame, looking)) {
            Some(Outcome::AgentMessage(message)) => {
                let conversation_id =
                    self.conversation.with_untracked(|c| c.as_ref().map(|c| c.conversation_id.clone()));
                let author = match &message.author {
                    protocol::chat::Author::Agent { name } => name.as_str(),
                    _ => "",
                };
                bridge::emit(
                    "message",
                    &MessageEvent {
                        conversation_id: conversation_id.as_deref().unwrap_or_default(),
                        seq: message.seq,
                        author,
                        body: &message.body,
                    },
                );
            }
            Some(Outcome::Forget) => {
                if let Some(server) = self.chat_server() {
                    chat_link::forget(&server);
                }
            }
            Some(Outcome::None) | None => {}
        }
        if looking {
            self.note_seen();
        }
    }

    /// Whether the visitor sees the conversation right now.
    pub fn looking_at_chat(&self) -> bool {
        self.open.get_untracked()
            && self.screen.with_untracked(|s| *s == Screen::Chat)
            && bridge::page_visible()
    }

    /// The visitor sees the conversation: clear the unread count and tell the agents how far they read.
    pub fn note_seen(&self) {
        // Checked first: an update notifies even when nothing changed, and effects call this.
        if !self.chat.with_untracked(Chat::unseen) {
            return;
        }
        if let Some(up_to_seq) = self.chat.try_update(Chat::seen).flatten() {
            chat_link::send(ClientFrame::Read { up_to_seq });
        }
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
}
