//! WebSocket frames between the agent inbox and chat-server (`GET /ws/agent`).
//!
//! The agent logs in over REST ([`crate::rest::AgentLogin`]), which sets an HttpOnly session cookie and
//! returns a CSRF token. The socket's first frame is [`ClientFrame::Hello`] with that CSRF token; the server
//! answers with [`ServerFrame::Inbox`] and from then on pushes every change to open conversations.

use serde::{Deserialize, Serialize};

/// The close code of an agent socket whose session ended (logout, or a new password): log in again
/// rather than reconnect. 4000–4999 are the application's own codes.
pub const CLOSE_LOGGED_OUT: u16 = 4001;

use crate::EscalationContext;
use crate::chat::{Ack, ChatMessage, ConversationSummary, ErrorFrame};
use crate::rest::AgentInfo;

/// A frame the agent inbox sends.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ClientFrame {
    /// First frame on every connection.
    Hello {
        /// [`crate::PROTOCOL_VERSION`] of the client.
        version: u32,
        /// The CSRF token from [`crate::rest::AgentSession`].
        csrf: String,
    },
    /// Ask for a conversation's full history (answered with [`ServerFrame::History`]).
    Open {
        /// Conversation id.
        conversation_id: String,
    },
    /// A reply the visitor will see.
    Reply {
        /// Conversation id.
        conversation_id: String,
        /// Unique per message, stable across resends.
        client_id: String,
        /// Plain text.
        body: String,
    },
    /// A private note for other agents; never sent to the visitor.
    Note {
        /// Conversation id.
        conversation_id: String,
        /// Unique per message, stable across resends.
        client_id: String,
        /// Plain text.
        body: String,
    },
    /// The agent started or stopped typing a reply.
    Typing {
        /// Conversation id.
        conversation_id: String,
        /// True while typing.
        typing: bool,
    },
    /// The agent has read the conversation up to this `seq` (clears the unread count).
    Read {
        /// Conversation id.
        conversation_id: String,
        /// Highest `seq` read.
        up_to_seq: u64,
    },
    /// Assign to an agent and/or move to a team's queue.
    Assign {
        /// Conversation id.
        conversation_id: String,
        /// Username of the agent, or `None` to put it back in the team's unassigned queue.
        #[serde(default)]
        assignee: Option<String>,
        /// New team; `None` keeps the current one.
        #[serde(default)]
        team: Option<String>,
    },
    /// Close the conversation; the visitor is asked for a rating.
    Close {
        /// Conversation id.
        conversation_id: String,
    },
}

/// A frame the server sends to the agent inbox.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "type", rename_all = "snake_case")]
pub enum ServerFrame {
    /// Answer to [`ClientFrame::Hello`]: who is logged in and every open conversation.
    Inbox {
        /// Server's [`crate::PROTOCOL_VERSION`].
        version: u32,
        /// The logged-in agent.
        agent: AgentInfo,
        /// Open conversations, newest first.
        conversations: Vec<ConversationSummary>,
        /// The most recently started closed conversations, newest first (a few dozen).
        #[serde(default)]
        closed: Vec<ConversationSummary>,
    },
    /// A conversation was started or changed (new message, assignment, read, close, rating).
    Updated(ConversationSummary),
    /// Full history, answer to [`ClientFrame::Open`].
    History {
        /// Conversation id.
        conversation_id: String,
        /// What the visitor searched and read.
        context: EscalationContext,
        /// Every message including private notes, in `seq` order.
        messages: Vec<ChatMessage>,
        /// The visitor's other conversations, newest first, when the host site vouched for who they are
        /// (a verified identity); empty otherwise.
        #[serde(default)]
        earlier: Vec<ConversationSummary>,
    },
    /// A new message in any open conversation (notes included).
    Message {
        /// Conversation id.
        conversation_id: String,
        /// The message.
        message: ChatMessage,
    },
    /// A reply or note this agent sent is committed.
    Ack(Ack),
    /// The visitor started or stopped typing.
    Typing {
        /// Conversation id.
        conversation_id: String,
        /// True while typing.
        typing: bool,
    },
    /// The visitor has read up to this `seq`.
    Read {
        /// Conversation id.
        conversation_id: String,
        /// Highest `seq` read.
        up_to_seq: u64,
    },
    /// Something was refused.
    Error(ErrorFrame),
}
