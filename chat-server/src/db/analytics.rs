//! What the reports read: the widget's events and their folded days, and the facts of conversations. The
//! same SQL on both backends (SQLite binds `$N` by number like Postgres, and both have `ON CONFLICT`), and
//! one mapping of rows.

use protocol::analytics::Event;
use protocol::reports::SavedDraft;

use super::Result;
use crate::analytics::conversations::ConversationFacts;
use crate::analytics::report::StoredEvent;

/// Rows one INSERT writes at most (three parameters each, well under SQLite's limit).
pub const INSERT_ROWS: usize = 300;

/// An INSERT of `rows` events: one statement for many rows, so a group of events holds SQLite's one
/// writer (which chat's commits share) for a millisecond or two, not one statement per event.
pub fn insert(rows: usize) -> String {
    let values: Vec<String> =
        (0..rows).map(|row| format!("(${}, ${}, ${})", 3 * row + 1, 3 * row + 2, 3 * row + 3)).collect();
    format!("INSERT INTO analytics_events (received_at, page_view, event) VALUES {}", values.join(", "))
}
/// Events received in `[$1, $2)`, in arrival order.
pub const BETWEEN: &str = "SELECT received_at, page_view, event FROM analytics_events
    WHERE received_at >= $1 AND received_at < $2 ORDER BY id";
/// Folded days in `[$1, $2]`.
pub const DAYS: &str = "SELECT day, summary FROM analytics_days WHERE day >= $1 AND day <= $2 ORDER BY day";
/// A folded day; one folded already stays as it was (two nodes may fold the same day).
pub const FOLD: &str =
    "INSERT INTO analytics_days (day, summary) VALUES ($1, $2) ON CONFLICT (day) DO NOTHING";
/// Up to 5,000 raw events of folded days (a purge runs in short transactions: SQLite's one writer
/// carries chat too); repeated until it deletes nothing.
pub const PURGE: &str = "DELETE FROM analytics_events WHERE id IN
    (SELECT id FROM analytics_events WHERE received_at < $1 ORDER BY id LIMIT 5000)";

/// An event as its row stores it.
pub fn event_json(event: &Event) -> Result<String> {
    Ok(serde_json::to_string(event)?)
}

/// A row of [`BETWEEN`].
pub fn stored((received_at, page_view, event): (String, String, String)) -> Result<StoredEvent> {
    Ok(StoredEvent { received_at, page_view, event: serde_json::from_str(&event)? })
}

/// Conversations started in `[$1, $2)` (days as `YYYY-MM-DD`: a stamp of day D sorts after "D" and before
/// the next day, whatever its fractions of a second), with their rating.
pub const CONVERSATIONS: &str = "SELECT c.id, c.created_at, c.closed_at, c.team, c.assignee,
    r.score, r.comment, r.rated_at, r.agent, c.context, r.recommend
    FROM conversations c LEFT JOIN ratings r ON r.conversation_id = c.id
    WHERE c.created_at >= $1 AND c.created_at < $2";
/// The messages of those conversations that are not private notes, in order.
pub const MESSAGES: &str = "SELECT m.conversation_id, m.author_kind, m.sent_at
    FROM messages m JOIN conversations c ON c.id = m.conversation_id
    WHERE c.created_at >= $1 AND c.created_at < $2 AND NOT m.private
    ORDER BY m.conversation_id, m.seq";

/// A row of [`CONVERSATIONS`].
pub type ConversationRow = (
    String,
    String,
    Option<String>,
    Option<String>,
    Option<String>,
    Option<i64>,
    Option<String>,
    Option<String>,
    Option<String>,
    String,
    Option<i64>,
);

/// A conversation's facts from its [`CONVERSATIONS`] row.
pub fn facts(row: ConversationRow) -> ConversationFacts {
    let (id, created_at, closed_at, team, assignee, score, comment, rated_at, agent, context, recommend) =
        row;
    // What the visitor searched before asking (a context that does not parse asked nothing).
    let (searches, lang) = serde_json::from_str::<protocol::EscalationContext>(&context)
        .map(|c| (c.searches, c.lang))
        .unwrap_or_default();
    let rating =
        score.zip(rated_at).map(|(score, at)| (u8::try_from(score).unwrap_or(0), comment, at, agent));
    let recommend = recommend.and_then(|r| u8::try_from(r).ok());
    ConversationFacts { id, created_at, closed_at, team, assignee, rating, recommend, searches, lang }
}

/// A saved draft.
pub const SAVE_DRAFT: &str =
    "INSERT INTO drafts (id, path, markdown, conversation_id, created_by, created_at)
    VALUES ($1, $2, $3, $4, $5, $6)";
/// The newest drafts, at most `$1`.
pub const DRAFTS: &str = "SELECT id, path, markdown, conversation_id, created_by, created_at, pulled_at
    FROM drafts ORDER BY created_at DESC, id LIMIT $1";
/// The drafts not pulled yet, oldest first, at most `$1` (what `kb-builder drafts pull` fetches).
pub const PENDING_DRAFTS: &str =
    "SELECT id, path, markdown, conversation_id, created_by, created_at, pulled_at
    FROM drafts WHERE pulled_at IS NULL ORDER BY created_at, id LIMIT $1";
/// Marks draft `$1` as written into a content tree at `$2` (the first time only).
pub const PULLED: &str = "UPDATE drafts SET pulled_at = $2 WHERE id = $1 AND pulled_at IS NULL";

/// A row of [`DRAFTS`].
pub type DraftRow = (String, String, String, Option<String>, String, String, Option<String>);

/// A draft from its row.
pub fn draft(
    (id, path, markdown, conversation_id, created_by, created_at, pulled_at): DraftRow,
) -> SavedDraft {
    SavedDraft { id, path, markdown, conversation_id, created_by, created_at, pulled_at }
}

/// The answer to the loyalty question of rated conversation `$1`, once.
pub const RECOMMEND: &str =
    "UPDATE ratings SET recommend = $2 WHERE conversation_id = $1 AND recommend IS NULL";
