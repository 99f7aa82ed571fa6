//! The running console: its signals and the actions the views call. Every change to what the desk knows
//! goes through [`Inbox`]; this adds the browser around it (socket, sound, focus, title).

use std::cell::Cell;
use std::collections::HashMap;

use kb_core::Lang;
use leptos::html;
use leptos::prelude::*;
use protocol::agent::{ClientFrame, ServerFrame};
use protocol::chat::ConversationStatus;
use protocol::rest::{AgentSession, CannedReply};

use crate::inbox::{Inbox, News, Outgoing, Queue};
use crate::link::{self, LinkState};
use crate::prefs::{self, Theme};

/// What the reply box writes.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Mode {
    /// A reply the visitor sees.
    Reply,
    /// A private note for agents.
    Note,
}

/// A dialog over the console.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Dialog {
    /// The keyboard shortcuts.
    Help,
    /// Every agent's ratings.
    Ratings,
    /// "Close this conversation?"
    ConfirmClose,
    /// Draft an article from [`Desk::draft_from`].
    Draft,
}

/// What the console shows below the top bar.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Page {
    /// Queues, conversations and the open one.
    Inbox,
    /// The help center's report.
    Reports,
}

/// The console's state, shared by every view (all fields are `Copy` handles).
#[derive(Debug, Clone, Copy)]
pub struct Desk {
    pub session: RwSignal<Option<AgentSession>>,
    pub inbox: RwSignal<Inbox>,
    pub link: RwSignal<LinkState>,
    pub lang: RwSignal<Lang>,
    pub theme: RwSignal<Theme>,
    pub canned: RwSignal<Vec<CannedReply>>,
    /// The highlighted row of the list (moved by j/k, opened by Enter).
    pub cursor: RwSignal<Option<String>>,
    pub mode: RwSignal<Mode>,
    pub dialog: RwSignal<Option<Dialog>>,
    pub page: RwSignal<Page>,
    /// What the draft dialog drafts from.
    pub draft_from: RwSignal<Option<protocol::reports::ProposeDraft>>,
    /// The last message for screen readers ("2 new messages"), in the live region.
    pub announcement: RwSignal<String>,
    /// What the agent has typed but not sent, per conversation, while the console is open.
    pub drafts: RwSignal<HashMap<String, String>>,
    pub composer: NodeRef<html::Textarea>,
    pub search: NodeRef<html::Input>,
}

/// How long the agent pauses typing before the search over every conversation runs.
const SEARCH_PAUSE_MS: i32 = 250;

thread_local! {
    static NEXT_ID: Cell<u32> = const { Cell::new(0) };
}

/// A client id unique to this page view: a random prefix, then a counter.
fn client_id() -> String {
    thread_local! {
        static PREFIX: String = format!("c{:x}", (js_sys::Math::random() * f64::from(u32::MAX)) as u32);
    }
    let n = NEXT_ID.with(|next| {
        next.set(next.get() + 1);
        next.get()
    });
    PREFIX.with(|prefix| format!("{prefix}-{n}"))
}

impl Desk {
    /// A console with nobody logged in yet.
    pub fn new() -> Self {
        Desk {
            session: RwSignal::new(None),
            inbox: RwSignal::new(Inbox::default()),
            link: RwSignal::new(LinkState::Connecting),
            lang: RwSignal::new(prefs::lang()),
            theme: RwSignal::new(prefs::theme()),
            canned: RwSignal::new(Vec::new()),
            cursor: RwSignal::new(None),
            mode: RwSignal::new(Mode::Reply),
            dialog: RwSignal::new(None),
            page: RwSignal::new(Page::Inbox),
            draft_from: RwSignal::new(None),
            announcement: RwSignal::new(String::new()),
            drafts: RwSignal::new(HashMap::new()),
            composer: NodeRef::new(),
            search: NodeRef::new(),
        }
    }

    /// Logged in: load the canned replies and open the socket.
    pub fn start(self, session: AgentSession) {
        let csrf = session.csrf.clone();
        self.session.set(Some(session));
        leptos::task::spawn_local(async move {
            if let Ok(canned) = crate::api::canned().await {
                self.canned.set(canned);
            }
        });
        link::connect(
            csrf,
            move |frame| self.on_frame(frame),
            move |state| {
                if state == LinkState::LoggedOut {
                    // The session ended on the server (another tab logged out, a new password): log in again.
                    self.forget();
                }
                self.link.set(state);
            },
        );
    }

    /// Logs out and forgets everything.
    pub fn log_out(self) {
        let csrf = self.csrf();
        link::disconnect();
        leptos::task::spawn_local(async move {
            let _ = crate::api::logout(&csrf).await;
            self.forget();
        });
    }

    /// Back to the login form, knowing nothing.
    fn forget(self) {
        self.session.set(None);
        self.inbox.set(Inbox::default());
        self.cursor.set(None);
    }

    fn on_frame(self, frame: ServerFrame) {
        let mut news = News::Quiet;
        self.inbox.update(|inbox| news = inbox.apply(frame));
        match news {
            News::Connected => {
                let (outbox, selected) =
                    self.inbox.with_untracked(|inbox| (inbox.outbox.clone(), inbox.selected.clone()));
                for outgoing in outbox {
                    link::send(frame_for(outgoing));
                }
                if let Some(conversation_id) = selected {
                    link::send(ClientFrame::Open { conversation_id });
                }
            }
            News::VisitorSpoke => {
                crate::notify::chime();
                let unread = self.inbox.with_untracked(Inbox::unread_total);
                let text = crate::i18n::strings(self.lang.get_untracked()).new_messages;
                self.announcement.set(text.replace("{n}", &unread.to_string()));
            }
            News::Quiet => {}
        }
        self.mark_read();
        let unread = self.inbox.with_untracked(Inbox::unread_total);
        if let Some(document) = web_sys::window().and_then(|w| w.document()) {
            let title = if unread > 0 { format!("({unread}) Answerdesk") } else { "Answerdesk".into() };
            document.set_title(&title);
        }
    }

    /// Reports the open conversation read, when the agent is looking at it.
    pub fn mark_read(self) {
        let focused =
            web_sys::window().and_then(|w| w.document()).is_some_and(|d| d.has_focus().unwrap_or(false));
        if !focused {
            return;
        }
        if let Some((conversation_id, up_to_seq)) = self.inbox.with_untracked(Inbox::unread_up_to) {
            link::send(ClientFrame::Read { conversation_id, up_to_seq });
        }
    }

    /// Shows a queue; the highlight goes to its first conversation.
    pub fn show_queue(self, queue: Queue) {
        self.inbox.update(|inbox| inbox.queue = Some(queue));
        self.cursor.set(self.inbox.with_untracked(|inbox| inbox.neighbour(None, 0)));
    }

    /// Opens a conversation in the middle column and asks for its history.
    pub fn open(self, conversation_id: String) {
        self.cursor.set(Some(conversation_id.clone()));
        self.inbox.update(|inbox| inbox.select(&conversation_id));
        self.mode.set(Mode::Reply);
        link::send(ClientFrame::Open { conversation_id });
    }

    /// Once the agent pauses typing in the list's search box, asks chat-server to search every
    /// conversation for `text` (the loaded ones are filtered at once, in the browser).
    pub fn search_everywhere(self, text: String) {
        if !self.inbox.with_untracked(Inbox::filtering) {
            return;
        }
        leptos::task::spawn_local(async move {
            browser_link::sleep(SEARCH_PAUSE_MS).await;
            let typed = self.search.get_untracked().map(|input| input.value());
            if typed.as_deref() != Some(text.as_str()) {
                return;
            }
            match crate::api::search(&text).await {
                Ok(found) => self.inbox.update(|inbox| inbox.found(&text, found)),
                Err(problem) => self.inbox.update(|inbox| inbox.problem = Some(problem)),
            }
        });
    }

    /// Moves the highlight through the list.
    pub fn move_cursor(self, step: isize) {
        let from = self.cursor.get_untracked();
        let next = self.inbox.with_untracked(|inbox| inbox.neighbour(from.as_deref(), step));
        if next.is_some() {
            self.cursor.set(next);
        }
    }

    /// The open conversation, if it still takes messages.
    fn open_conversation(self) -> Option<String> {
        self.inbox.with_untracked(|inbox| {
            inbox.current().filter(|c| c.status == ConversationStatus::Open).map(|c| c.id.clone())
        })
    }

    /// Sends what the reply box holds as a reply or note; false when there was nothing to send.
    pub fn write(self, body: String) -> bool {
        let Some(conversation_id) = self.open_conversation() else { return false };
        if body.trim().is_empty() {
            return false;
        }
        let outgoing = Outgoing {
            conversation_id: conversation_id.clone(),
            client_id: client_id(),
            body,
            private: self.mode.get_untracked() == Mode::Note,
        };
        self.inbox.update(|inbox| {
            inbox.outbox.push(outgoing.clone());
            inbox.problem = None;
        });
        link::send(frame_for(outgoing));
        link::send(ClientFrame::Typing { conversation_id, typing: false });
        true
    }

    /// Tells the visitor the agent is typing, or stopped.
    pub fn typing(self, typing: bool) {
        if self.mode.get_untracked() == Mode::Reply
            && let Some(conversation_id) = self.open_conversation()
        {
            link::send(ClientFrame::Typing { conversation_id, typing });
        }
    }

    /// Assigns the open conversation to me, or (`None`) back to its team's queue.
    pub fn assign(self, to_me: bool) {
        let Some(conversation_id) = self.open_conversation() else { return };
        let assignee = if to_me {
            self.session.with_untracked(|s| s.as_ref().map(|s| s.agent.username.clone()))
        } else {
            None
        };
        link::send(ClientFrame::Assign { conversation_id, assignee, team: None });
    }

    /// Closes the open conversation (after the agent confirmed).
    /// The session's CSRF token (empty when logged out).
    pub fn csrf(self) -> String {
        self.session.with_untracked(|s| s.as_ref().map(|s| s.csrf.clone())).unwrap_or_default()
    }

    /// Opens the draft dialog for `from`.
    pub fn draft(self, from: protocol::reports::ProposeDraft) {
        self.draft_from.set(Some(from));
        self.dialog.set(Some(Dialog::Draft));
    }

    pub fn close(self) {
        self.dialog.set(None);
        if let Some(conversation_id) = self.open_conversation() {
            link::send(ClientFrame::Close { conversation_id });
        }
    }

    /// Puts the caret in the reply box, in `mode`.
    pub fn focus_composer(self, mode: Mode) {
        if self.open_conversation().is_none() {
            return;
        }
        self.mode.set(mode);
        if let Some(box_) = self.composer.get_untracked() {
            let _ = box_.focus();
        }
    }

    /// The locale dates and times are written in (reactive: follows the interface language).
    pub fn locale(self) -> String {
        crate::i18n::locale(self.lang.get(), prefs::browser_locale().as_deref())
    }

    /// Remembers and applies the interface language.
    pub fn set_lang(self, lang: Lang) {
        prefs::set_lang(lang);
        self.lang.set(lang);
    }

    /// Remembers and applies the theme.
    pub fn set_theme(self, theme: Theme) {
        prefs::set_theme(theme);
        self.theme.set(theme);
    }
}

impl Default for Desk {
    fn default() -> Self {
        Desk::new()
    }
}

fn frame_for(outgoing: Outgoing) -> ClientFrame {
    let Outgoing { conversation_id, client_id, body, private } = outgoing;
    if private {
        ClientFrame::Note { conversation_id, client_id, body }
    } else {
        ClientFrame::Reply { conversation_id, client_id, body }
    }
}
