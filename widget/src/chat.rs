//! Live chat as the visitor sees it: the messages, what is still on its way, and how each frame from
//! chat-server changes that. No I/O here (`chat_link.rs` talks to the server), so the delivery rules —
//! no message lost, none shown twice, resends after a reconnect — are unit-tested natively.

use protocol::chat::{Author, ChatMessage, ConversationStatus, ErrorCode};
use protocol::visitor::{QueueStatus, ServerFrame};

/// The conversation in the panel.
#[derive(Debug, Clone, PartialEq)]
pub struct Chat {
    /// Committed messages, by `seq`, each once.
    pub messages: Vec<ChatMessage>,
    /// Messages the visitor sent that the server has not acknowledged yet, oldest first. They are sent
    /// again, with the same client id, after every reconnect; the server stores each once.
    pub outbox: Vec<Outgoing>,
    /// The socket's state.
    pub link: Link,
    /// Open, or closed by an agent.
    pub status: ConversationStatus,
    /// The visitor's rating, once the conversation is closed.
    pub rating: RatingStep,
    /// An agent is typing.
    pub agent_typing: bool,
    /// Agents have read the visitor's messages up to this seq.
    pub agent_read_up_to: u64,
    /// Agent messages that arrived while the visitor was not looking at the chat.
    pub unread: u32,
    /// The highest seq reported to the server as read by the visitor.
    pub read_reported: u64,
    /// Messages up to this seq were history when the socket (re)connected, not news.
    pub history_up_to: u64,
    /// The last refusal not tied to one message, in the server's words.
    pub problem: Option<String>,
    /// The visitor's place in line while nobody has taken the conversation.
    pub queue: Option<QueueStatus>,
}

impl Default for Chat {
    fn default() -> Self {
        Chat {
            messages: Vec::new(),
            outbox: Vec::new(),
            link: Link::Connecting,
            status: ConversationStatus::Open,
            rating: RatingStep::NotAsked,
            agent_typing: false,
            agent_read_up_to: 0,
            unread: 0,
            read_reported: 0,
            history_up_to: 0,
            problem: None,
            queue: None,
        }
    }
}

/// A message on its way to the server.
#[derive(Debug, Clone, PartialEq)]
pub struct Outgoing {
    /// Stable across resends.
    pub client_id: String,
    /// Text as typed.
    pub body: String,
    /// The server refused it (too long, too many messages, closed); it is not resent by itself.
    pub refused: Option<ErrorCode>,
}

/// Whether the socket is usable.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Link {
    /// Opening, or waiting before the next attempt.
    Connecting,
    /// Welcomed by the server.
    Online,
    /// The server does not know this conversation any more (its token was refused): start over.
    Gone,
}

/// Where the visitor is with rating a closed conversation.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RatingStep {
    /// The conversation is open.
    NotAsked,
    /// Closed and not rated: show the prompt.
    Asked,
    /// The rating is on its way.
    Sending,
    /// Stored; the desk asks "how likely are you to recommend us?" (0–10, skippable).
    Recommend,
    /// That answer is on its way.
    Recommending,
    /// Stored (or skipped): nothing more is asked.
    Thanked,
}

/// What a frame changed that the widget has to act on beyond redrawing.
#[derive(Debug, Clone, PartialEq)]
pub enum Outcome {
    /// Nothing more.
    None,
    /// An agent's message arrived live: tell the page (`message` event).
    AgentMessage(ChatMessage),
    /// The server refused the token: forget the stored conversation.
    Forget,
}

impl Chat {
    /// Highest seq received, for resuming after a reconnect.
    pub fn last_seq(&self) -> u64 {
        self.messages.last().map_or(0, |m| m.seq)
    }

    /// Queues a message the visitor typed; the caller sends it.
    pub fn queue(&mut self, client_id: String, body: String) {
        self.outbox.push(Outgoing { client_id, body, refused: None });
    }

    /// Messages to (re)send after a reconnect: the ones not refused.
    pub fn to_resend(&self) -> impl Iterator<Item = &Outgoing> {
        self.outbox.iter().filter(|o| o.refused.is_none())
    }

    /// A refused message is tried again (the visitor pressed "retry").
    pub fn retry(&mut self, client_id: &str) -> Option<&Outgoing> {
        let outgoing = self.outbox.iter_mut().find(|o| o.client_id == client_id)?;
        outgoing.refused = None;
        Some(outgoing)
    }

    /// The socket dropped: typing indicators are stale, a rating in flight must be given again, and we are
    /// connecting again.
    pub fn disconnected(&mut self) {
        if self.link != Link::Gone {
            self.link = Link::Connecting;
        }
        self.agent_typing = false;
        self.rating = match self.rating {
            RatingStep::Sending => RatingStep::Asked,
            RatingStep::Recommending => RatingStep::Recommend,
            step => step,
        };
    }

    /// Applies one frame from the server. `looking` is whether the visitor sees the chat right now.
    pub fn apply(&mut self, frame: ServerFrame, looking: bool) -> Outcome {
        match frame {
            ServerFrame::Welcome { status, rated, last_seq, .. } => {
                self.link = Link::Online;
                self.history_up_to = last_seq;
                self.problem = None;
                // The server says again where the conversation stands in line, if it still waits.
                self.queue = None;
                self.set_status(status, rated);
            }
            ServerFrame::Message(message) => {
                let live = message.seq > self.last_seq() && message.seq > self.history_up_to;
                let from_agent = matches!(message.author, Author::Agent { .. });
                if let Some(client_id) = &message.client_id {
                    self.outbox.retain(|o| &o.client_id != client_id);
                }
                if from_agent {
                    self.agent_typing = false;
                    self.queue = None;
                }
                self.insert(message.clone());
                if live && from_agent {
                    if !looking {
                        self.unread += 1;
                    }
                    return Outcome::AgentMessage(message);
                }
            }
            ServerFrame::Ack(ack) => {
                // Show it as sent right away; the server's copy (same seq) replaces it when it arrives.
                if let Some(at) = self.outbox.iter().position(|o| o.client_id == ack.client_id) {
                    let sent = self.outbox.remove(at);
                    self.insert(ChatMessage {
                        seq: ack.seq,
                        client_id: Some(sent.client_id),
                        author: Author::Visitor,
                        body: sent.body,
                        private: false,
                        sent_at: String::new(),
                    });
                }
            }
            ServerFrame::Queue(status) => self.queue = (status.position > 0).then_some(status),
            ServerFrame::Typing { typing } => self.agent_typing = typing,
            ServerFrame::Read { up_to_seq } => self.agent_read_up_to = self.agent_read_up_to.max(up_to_seq),
            ServerFrame::Closed => {
                self.queue = None;
                self.set_status(ConversationStatus::Closed, false);
            }
            ServerFrame::Rated | ServerFrame::Recommended => self.rating = RatingStep::Thanked,
            ServerFrame::AskRecommend => {
                if self.rating == RatingStep::Thanked {
                    self.rating = RatingStep::Recommend;
                }
            }
            ServerFrame::Error(error) => {
                if let Some(client_id) = &error.client_id
                    && let Some(outgoing) = self.outbox.iter_mut().find(|o| &o.client_id == client_id)
                {
                    outgoing.refused = Some(error.code);
                    return Outcome::None;
                }
                match error.code {
                    ErrorCode::Unauthorized | ErrorCode::NotFound => {
                        self.link = Link::Gone;
                        return Outcome::Forget;
                    }
                    ErrorCode::Closed => self.set_status(ConversationStatus::Closed, false),
                    _ => {
                        self.rating = match self.rating {
                            RatingStep::Sending => RatingStep::Asked,
                            // Refused (answered already, in another tab): nothing more to ask.
                            RatingStep::Recommending => RatingStep::Thanked,
                            step => step,
                        };
                        self.problem = Some(error.message);
                    }
                }
            }
        }
        Outcome::None
    }

    fn set_status(&mut self, status: ConversationStatus, rated: bool) {
        self.status = status;
        self.rating = match (status, rated) {
            (ConversationStatus::Open, _) => RatingStep::NotAsked,
            (ConversationStatus::Closed, true) => RatingStep::Thanked,
            (ConversationStatus::Closed, false) if self.rating == RatingStep::NotAsked => RatingStep::Asked,
            (ConversationStatus::Closed, false) => self.rating,
        };
    }

    /// Keeps `messages` sorted by seq with one entry per seq; the server's copy wins over the local one.
    fn insert(&mut self, message: ChatMessage) {
        match self.messages.binary_search_by_key(&message.seq, |m| m.seq) {
            Ok(at) => {
                if !message.sent_at.is_empty() {
                    self.messages[at] = message;
                }
            }
            Err(at) => self.messages.insert(at, message),
        }
    }

    /// Whether [`Chat::seen`] would change anything.
    pub fn unseen(&self) -> bool {
        self.unread > 0 || self.last_seq() > self.read_reported
    }

    /// The visitor looks at the chat: nothing is unread any more. Returns the seq to report as read, if
    /// it moved since the last report.
    pub fn seen(&mut self) -> Option<u64> {
        self.unread = 0;
        let last = self.last_seq();
        (last > self.read_reported).then(|| {
            self.read_reported = last;
            last
        })
    }
}

#[cfg(test)]
mod tests {
    use protocol::chat::{Ack, ErrorFrame};

    use super::*;

    fn message(seq: u64, author: Author, client_id: Option<&str>, body: &str) -> ChatMessage {
        ChatMessage {
            seq,
            client_id: client_id.map(str::to_owned),
            author,
            body: body.into(),
            private: false,
            sent_at: "2026-11-23T10:00:00Z".into(),
        }
    }

    fn agent(name: &str) -> Author {
        Author::Agent { name: name.into() }
    }

    fn welcome(status: ConversationStatus, rated: bool) -> ServerFrame {
        ServerFrame::Welcome { version: 1, conversation_id: "c".into(), status, last_seq: 0, rated }
    }

    #[test]
    fn history_replayed_after_a_reload_is_not_news() {
        let mut chat = Chat::default();
        let welcome = ServerFrame::Welcome {
            version: 1,
            conversation_id: "c".into(),
            status: ConversationStatus::Open,
            last_seq: 2,
            rated: false,
        };
        chat.apply(welcome, false);
        let old = message(2, agent("Lan"), None, "from the last visit");
        assert_eq!(chat.apply(ServerFrame::Message(old), false), Outcome::None);
        assert_eq!(chat.unread, 0);
        let new = message(3, agent("Lan"), None, "now");
        assert_eq!(chat.apply(ServerFrame::Message(new.clone()), false), Outcome::AgentMessage(new));
        assert_eq!(chat.unread, 1);
    }

    #[test]
    fn an_acknowledged_message_shows_once_even_when_the_echo_and_a_replay_repeat_it() {
        let mut chat = Chat::default();
        chat.apply(welcome(ConversationStatus::Open, false), true);
        chat.queue("v-1".into(), "Đơn hàng của tôi đâu?".into());
        assert_eq!(chat.to_resend().count(), 1);
        chat.apply(ServerFrame::Ack(Ack { client_id: "v-1".into(), seq: 1, duplicate: false }), true);
        assert!(chat.outbox.is_empty());
        assert_eq!(chat.messages.len(), 1);
        // The live echo, then the same message again in a replay after a reconnect.
        let echo = message(1, Author::Visitor, Some("v-1"), "Đơn hàng của tôi đâu?");
        chat.apply(ServerFrame::Message(echo.clone()), true);
        chat.disconnected();
        chat.apply(welcome(ConversationStatus::Open, false), true);
        chat.apply(ServerFrame::Message(echo.clone()), true);
        assert_eq!(chat.messages, vec![echo]);
        assert_eq!(chat.last_seq(), 1);
    }

    #[test]
    fn unacknowledged_messages_are_resent_after_a_reconnect_until_their_copy_arrives() {
        let mut chat = Chat::default();
        chat.queue("v-1".into(), "one".into());
        chat.queue("v-2".into(), "two".into());
        chat.disconnected();
        let resend: Vec<&str> = chat.to_resend().map(|o| o.client_id.as_str()).collect();
        assert_eq!(resend, ["v-1", "v-2"]);
        // The first was committed before the drop; its copy comes in the replay.
        chat.apply(ServerFrame::Message(message(1, Author::Visitor, Some("v-1"), "one")), true);
        let resend: Vec<&str> = chat.to_resend().map(|o| o.client_id.as_str()).collect();
        assert_eq!(resend, ["v-2"]);
    }

    #[test]
    fn agent_messages_count_as_unread_only_when_the_visitor_is_not_looking_and_only_live() {
        let mut chat = Chat::default();
        let hello = message(3, agent("Lan"), None, "Chào bạn");
        chat.agent_typing = true;
        let effect = chat.apply(ServerFrame::Message(hello.clone()), false);
        assert_eq!(effect, Outcome::AgentMessage(hello.clone()));
        assert_eq!(chat.unread, 1);
        assert!(!chat.agent_typing, "a message ends the typing indicator");
        // A replayed (older) message is neither an event nor unread.
        let older = message(2, agent("Lan"), None, "earlier");
        assert_eq!(chat.apply(ServerFrame::Message(older), false), Outcome::None);
        assert_eq!(chat.unread, 1);
        assert_eq!(chat.messages.iter().map(|m| m.seq).collect::<Vec<_>>(), [2, 3]);
        assert_eq!(chat.seen(), Some(3));
        assert_eq!(chat.unread, 0);
        assert_eq!(chat.seen(), None, "reported once");
    }

    #[test]
    fn the_place_in_line_shows_until_an_agent_takes_the_conversation_or_answers() {
        use protocol::visitor::QueueStatus;
        let mut chat = Chat::default();
        let place = |position| ServerFrame::Queue(QueueStatus { position, expected_wait_secs: Some(120) });
        chat.apply(place(2), true);
        assert_eq!(chat.queue.as_ref().map(|q| q.position), Some(2));
        chat.apply(place(0), true);
        assert_eq!(chat.queue, None, "taken by an agent");
        chat.apply(place(1), true);
        chat.apply(ServerFrame::Message(message(4, agent("Lan"), None, "Chào bạn")), true);
        assert_eq!(chat.queue, None, "an agent's answer ends the wait");
        chat.apply(place(1), true);
        chat.apply(welcome(ConversationStatus::Open, false), true);
        assert_eq!(chat.queue, None, "a reconnect waits for the server to say again");
    }

    #[test]
    fn after_the_rating_the_loyalty_question_is_asked_once_and_survives_a_dropped_socket() {
        let mut chat = Chat::default();
        chat.apply(ServerFrame::AskRecommend, true);
        assert_eq!(chat.rating, RatingStep::NotAsked, "only after a rating");
        chat.apply(ServerFrame::Closed, true);
        chat.rating = RatingStep::Sending;
        chat.apply(ServerFrame::Rated, true);
        chat.apply(ServerFrame::AskRecommend, true);
        assert_eq!(chat.rating, RatingStep::Recommend);
        chat.rating = RatingStep::Recommending;
        chat.disconnected();
        assert_eq!(chat.rating, RatingStep::Recommend, "an answer lost with the socket is asked again");
        chat.rating = RatingStep::Recommending;
        chat.apply(ServerFrame::Recommended, true);
        assert_eq!(chat.rating, RatingStep::Thanked);
    }

    #[test]
    fn closing_asks_for_a_rating_once_and_the_welcome_remembers_it() {
        let mut chat = Chat::default();
        chat.apply(ServerFrame::Closed, true);
        assert_eq!((chat.status, chat.rating), (ConversationStatus::Closed, RatingStep::Asked));
        chat.rating = RatingStep::Sending;
        chat.disconnected();
        assert_eq!(chat.rating, RatingStep::Asked, "a rating lost with the socket is asked again");
        chat.rating = RatingStep::Sending;
        chat.apply(ServerFrame::Rated, true);
        assert_eq!(chat.rating, RatingStep::Thanked);
        let mut reloaded = Chat::default();
        reloaded.apply(welcome(ConversationStatus::Closed, true), true);
        assert_eq!(reloaded.rating, RatingStep::Thanked);
        let mut unrated = Chat::default();
        unrated.apply(welcome(ConversationStatus::Closed, false), true);
        assert_eq!(unrated.rating, RatingStep::Asked);
    }

    #[test]
    fn refusals_mark_the_message_or_forget_the_conversation() {
        let mut chat = Chat::default();
        chat.queue("v-1".into(), "x".repeat(5000));
        let refused = ErrorFrame {
            code: ErrorCode::TooLarge,
            message: "too long".into(),
            client_id: Some("v-1".into()),
        };
        chat.apply(ServerFrame::Error(refused), true);
        assert_eq!(chat.outbox[0].refused, Some(ErrorCode::TooLarge));
        assert_eq!(chat.to_resend().count(), 0, "a refused message is not resent by itself");
        assert!(chat.retry("v-1").is_some());
        assert_eq!(chat.to_resend().count(), 1);

        let unknown = ErrorFrame {
            code: ErrorCode::Unauthorized,
            message: "unknown visitor token".into(),
            client_id: None,
        };
        assert_eq!(chat.apply(ServerFrame::Error(unknown), true), Outcome::Forget);
        assert_eq!(chat.link, Link::Gone);
        chat.disconnected();
        assert_eq!(chat.link, Link::Gone, "a forgotten conversation does not reconnect");
    }
}
