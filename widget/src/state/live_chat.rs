//! Reaching a person: who is online, starting a chat or leaving a message with the hand-over, and the
//! conversation itself (sending, rating, reading), kept across page views by [`chat_link`].

use leptos::prelude::*;
use protocol::PROTOCOL_VERSION;
use protocol::analytics::Event;
use protocol::rest::{Availability, LeaveMessage, StartConversation};
use protocol::visitor::{ClientFrame, ServerFrame};

use super::{Screen, Widget};
use crate::analytics;
use crate::bridge::{self, MessageEvent};
use crate::chat::{Chat, Outcome, RatingStep};
use crate::chat_link::{self, Saved};

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

/// The live-chat state. Signals are handles, so this is `Copy`.
#[derive(Debug, Clone, Copy)]
pub struct LiveChatState {
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
    pub error: RwSignal<Option<String>>,
}

impl LiveChatState {
    pub(super) fn new() -> Self {
        LiveChatState {
            reach: RwSignal::new(Reach::Unknown),
            conversation: RwSignal::new(None),
            chat: RwSignal::new(Chat::default()),
            left_email: RwSignal::new(None),
            busy: RwSignal::new(false),
            error: RwSignal::new(None),
        }
    }

    /// Sends a refused message again.
    pub fn retry(&self, client_id: &str) {
        let again = self.chat.try_update(|chat| chat.retry(client_id).cloned()).flatten();
        if let Some(outgoing) = again {
            chat_link::send(ClientFrame::Send { client_id: outgoing.client_id, body: outgoing.body });
        }
    }

    /// Tells the agent whether the visitor is typing.
    pub fn typing(&self, typing: bool) {
        chat_link::send(ClientFrame::Typing { typing });
    }

    /// Sends a message; it stays in the outbox until the server acknowledges it.
    pub fn send(&self, body: String) {
        let body = body.trim().to_owned();
        if body.is_empty() {
            return;
        }
        let client_id = chat_link::client_id();
        self.chat.update(|chat| chat.queue(client_id.clone(), body.clone()));
        chat_link::send(ClientFrame::Send { client_id, body });
        self.typing(false);
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
}

impl Widget {
    /// The visitor wants a person: back to their conversation if they have one, else the ways to reach
    /// someone (asking chat-server who is online). The page gets the context either way.
    pub fn escalate(&self) {
        self.settle_search();
        bridge::emit("escalate", &self.context(None));
        analytics::record(Event::Escalate { lang: self.panel.lang.get_untracked().code().to_owned() });
        if self.live.conversation.with_untracked(Option::is_some) {
            self.panel.screen.set(Screen::Chat);
        } else {
            self.panel.screen.set(Screen::Contact);
            self.check_availability();
        }
        self.set_open(true);
    }

    fn check_availability(&self) {
        let Some(server) = self.panel.chat_server() else { return };
        let reach = self.live.reach;
        reach.set(Reach::Checking);
        leptos::task::spawn_local(async move {
            let answered = match chat_link::availability(&server).await {
                Ok(availability) => Reach::Answered(availability),
                Err(err) => {
                    web_sys::console::warn_1(&format!("Answerdesk: chat server unreachable: {err}").into());
                    Reach::Unreachable
                }
            };
            reach.set(answered);
        });
    }

    /// Starts a live conversation whose first message is `body`.
    pub fn start_chat(&self, body: String, email: String) {
        let Some(server) = self.panel.chat_server() else { return };
        let request = StartConversation { version: PROTOCOL_VERSION, context: self.context(Some(&email)) };
        let widget = *self;
        self.request(async move {
            let started = chat_link::start(&server, &request).await?;
            analytics::record(Event::Chat { lang: widget.panel.lang.get_untracked().code().to_owned() });
            let saved = Saved { conversation_id: started.conversation_id, token: started.visitor_token };
            widget.begin(&server, saved);
            widget.live.send(body);
            Ok(())
        });
    }

    /// Leaves a message while nobody is online; it waits in the team's queue and is answered by email.
    pub fn leave_message(&self, email: String, name: String, body: String) {
        let Some(server) = self.panel.chat_server() else { return };
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
            analytics::record(Event::Message { lang: widget.panel.lang.get_untracked().code().to_owned() });
            widget.live.left_email.set(Some(request.email));
            let saved = Saved { conversation_id: ticket.conversation_id, token: ticket.visitor_token };
            widget.begin(&server, saved);
            Ok(())
        });
    }

    /// Runs a request to chat-server with the form waiting, and shows why it failed, if it did.
    fn request(&self, work: impl Future<Output = Result<(), String>> + 'static) {
        let live = self.live;
        live.busy.set(true);
        live.error.set(None);
        leptos::task::spawn_local(async move {
            if let Err(reason) = work.await {
                live.error.set(Some(reason));
            }
            live.busy.set(false);
        });
    }

    /// Remembers the conversation (only now is anything stored), connects, and shows it.
    fn begin(&self, server: &str, saved: Saved) {
        chat_link::save(server, &saved);
        self.connect(server, saved);
        self.panel.screen.set(Screen::Chat);
    }

    /// Picks up the conversation saved by an earlier page view, if any.
    pub fn resume_chat(&self) {
        let Some(server) = self.panel.chat_server() else { return };
        if let Some(saved) = chat_link::load(&server) {
            self.connect(&server, saved);
        }
    }

    fn connect(&self, server: &str, saved: Saved) {
        let widget = *self;
        self.live.chat.set(Chat::default());
        let on_frame = move |frame| widget.on_chat_frame(frame);
        chat_link::connect(server, saved.token.clone(), self.live.chat, on_frame);
        self.live.conversation.set(Some(saved));
    }

    /// Forgets the finished conversation and offers the ways to reach someone again.
    pub fn new_conversation(&self) {
        if let Some(server) = self.panel.chat_server() {
            chat_link::forget(&server);
        }
        chat_link::disconnect();
        self.live.conversation.set(None);
        self.live.chat.set(Chat::default());
        self.live.left_email.set(None);
        self.panel.screen.set(Screen::Contact);
        self.check_availability();
    }

    /// A frame from chat-server.
    fn on_chat_frame(&self, frame: ServerFrame) {
        let looking = self.looking_at_chat();
        match self.live.chat.try_update(|chat| chat.apply(frame, looking)) {
            Some(Outcome::AgentMessage(message)) => {
                let conversation_id =
                    self.live.conversation.with_untracked(|c| c.as_ref().map(|c| c.conversation_id.clone()));
                let author = match &message.author {
                    protocol::chat::Author::Agent { name } => name.as_str(),
                    _ => "",
                };
                let event = MessageEvent {
                    conversation_id: conversation_id.as_deref().unwrap_or_default(),
                    seq: message.seq,
                    author,
                    body: &message.body,
                };
                bridge::emit("message", &event);
            }
            Some(Outcome::Forget) => {
                if let Some(server) = self.panel.chat_server() {
                    chat_link::forget(&server);
                }
            }
            Some(Outcome::None) | None => {}
        }
        if looking {
            self.live.note_seen();
        }
    }

    /// Whether the visitor sees the conversation right now.
    fn looking_at_chat(&self) -> bool {
        self.panel.open.get_untracked()
            && self.panel.screen.with_untracked(|s| *s == Screen::Chat)
            && bridge::page_visible()
    }
}
