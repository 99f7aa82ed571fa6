//! Storage seam: everything chat-server keeps goes through [`Database`], implemented for SQLite (one
//! node) and Postgres (several), so the handlers never know which.
//!
//! One room per concern: the SQL and row mapping of conversations, messages and agents ([`rows`]), the
//! waiting line ([`line`]), the agents' search ([`search`]), reports ([`analytics`]), rate limits
//! ([`limits`]) and the visitor's data ([`privacy`]) are written once for both dialects; [`shared`] stamps
//! the methods built from them into each backend, and [`sqlite`]/[`postgres`] keep only what really
//! differs (connections, how a message is appended, backup).

mod analytics;
mod limits;
mod line;
mod postgres;
mod privacy;
mod rows;
mod search;
mod shared;
mod sqlite;

pub use postgres::PostgresDatabase;
pub use privacy::{AuditEntry, VisitorKey};
pub use sqlite::SqliteDatabase;

use async_trait::async_trait;
use protocol::EscalationContext;
use protocol::chat::{Author, ChatMessage, ConversationStatus, ConversationSummary};
use protocol::rest::{AgentInfo, AgentRatings};

use crate::analytics::conversations::{ConversationFacts, MessageFact};
use crate::analytics::report::StoredEvent;
use crate::assignment::plan::Slot;

/// What can go wrong in storage.
#[derive(Debug, thiserror::Error)]
pub enum DbError {
    /// The row asked for does not exist.
    #[error("not found")]
    NotFound,
    /// The conversation is closed.
    #[error("conversation is closed")]
    Closed,
    /// The request contradicts stored state (rating an open conversation, a username taken, …).
    #[error("{0}")]
    Conflict(String),
    /// The driver failed.
    #[error("database: {0}")]
    Sqlx(sqlx::Error),
    /// Applying migrations failed.
    #[error("migrations: {0}")]
    Migrate(#[from] sqlx::migrate::MigrateError),
    /// This backend cannot do it (with what to do instead).
    #[error("{0}")]
    Unsupported(&'static str),
    /// A stored JSON column does not parse.
    #[error("stored JSON: {0}")]
    Json(#[from] serde_json::Error),
}

impl From<sqlx::Error> for DbError {
    fn from(error: sqlx::Error) -> Self {
        match error {
            sqlx::Error::RowNotFound => DbError::NotFound,
            other => DbError::Sqlx(other),
        }
    }
}

impl DbError {
    /// What a client is told of it, on a socket or over HTTP: the protocol's code and words. A failure of
    /// the database itself is logged here and told only as an internal error.
    pub fn told(self) -> (protocol::chat::ErrorCode, String) {
        use protocol::chat::ErrorCode;
        match self {
            DbError::NotFound => (ErrorCode::NotFound, "not found".to_owned()),
            DbError::Closed => (ErrorCode::Closed, "the conversation is closed".to_owned()),
            DbError::Conflict(message) => (ErrorCode::Invalid, message),
            other => {
                tracing::error!(error = %other, "storage failed");
                (ErrorCode::Internal, "internal error; retry".to_owned())
            }
        }
    }
}

/// Result of storage calls.
pub type Result<T> = std::result::Result<T, DbError>;

/// A conversation as the server needs it for access checks and routing.
#[derive(Debug, Clone)]
pub struct Conversation {
    /// Id.
    pub id: String,
    /// Open or closed.
    pub status: ConversationStatus,
    /// Routed team.
    pub team: Option<String>,
    /// Assigned agent username.
    pub assignee: Option<String>,
    /// Highest seq.
    pub last_seq: u64,
    /// How far the visitor has read.
    pub visitor_read_seq: u64,
    /// Whether the visitor rated it.
    pub rated: bool,
}

/// A conversation to create.
#[derive(Debug, Clone)]
pub struct NewConversation {
    /// Random id.
    pub id: String,
    /// SHA-256 of the visitor token.
    pub token_hash: String,
    /// Routed team.
    pub team: Option<String>,
    /// Escalation context.
    pub context: EscalationContext,
    /// Whether the host site's signature vouches for the identity's id.
    pub identity_verified: bool,
    /// Whether it vouches for the name and email too.
    pub identity_details_verified: bool,
}

/// Whose read pointer moves.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Reader {
    /// The visitor's.
    Visitor,
    /// The agents' (one pointer for the whole desk).
    Agents,
}

/// Whether agents' private notes come with a conversation's messages.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Notes {
    /// For agents (and the bus, which carries both kinds).
    Included,
    /// For the visitor.
    Left,
}

/// A message to append.
#[derive(Debug, Clone)]
pub struct NewMessage {
    /// Who writes.
    pub author: Author,
    /// Sender's id for idempotent resends.
    pub client_id: Option<String>,
    /// Text.
    pub body: String,
    /// Private note.
    pub private: bool,
}

/// The outcome of appending a message.
#[derive(Debug, Clone)]
pub struct Appended {
    /// The stored message (the earlier one for a duplicate).
    pub message: ChatMessage,
    /// True when the client id was already stored and nothing was written.
    pub duplicate: bool,
}

/// An agent with the password hash, for login.
#[derive(Debug, Clone)]
pub struct AgentRecord {
    /// Public part.
    pub info: AgentInfo,
    /// Argon2 PHC string.
    pub password_hash: String,
    /// Most open conversations auto-assignment gives them; `None` takes `[assignment] capacity`.
    pub capacity: Option<u32>,
}

/// Everything chat-server stores. Implementations commit before returning: a returned message is durable.
#[async_trait]
pub trait Database: Send + Sync + std::fmt::Debug {
    /// Stores a new open conversation.
    async fn create_conversation(&self, new: NewConversation) -> Result<()>;
    /// The conversation whose visitor token hashes to `token_hash`.
    async fn conversation_by_token(&self, token_hash: &str) -> Result<Conversation>;
    /// A conversation by id.
    async fn conversation(&self, id: &str) -> Result<Conversation>;
    /// Appends a message with the next seq, or returns the stored one if its client id was seen.
    /// Fails with [`DbError::Closed`] on a closed conversation.
    async fn append_message(&self, conversation_id: &str, new: NewMessage) -> Result<Appended>;
    /// Messages with `seq > after_seq`, in order; private notes only when asked.
    async fn messages_after(
        &self,
        conversation_id: &str,
        after_seq: u64,
        notes: Notes,
    ) -> Result<Vec<ChatMessage>>;
    /// Records how far the visitor (or the agents) have read; never moves backwards.
    async fn mark_read(&self, conversation_id: &str, reader: Reader, up_to_seq: u64) -> Result<()>;
    /// Changes assignee and optionally team.
    async fn assign(&self, conversation_id: &str, assignee: Option<&str>, team: Option<&str>) -> Result<()>;
    /// Closes a conversation (idempotent).
    async fn close(&self, conversation_id: &str) -> Result<()>;
    /// Stores the visitor's rating of a closed conversation, once.
    async fn rate(&self, conversation_id: &str, score: u8, comment: Option<&str>) -> Result<()>;
    /// Stores the answer (0–10) to "how likely are you to recommend us?" of a rated conversation, once;
    /// [`DbError::Conflict`] when it is not rated or already answered.
    async fn recommend(&self, conversation_id: &str, score: u8) -> Result<()>;
    /// Summary of one conversation.
    async fn summary(&self, conversation_id: &str) -> Result<ConversationSummary>;
    /// Summaries of all open conversations, newest first.
    async fn open_summaries(&self) -> Result<Vec<ConversationSummary>>;
    /// The `limit` most recently started closed conversations, newest first.
    async fn closed_summaries(&self, limit: u32) -> Result<Vec<ConversationSummary>>;
    /// The other conversations of this conversation's visitor, newest first, when the host site vouched
    /// for them (a verified identity); none for anonymous or unverified visitors.
    async fn earlier_summaries(&self, conversation_id: &str, limit: u32) -> Result<Vec<ConversationSummary>>;
    /// The escalation context of a conversation.
    async fn context(&self, conversation_id: &str) -> Result<EscalationContext>;
    /// Creates or replaces an agent; replacing one ends all its sessions (a password reset logs out).
    async fn upsert_agent(&self, info: &AgentInfo, password_hash: &str, capacity: Option<u32>) -> Result<()>;
    /// An agent by username.
    async fn agent(&self, username: &str) -> Result<AgentRecord>;
    /// Stores a login session.
    async fn create_session(
        &self,
        token_hash: &str,
        username: &str,
        csrf: &str,
        expires_at: i64,
    ) -> Result<()>;
    /// The agent and CSRF token of a live session.
    async fn session(&self, token_hash: &str, now: i64) -> Result<(AgentInfo, String)>;
    /// Ends a session.
    async fn delete_session(&self, token_hash: &str) -> Result<()>;
    /// Ratings grouped by the agent the conversation was assigned to.
    async fn ratings_by_agent(&self) -> Result<Vec<AgentRatings>>;
    /// Records which agents `node` has connected, at `now` (Unix seconds), replacing its last report.
    async fn report_presence(&self, node: &str, agents: &[String], now: i64) -> Result<()>;
    /// Usernames of agents connected to nodes that reported since `since` (Unix seconds), each once.
    async fn agents_online(&self, since: i64) -> Result<Vec<String>>;
    /// Hands waiting conversations to `slots` as [`crate::assignment::plan::plan`] decides, in one
    /// transaction that no other node runs at the same time; returns `(conversation id, username)` for each.
    async fn auto_assign(&self, slots: &[Slot]) -> Result<Vec<(String, String)>>;
    /// Every waiting (open, unassigned) conversation with its team, oldest first: the line.
    async fn waiting_line(&self) -> Result<Vec<(String, Option<String>)>>;
    /// A conversation's place in line: 1 + the unassigned open conversations of its team started before
    /// it; 0 once assigned; `None` when closed.
    async fn queue_position(&self, conversation_id: &str) -> Result<Option<u32>>;
    /// `(started, first agent reply)` of the conversations started since `since` (RFC 3339).
    async fn first_replies(&self, since: &str) -> Result<Vec<(String, Option<String>)>>;
    /// The `limit` most recently started conversations, open or closed, in which every word of `query`
    /// starts a word (tone marks and case ignored) of the visitor's identity, searches, articles read,
    /// page or any message; none for a query without words.
    async fn search(&self, query: &str, limit: u32) -> Result<Vec<ConversationSummary>>;
    /// Stores widget events, checked and bounded, in one transaction.
    async fn record_events(&self, events: &[StoredEvent]) -> Result<()>;
    /// The events received in `[from, to)` (RFC 3339 strings as [`StoredEvent::received_at`] has them),
    /// in arrival order.
    async fn events_between(&self, from: &str, to: &str) -> Result<Vec<StoredEvent>>;
    /// The folded days `(day, summary JSON)` from `from` to `to` (`YYYY-MM-DD`, inclusive).
    async fn folded_days(&self, from: &str, to: &str) -> Result<Vec<(String, String)>>;
    /// Stores folded `days` (a day folded already keeps its summary) in one transaction, then deletes
    /// the events received before `before` in short ones.
    async fn fold_days(&self, days: &[(String, String)], before: &str) -> Result<()>;
    /// The conversations started from day `from` up to, not including, day `until` (`YYYY-MM-DD`), with
    /// their ratings.
    async fn conversation_facts(&self, from: &str, until: &str) -> Result<Vec<ConversationFacts>>;
    /// The messages of those conversations that are not private notes, in order.
    async fn message_facts(&self, from: &str, until: &str) -> Result<Vec<MessageFact>>;
    /// Stores a draft.
    async fn save_draft(&self, draft: &protocol::reports::SavedDraft) -> Result<()>;
    /// The newest `limit` drafts; with `pending`, the oldest `limit` not pulled yet.
    async fn drafts(&self, limit: u32, pending: bool) -> Result<Vec<protocol::reports::SavedDraft>>;
    /// Marks a draft as written into a content tree; [`DbError::NotFound`] when there is no such draft.
    async fn mark_pulled(&self, id: &str, at: &str) -> Result<()>;
    /// Counts one event for `key` in the window starting at `window_start` (Unix seconds) and returns
    /// the window's count so far, every node's events included.
    async fn count_hit(&self, key: &str, window_start: i64) -> Result<u64>;
    /// Forgets counts of windows that started before `before`, and login failures last seen before
    /// `failures_before`.
    async fn forget_counts(&self, before: i64, failures_before: i64) -> Result<()>;
    /// `(failures in a row, last failure)` for a submitted username; `(0, 0)` when none.
    async fn login_failures(&self, username: &str) -> Result<(u32, i64)>;
    /// Counts a failed login at `now` and returns the failures in a row; a failure after `fresh_after`
    /// quiet seconds starts again from one.
    async fn record_login_failure(&self, username: &str, now: i64, fresh_after: i64) -> Result<u32>;
    /// A good password: the count starts again.
    async fn clear_login_failures(&self, username: &str) -> Result<()>;

    /// The ids of a visitor's conversations, oldest first; forgotten ones are not theirs any more.
    async fn visitor_conversations(&self, visitor: &VisitorKey) -> Result<Vec<String>>;
    /// Up to `limit` conversations closed before `before` (RFC 3339) and not forgotten, oldest first.
    async fn expired_conversations(&self, before: &str, limit: u32) -> Result<Vec<String>>;
    /// The comment and the 0–10 recommendation a conversation's rating holds.
    async fn rating_details(&self, conversation_id: &str) -> Result<(Option<String>, Option<u8>)>;
    /// Erases, in one transaction, what each conversation says and who had it, leaving each the context
    /// given beside it, and makes the erased text leave the files (SQLite overwrites freed space and
    /// checkpoints its log). Times, team, assignee, authors and scores stay for the reports.
    async fn forget_conversations(&self, forgotten: &[(String, EscalationContext)], at: &str) -> Result<()>;
    /// Appends an entry to the agents' audit log.
    async fn record_audit(&self, entry: &AuditEntry) -> Result<()>;
    /// The latest `limit` audit entries, of one agent and one conversation when given, newest first.
    async fn audit_log(
        &self,
        agent: Option<&str>,
        conversation_id: Option<&str>,
        limit: u32,
    ) -> Result<Vec<AuditEntry>>;
    /// A consistent copy of everything into a new file at `to`, taken while the server runs.
    async fn backup(&self, to: &std::path::Path) -> Result<()>;
}

/// Opens the database named by `url`: a SQLite file path or `sqlite://` URL, or `postgres://…`.
/// Migrations run before it returns.
pub async fn connect(url: &str) -> Result<std::sync::Arc<dyn Database>> {
    Ok(connect_with_bus(url).await?.0)
}

/// Like [`connect`]; for Postgres also returns the pool that carries LISTEN/NOTIFY between nodes.
pub async fn connect_with_bus(url: &str) -> Result<(std::sync::Arc<dyn Database>, Option<sqlx::PgPool>)> {
    if url.starts_with("postgres://") || url.starts_with("postgresql://") {
        let db = PostgresDatabase::open(url).await?;
        let pool = db.pool().clone();
        return Ok((std::sync::Arc::new(db), Some(pool)));
    }
    Ok((std::sync::Arc::new(SqliteDatabase::open(url).await?), None))
}
