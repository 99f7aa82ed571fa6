//! The rows of conversations, messages and agents, and what they become: one mapping for both backends
//! (sqlx reads the same columns from a SQLite or a Postgres row into these structs).

use protocol::chat::{Author, ChatMessage, ConversationStatus, ConversationSummary, Rating};
use protocol::rest::{AgentInfo, AgentRatings};

use super::{AgentRecord, Conversation, NewMessage, Result};

/// Now, as every timestamp column stores it (RFC 3339, UTC).
pub fn now() -> String {
    jiff::Timestamp::now().to_string()
}

/// A conversation's `status` column.
pub fn status_from(text: &str) -> ConversationStatus {
    if text == "closed" { ConversationStatus::Closed } else { ConversationStatus::Open }
}

/// How an author is stored: `author_kind` and, for agents, `author_name`.
pub fn author_columns(author: &Author) -> (&'static str, Option<&str>) {
    match author {
        Author::Visitor => ("visitor", None),
        Author::Agent { name } => ("agent", Some(name.as_str())),
        Author::System => ("system", None),
    }
}

/// A row of `messages`.
#[derive(Debug, sqlx::FromRow)]
pub struct MessageRow {
    seq: i64,
    client_id: Option<String>,
    author_kind: String,
    author_name: Option<String>,
    body: String,
    private: bool,
    sent_at: String,
}

impl From<MessageRow> for ChatMessage {
    fn from(row: MessageRow) -> Self {
        let author = match row.author_kind.as_str() {
            "visitor" => Author::Visitor,
            "agent" => Author::Agent { name: row.author_name.unwrap_or_default() },
            _ => Author::System,
        };
        ChatMessage {
            seq: u64::try_from(row.seq).unwrap_or(0),
            client_id: row.client_id,
            author,
            body: row.body,
            private: row.private,
            sent_at: row.sent_at,
        }
    }
}

/// What [`ConversationRow`] reads.
pub const CONVERSATION: &str = "SELECT id, status, team, assignee, last_seq, visitor_read_seq,
        EXISTS (SELECT 1 FROM ratings r WHERE r.conversation_id = c.id) AS rated
    FROM conversations c WHERE id = $1";

/// A row of [`CONVERSATION`].
#[derive(Debug, sqlx::FromRow)]
pub struct ConversationRow {
    id: String,
    status: String,
    team: Option<String>,
    assignee: Option<String>,
    last_seq: i64,
    visitor_read_seq: i64,
    rated: bool,
}

impl From<ConversationRow> for Conversation {
    fn from(row: ConversationRow) -> Self {
        Conversation {
            id: row.id,
            status: status_from(&row.status),
            team: row.team,
            assignee: row.assignee,
            last_seq: u64::try_from(row.last_seq).unwrap_or(0),
            visitor_read_seq: u64::try_from(row.visitor_read_seq).unwrap_or(0),
            rated: row.rated,
        }
    }
}

/// The start of every query that lists conversations; a `WHERE` follows.
pub const SUMMARY_SELECT: &str = "SELECT c.id, c.status, c.team, c.assignee, c.last_seq, c.created_at,
        c.context, c.identity_verified, c.identity_details_verified,
        (SELECT COUNT(*) FROM messages m WHERE m.conversation_id = c.id AND m.author_kind = 'visitor'
            AND m.seq > c.agent_read_seq) AS unread,
        (SELECT substr(m.body, 1, 120) FROM messages m WHERE m.conversation_id = c.id AND NOT m.private
            ORDER BY m.seq DESC LIMIT 1) AS preview,
        (SELECT r.score FROM ratings r WHERE r.conversation_id = c.id) AS rating
    FROM conversations c";

/// A row of [`SUMMARY_SELECT`].
#[derive(Debug, sqlx::FromRow)]
pub struct SummaryRow {
    id: String,
    status: String,
    team: Option<String>,
    assignee: Option<String>,
    last_seq: i64,
    created_at: String,
    context: String,
    identity_verified: bool,
    identity_details_verified: bool,
    unread: i64,
    preview: Option<String>,
    rating: Option<i64>,
}

impl TryFrom<SummaryRow> for ConversationSummary {
    type Error = super::DbError;

    fn try_from(row: SummaryRow) -> Result<Self> {
        Ok(ConversationSummary {
            id: row.id,
            status: status_from(&row.status),
            team: row.team,
            assignee: row.assignee,
            unread: u64::try_from(row.unread).unwrap_or(0),
            last_seq: u64::try_from(row.last_seq).unwrap_or(0),
            preview: row.preview,
            started_at: row.created_at,
            context: serde_json::from_str(&row.context)?,
            identity_verified: row.identity_verified,
            identity_details_verified: row.identity_details_verified,
            rating: row.rating.and_then(|score| u8::try_from(score).ok()),
        })
    }
}

/// Summaries from their rows.
pub fn summaries(rows: Vec<SummaryRow>) -> Result<Vec<ConversationSummary>> {
    rows.into_iter().map(ConversationSummary::try_from).collect()
}

/// What [`AgentRow`] reads of agent `$1`.
pub const AGENT: &str =
    "SELECT username, display_name, teams, password_hash, capacity FROM agents WHERE username = $1";

/// A row of [`AGENT`].
#[derive(Debug, sqlx::FromRow)]
pub struct AgentRow {
    username: String,
    display_name: String,
    teams: String,
    password_hash: String,
    capacity: Option<i64>,
}

impl TryFrom<AgentRow> for AgentRecord {
    type Error = super::DbError;

    fn try_from(row: AgentRow) -> Result<Self> {
        Ok(AgentRecord {
            info: AgentInfo {
                username: row.username,
                display_name: row.display_name,
                teams: serde_json::from_str(&row.teams)?,
            },
            password_hash: row.password_hash,
            capacity: row.capacity.map(|n| u32::try_from(n).unwrap_or(0)),
        })
    }
}

/// The agent and CSRF token of live session `$1` at `$2` (Unix seconds).
pub const SESSION: &str = "SELECT a.username, a.display_name, a.teams, a.password_hash, a.capacity, s.csrf
    FROM sessions s JOIN agents a ON a.username = s.username
    WHERE s.token_hash = $1 AND s.expires_at > $2";

/// A row of [`SESSION`].
#[derive(Debug, sqlx::FromRow)]
pub struct SessionRow {
    #[sqlx(flatten)]
    agent: AgentRow,
    csrf: String,
}

/// The agent and CSRF token of a session row.
pub fn session(row: SessionRow) -> Result<(AgentInfo, String)> {
    Ok((AgentRecord::try_from(row.agent)?.info, row.csrf))
}

/// Every rating, by agent (no agent as ''), newest first within each.
pub const RATINGS: &str = "SELECT COALESCE(agent, '') AS agent, conversation_id, score, comment, rated_at
    FROM ratings ORDER BY agent, rated_at DESC";

/// A row of [`RATINGS`].
#[derive(Debug, sqlx::FromRow)]
pub struct RatingRow {
    agent: String,
    conversation_id: String,
    score: i64,
    comment: Option<String>,
    rated_at: String,
}

/// Ratings grouped by agent, from rows sorted by agent, each group with its average.
pub fn ratings_by_agent(rows: Vec<RatingRow>) -> Vec<AgentRatings> {
    let mut grouped: Vec<AgentRatings> = Vec::new();
    for row in rows {
        let rating = Rating {
            conversation_id: row.conversation_id,
            score: u8::try_from(row.score).unwrap_or(0),
            comment: row.comment,
            rated_at: row.rated_at,
        };
        match grouped.last_mut() {
            Some(group) if group.agent == row.agent => group.ratings.push(rating),
            _ => grouped.push(AgentRatings { agent: row.agent, average: 0.0, ratings: vec![rating] }),
        }
    }
    for group in &mut grouped {
        let total: u32 = group.ratings.iter().map(|r| u32::from(r.score)).sum();
        group.average = f64::from(total) / group.ratings.len() as f64;
    }
    grouped
}

/// The message a sender's client id `$3` already stored in conversation `$1` as author kind `$2`.
pub const EARLIER_MESSAGE: &str =
    "SELECT * FROM messages WHERE conversation_id = $1 AND author_kind = $2 AND client_id = $3";

/// Stores a message: conversation, seq, author kind and name, client id, body, private, time, search text.
pub const INSERT_MESSAGE: &str = "INSERT INTO messages
        (conversation_id, seq, author_kind, author_name, client_id, body, private, sent_at, search_text)
    VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)";

/// The message `new` becomes as number `seq`, sent now.
pub fn new_message(seq: i64, new: NewMessage) -> ChatMessage {
    ChatMessage {
        seq: u64::try_from(seq).unwrap_or(0),
        client_id: new.client_id,
        author: new.author,
        body: new.body,
        private: new.private,
        sent_at: now(),
    }
}
