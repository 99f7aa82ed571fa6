//! The waiting line and assignment: the same SQL on both backends (SQLite binds `$N` placeholders by
//! number like Postgres, and both have `IS NOT DISTINCT FROM`), and what its rows become.

/// How many waiting conversations one hand-out looks at: more than any desk has agents free for.
pub const WAITING_CONSIDERED: i64 = 500;

/// The longest line read at once (past it, places are not shown).
pub const LINE_READ: i64 = 1_000_000;

/// Open conversations per assignee, and when the latest of them started.
pub const LOAD: &str = "SELECT assignee, COUNT(*), MAX(created_at) FROM conversations
    WHERE status = 'open' AND assignee IS NOT NULL GROUP BY assignee";
/// Waiting conversations, oldest first, at most `$1`.
pub const WAITING: &str = "SELECT id, team FROM conversations WHERE status = 'open' AND assignee IS NULL
    ORDER BY created_at, id LIMIT $1";
/// Gives conversation `$2` to `$1` unless someone took it meanwhile.
pub const CLAIM: &str =
    "UPDATE conversations SET assignee = $1 WHERE id = $2 AND assignee IS NULL AND status = 'open'";
/// What decides a conversation's place: status, assignee, team, start.
pub const PLACE: &str = "SELECT status, assignee, team, created_at FROM conversations WHERE id = $1";
/// Waiting conversations of team `$1` ahead of the one started at `$2` with id `$3`.
pub const AHEAD: &str = "SELECT COUNT(*) FROM conversations
    WHERE status = 'open' AND assignee IS NULL AND team IS NOT DISTINCT FROM $1
    AND (created_at < $2 OR (created_at = $2 AND id < $3))";
/// `(started, first agent reply)` of conversations started since `$1`.
pub const FIRST_REPLIES: &str = "SELECT c.created_at, (SELECT MIN(m.sent_at) FROM messages m
    WHERE m.conversation_id = c.id AND m.author_kind = 'agent' AND NOT m.private) AS first_reply
    FROM conversations c WHERE c.created_at >= $1";

/// A conversation's place in line from its [`PLACE`] row and, when it waits, the count ahead of it.
pub fn place_from(status: &str, assigned: bool, ahead: Option<i64>) -> Option<u32> {
    if status == "closed" {
        return None;
    }
    if assigned {
        return Some(0);
    }
    Some(u32::try_from(ahead.unwrap_or(0) + 1).unwrap_or(u32::MAX))
}

/// Open conversations per assignee, as [`crate::assignment::plan::plan`] takes them.
pub fn load_from(
    rows: Vec<(String, i64, Option<String>)>,
) -> std::collections::BTreeMap<String, crate::assignment::plan::Load> {
    rows.into_iter()
        .map(|(agent, open, latest)| {
            (agent, crate::assignment::plan::Load { open: u32::try_from(open).unwrap_or(u32::MAX), latest })
        })
        .collect()
}
