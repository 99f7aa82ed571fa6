//! The SQL of the visitor's data and the agents' audit log, the same on both backends (SQLite binds `$N`
//! by number like Postgres and knows `TRUE`/`FALSE`), and the types it reads into.

/// Whose data: the e-mail a visitor gave (claimed or signed), or the user id the host site signed.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum VisitorKey {
    /// An e-mail address, matched without regard to case or surrounding spaces.
    Email(String),
    /// A user id the host site's signature vouched for.
    UserId(String),
}

/// One action of an agent, as the audit log keeps it: never what a visitor wrote.
#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct AuditEntry {
    /// When (RFC 3339, UTC).
    pub at: String,
    /// The agent's username, or `cli` for the operator's commands.
    pub agent: String,
    /// What they did: `open`, `assign`, `close`, `search`, `export`, `delete`, `login`, `logout`.
    pub action: String,
    /// The conversation it concerned, if one.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub conversation_id: Option<String>,
    /// What else says what happened (an assignee, a count), never visitor text.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub detail: Option<String>,
}

/// The conversations of an e-mail `$1` (lower case), oldest first, forgotten ones left out.
pub const BY_EMAIL: &str = "SELECT id FROM conversations WHERE visitor_email = $1 AND forgotten_at IS NULL
    ORDER BY created_at, id";
/// The conversations of a signed user id `$1`, oldest first, forgotten ones left out.
pub const BY_USER_ID: &str = "SELECT id FROM conversations WHERE visitor_id = $1 AND forgotten_at IS NULL
    ORDER BY created_at, id";
/// Up to `$2` conversations closed before `$1` and not forgotten yet, the oldest first.
pub const EXPIRED: &str = "SELECT id FROM conversations
    WHERE forgotten_at IS NULL AND status = 'closed' AND closed_at < $1 ORDER BY closed_at, id LIMIT $2";
/// The rating's comment and the recommendation of conversation `$1`.
pub const RATING: &str = "SELECT comment, recommend FROM ratings WHERE conversation_id = $1";

/// Erases the text of every message of conversation `$1` (notes too); author, time and order stay, so
/// the reports still count replies and response times. The search text becomes empty, not NULL: NULL is
/// what the start-up backfill looks for.
pub const FORGET_MESSAGES: &str =
    "UPDATE messages SET body = '', search_text = '', client_id = NULL WHERE conversation_id = $1";
/// Erases the comment of conversation `$1`'s rating; the score stays for the reports.
pub const FORGET_RATING: &str = "UPDATE ratings SET comment = NULL WHERE conversation_id = $1";
/// Erases who had conversation `$1` and what they sent along (`$2`, the context with only its language
/// and the articles' ids and teams left), closes it if open, and marks it forgotten at `$3`. The token no
/// longer opens it.
pub const FORGET_CONVERSATION: &str = "UPDATE conversations SET
        context = $2, visitor_token_hash = 'forgotten:' || id, visitor_id = NULL, visitor_email = NULL,
        identity_verified = FALSE, identity_details_verified = FALSE, search_text = '',
        status = 'closed', closed_at = COALESCE(closed_at, $3), forgotten_at = $3
    WHERE id = $1";

/// Appends an entry: at, agent, action, conversation, detail.
pub const AUDIT: &str =
    "INSERT INTO audit_log (at, agent, action, conversation_id, detail) VALUES ($1, $2, $3, $4, $5)";
/// The latest `$3` entries, of agent `$1` and conversation `$2` when given, newest first.
pub const AUDIT_READ: &str = "SELECT at, agent, action, conversation_id, detail FROM audit_log
    WHERE ($1 IS NULL OR agent = $1) AND ($2 IS NULL OR conversation_id = $2)
    ORDER BY id DESC LIMIT $3";

/// A row of [`AUDIT_READ`].
pub type AuditRow = (String, String, String, Option<String>, Option<String>);

/// The entry of an [`AuditRow`].
pub fn audit_entry((at, agent, action, conversation_id, detail): AuditRow) -> AuditEntry {
    AuditEntry { at, agent, action, conversation_id, detail }
}

/// How a key is stored: e-mails lower case and trimmed, ids as signed.
pub fn key_text(key: &VisitorKey) -> (&'static str, String) {
    match key {
        VisitorKey::Email(email) => (BY_EMAIL, stored_email(email)),
        VisitorKey::UserId(id) => (BY_USER_ID, id.clone()),
    }
}

/// An e-mail as the `visitor_email` column holds it.
pub fn stored_email(email: &str) -> String {
    email.trim().to_lowercase()
}
