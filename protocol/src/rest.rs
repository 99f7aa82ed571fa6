//! JSON bodies of chat-server's HTTP endpoints.
//!
//! | method, path | body → answer |
//! |---|---|
//! | `GET /api/availability` | → [`Availability`] |
//! | `POST /api/conversations` | [`StartConversation`] → [`ConversationStarted`] |
//! | `GET /api/conversations/{id}/messages?after_seq=N` (`Authorization: Bearer <visitor token>`) | → `Vec<ChatMessage>` |
//! | `POST /api/tickets` | [`LeaveMessage`] → [`TicketCreated`] |
//! | `POST /api/agent/login` | [`AgentLogin`] → [`AgentSession`] (+ session cookie) |
//! | `POST /api/agent/logout` (`X-CSRF-Token`) | → 204 |
//! | `GET /api/agent/ratings` | → `Vec<AgentRatings>` |
//! | `GET /api/agent/canned` | → `Vec<CannedReply>` |
//! | `GET /api/agent/articles?q=…&lang=vi` | → `Vec<ArticleCard>` (the help center's search, for the reply box) |
//!
//! Errors come back with a 4xx/5xx status and an [`crate::chat::ErrorFrame`] body.

use serde::{Deserialize, Serialize};

use crate::EscalationContext;
use crate::chat::Rating;

/// Whether a person can answer now.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Availability {
    /// True when it is within business hours and at least one agent is connected: offer the chat.
    /// False: offer the "leave a message" form with [`Availability::expected_reply`].
    pub online: bool,
    /// Within business hours.
    pub within_hours: bool,
    /// When the visitor can expect an answer, as configured ("within one business day").
    pub expected_reply: String,
}

/// Start a conversation (the visitor asked for a person).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct StartConversation {
    /// [`crate::PROTOCOL_VERSION`] of the client.
    pub version: u32,
    /// What the visitor searched and read.
    pub context: EscalationContext,
}

/// The conversation exists; the widget stores the token (only now) to survive page reloads.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ConversationStarted {
    /// Conversation id.
    pub conversation_id: String,
    /// Secret that lets this visitor, and only them, read and write the conversation.
    pub visitor_token: String,
    /// Team it was routed to.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub team: Option<String>,
    /// Same as [`Availability`] at the time of starting.
    pub availability: Availability,
}

/// The offline form: becomes a conversation an agent answers later, by email.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct LeaveMessage {
    /// [`crate::PROTOCOL_VERSION`] of the client.
    pub version: u32,
    /// Where to answer (required).
    pub email: String,
    /// How to address the visitor.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub name: Option<String>,
    /// The question.
    pub message: String,
    /// What the visitor searched and read.
    pub context: EscalationContext,
}

/// The message is stored as a conversation waiting in the team's queue; agents answer it in the inbox
/// and the answer goes to the visitor's email (and shows in the widget if they come back).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct TicketCreated {
    /// Id of the conversation the message started.
    pub conversation_id: String,
    /// Same as [`ConversationStarted::visitor_token`]: lets the widget show the answer later.
    pub visitor_token: String,
    /// When to expect an answer.
    pub expected_reply: String,
}

/// Agent login.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentLogin {
    /// Username given to `chat-server agent add`.
    pub username: String,
    /// Password.
    pub password: String,
}

/// A logged-in agent.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentInfo {
    /// Login name.
    pub username: String,
    /// Name visitors see.
    pub display_name: String,
    /// Teams whose queues the agent works.
    pub teams: Vec<String>,
}

/// Answer to a successful login. The session itself travels in an HttpOnly cookie.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AgentSession {
    /// Who logged in.
    pub agent: AgentInfo,
    /// Send as `X-CSRF-Token` on state-changing requests and in the agent socket's hello.
    pub csrf: String,
}

/// The ratings of conversations an agent handled.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct AgentRatings {
    /// Agent username (empty for conversations nobody was assigned to).
    pub agent: String,
    /// Mean score.
    pub average: f64,
    /// Every rating, newest first.
    pub ratings: Vec<Rating>,
}

/// A prepared answer agents insert with one click.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CannedReply {
    /// Short label.
    pub title: String,
    /// Text inserted into the reply box.
    pub body: String,
}

/// A help-center article an agent can insert into a reply.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct ArticleCard {
    /// Article id (shared by its translations).
    pub id: String,
    /// Language code.
    pub lang: String,
    /// Title.
    pub title: String,
    /// Summary as the help center shows it.
    pub summary: String,
    /// Where visitors read it: absolute when chat-server knows the help center's public URL.
    pub url: String,
}

/// Everything chat-server keeps about one visitor, for their access request (`chat-server visitor
/// export`, `GET /api/agent/visitor`). Private notes are included, marked `private`: the operator decides
/// what to hand over.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorData {
    /// Their conversations, oldest first.
    pub conversations: Vec<VisitorConversation>,
}

/// One conversation of [`VisitorData`].
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorConversation {
    /// As the inbox lists it, with the hand-over (page, searches, articles read, identity).
    pub summary: crate::chat::ConversationSummary,
    /// Every message, notes included.
    pub messages: Vec<crate::chat::ChatMessage>,
    /// The comment left with the rating, if any.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub rating_comment: Option<String>,
    /// The answer to "how likely are you to recommend us?" (0–10), if given.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub recommend: Option<u8>,
}

/// What deleting a visitor's data did.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct VisitorDeleted {
    /// How many conversations were erased.
    pub conversations: usize,
}
