//! WebSocket frames between the widget and chat-server (`GET /ws/visitor`).
//!
//! The widget first starts a conversation over REST ([`crate::rest::StartConversation`]) and keeps the
//! visitor token it gets. On every (re)connect its first frame is [`ClientFrame::Hello`] with that token
//! and the last `seq` it has seen; the server answers [`ServerFrame::Welcome`] and then every message after
//! that `seq`, in order, before anything live.

use serde::{Deserialize, Serialize};

use crate::chat::{Ack, ChatMessage, ConversationStatus, ErrorFrame};

/// A frame the widget sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// First frame on every connection.
    Hello {
        /// [`crate::PROTOCOL_VERSION`] of the client.
        version: u32,
        /// The visitor token from [`crate::rest::ConversationStarted`].
        token: String,
        /// Highest `seq` the client already has (0 for none); the server replays everything after it.
        #[serde(default)]
        after_seq: u64,
    },
    /// A message from the visitor.
    Send {
        /// Unique per message and stable across resends (a UUID or a counter with a random prefix).
        client_id: String,
        /// Plain text.
        body: String,
    },
    /// The visitor started or stopped typing.
    Typing {
        /// True while typing.
        typing: bool,
    },
    /// The visitor has seen every message up to and including this `seq`.
    Read {
        /// Highest `seq` seen.
        up_to_seq: u64,
    },
    /// The visitor's rating once the conversation is closed.
    Rate {
        /// 1 (bad) to 5 (great).
        score: u8,
        /// Optional words.
        #[serde(default, skip_serializing_if = "Option::is_none")]
        comment: Option<String>,
    },
    /// After [`ServerFrame::AskRecommend`]: how likely the visitor is to recommend the business, 0 (not at
    /// all) to 10 (extremely), the loyalty question (NPS).
    Recommend {
        /// 0 to 10.
        score: u8,
    },
}

/// The visitor's place in line.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct QueueStatus {
    /// 1 for next in line; 0 once an agent has taken the conversation.
    pub position: u32,
    /// The median time to a first reply over the last 7 days, for conversations started within business
    /// hours; `None` when too few were answered to say.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub expected_wait_secs: Option<u64>,
}

/// A frame the server sends to the widget.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// Answer to [`ClientFrame::Hello`]; the replay follows.
    Welcome {
        /// Server's [`crate::PROTOCOL_VERSION`].
        version: u32,
        /// The conversation this token belongs to.
        conversation_id: String,
        /// Open or closed (closed: show the rating prompt unless `rated`).
        status: ConversationStatus,
        /// Highest `seq` in the conversation when the replay was taken.
        last_seq: u64,
        /// Whether the visitor already rated it.
        #[serde(default)]
        rated: bool,
    },
    /// A message (replayed or live). Never a private note.
    Message(ChatMessage),
    /// A message the visitor sent is committed.
    Ack(Ack),
    /// An agent started or stopped typing.
    Typing {
        /// True while typing.
        typing: bool,
    },
    /// An agent has read the visitor's messages up to this `seq`.
    Read {
        /// Highest `seq` read.
        up_to_seq: u64,
    },
    /// Where the conversation stands in its team's queue: sent after the replay while nobody has taken it,
    /// again whenever the queue moves, and once with `position: 0` when an agent takes it. Older widgets
    /// skip frames they do not know, so this needs no new protocol version.
    Queue(QueueStatus),
    /// An agent closed the conversation; ask the visitor for a rating.
    Closed,
    /// The rating is stored.
    Rated,
    /// After [`ServerFrame::Rated`], when the desk asks it: "how likely are you to recommend us?" (0–10),
    /// which the visitor may skip. Older widgets skip frames they do not know.
    AskRecommend,
    /// The answer to it is stored.
    Recommended,
    /// Something was refused.
    Error(ErrorFrame),
}
