//! The widget's events and their folded days: the same SQL on both backends (SQLite binds `$N` by number
//! like Postgres, and both have `ON CONFLICT`), and one mapping of rows.

use protocol::analytics::Event;

use super::Result;
use crate::analytics::report::StoredEvent;

/// One event.
pub const INSERT: &str = "INSERT INTO analytics_events (received_at, page_view, event) VALUES ($1, $2, $3)";
/// Events received in `[$1, $2)`, in arrival order.
pub const BETWEEN: &str = "SELECT received_at, page_view, event FROM analytics_events
    WHERE received_at >= $1 AND received_at < $2 ORDER BY id";
/// Folded days in `[$1, $2]`.
pub const DAYS: &str = "SELECT day, summary FROM analytics_days WHERE day >= $1 AND day <= $2 ORDER BY day";
/// A folded day; one folded already stays as it was (two nodes may fold the same day).
pub const FOLD: &str =
    "INSERT INTO analytics_days (day, summary) VALUES ($1, $2) ON CONFLICT (day) DO NOTHING";
/// The raw events of folded days.
pub const PURGE: &str = "DELETE FROM analytics_events WHERE received_at < $1";

/// An event as its row stores it.
pub fn event_json(event: &Event) -> Result<String> {
    Ok(serde_json::to_string(event)?)
}

/// A row of [`BETWEEN`].
pub fn stored((received_at, page_view, event): (String, String, String)) -> Result<StoredEvent> {
    Ok(StoredEvent { received_at, page_view, event: serde_json::from_str(&event)? })
}
