//! Types both the visitor and the agent side use: messages, conversation state, acknowledgements, errors.

use serde::{Deserialize, Serialize};

use crate::EscalationContext;

/// Who wrote a message.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Author {
    /// The visitor.
    Visitor,
    /// A support agent, by display name.
    Agent {
        /// The agent's display name.
        name: String,
    },
    /// The server itself ("Conversation closed", …).
    System,
}

/// One message of a conversation, as stored.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ChatMessage {
    /// Position in the conversation: 1, 2, 3, … with no gaps (notes take numbers too).
    pub seq: u64,
    /// The sender's id for this message, when the sender gave one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
    /// Who wrote it.
    pub author: Author,
    /// Plain text. Clients display it as text, never as HTML.
    pub body: String,
    /// A private note between agents. Visitors never receive these.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub private: bool,
    /// When the server committed it (RFC 3339, UTC).
    pub sent_at: String,
}

/// The server committed a message the client sent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ack {
    /// The `client_id` the client gave the message.
    pub client_id: String,
    /// The sequence number the message got.
    pub seq: u64,
    /// True when this `client_id` had been committed before: the resend changed nothing.
    #[serde(default, skip_serializing_if = "std::ops::Not::not")]
    pub duplicate: bool,
}

/// Whether a conversation still takes messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ConversationStatus {
    /// Visitor and agents are talking.
    Open,
    /// An agent closed it; the visitor may still rate it.
    Closed,
}

/// A conversation as the agent inbox lists it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationSummary {
    /// Conversation id.
    pub id: String,
    /// Open or closed.
    pub status: ConversationStatus,
    /// Team the conversation was routed to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// Username of the agent it is assigned to; `None` while it waits in the team's queue.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub assignee: Option<String>,
    /// Visitor messages no agent has marked read yet.
    pub unread: u64,
    /// Highest sequence number in the conversation.
    pub last_seq: u64,
    /// Start of the last visitor or agent message, for the list.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preview: Option<String>,
    /// When the visitor started it (RFC 3339, UTC).
    pub started_at: String,
    /// What the visitor searched and read before asking.
    pub context: EscalationContext,
    /// True when the host site's signature vouches for the identity's id.
    #[serde(default)]
    pub identity_verified: bool,
    /// True when it vouches for the name and email shown too ([`crate::Identity::signed_text`]); else
    /// they are what the visitor's browser claimed.
    #[serde(default)]
    pub identity_details_verified: bool,
    /// The visitor's rating after close, 1–5.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating: Option<u8>,
}

/// A rating a visitor gave after a conversation closed.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Rating {
    /// Conversation rated.
    pub conversation_id: String,
    /// 1 (bad) to 5 (great).
    pub score: u8,
    /// Optional words from the visitor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub comment: Option<String>,
    /// When it was given (RFC 3339, UTC).
    pub rated_at: String,
}

/// Why the server refused something. Sent as [`ErrorFrame`] on a WebSocket, or as the JSON body of an
/// HTTP error.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum ErrorCode {
    /// The peer speaks a [`crate::PROTOCOL_VERSION`] the server does not.
    UnsupportedVersion,
    /// The frame was not valid JSON for this protocol (or was binary).
    Malformed,
    /// The first frame must be a hello.
    HelloRequired,
    /// Missing or wrong token, session or CSRF token.
    Unauthorized,
    /// No such conversation for this caller (also what a visitor gets for somebody else's).
    NotFound,
    /// The message body is empty or longer than the server allows.
    TooLarge,
    /// Too many requests; try again later.
    RateLimited,
    /// The conversation is closed and takes no more messages.
    Closed,
    /// A field has a value the server cannot use (a rating of 7, an empty email, …).
    Invalid,
    /// The server failed; the client may retry.
    Internal,
}

/// An error the server reports; the connection stays usable unless the server closes it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ErrorFrame {
    /// Machine-readable reason.
    pub code: ErrorCode,
    /// Human-readable detail, in English.
    pub message: String,
    /// The `client_id` of the message refused, when the error concerns one.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub client_id: Option<String>,
}
