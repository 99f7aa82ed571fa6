//! Fair assignment and the visitor's place in line.
//!
//! With `[assignment] auto = true`, a waiting (open, unassigned) conversation goes to the online agent of
//! its team with the fewest open conversations, as long as that is below the agent's capacity; ties go to
//! the agent who has waited longest for one (then by username, so the choice is deterministic). Waiting
//! conversations are handed out oldest first whenever that can change: a conversation starts, an agent
//! comes online, closes or gives one back, and every [`SWEEP_EVERY`] as a safety net (a node that crashed
//! mid-hand-out, an agent on another node who freed up).
//!
//! The choice ([`plan`]) is pure; each backend runs it inside one transaction that also locks out the
//! other nodes ([`crate::db::Database::auto_assign`]), so two nodes never overfill one agent.

pub mod plan;

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use protocol::visitor::QueueStatus;

use plan::Slot;

use crate::AppState;

/// Moves of the line come in bursts (a hand-out touches several conversations, starts arrive together):
/// places are worked out once this long after the first.
pub const LINE_SETTLE: Duration = Duration::from_secs(1);

/// How often waiting conversations are handed out even when nothing said so.
pub const SWEEP_EVERY: Duration = Duration::from_secs(20);

/// The expected wait is worked out at most this often: it is a median over 7 days.
const EXPECTED_WAIT_FRESH: Duration = Duration::from_secs(60);

/// Fewer answered conversations than this, and the median says too little to show.
const MIN_ANSWERED: usize = 3;

/// Agents connected now: to this node, and with several nodes, to any node that reported recently.
pub async fn online_agents(state: &AppState) -> Vec<String> {
    let mut online = state.hub.local_agents();
    if state.hub.is_remote() {
        let since = jiff::Timestamp::now().as_second() - crate::bus::PRESENCE_STALE;
        match state.db.agents_online(since).await {
            Ok(elsewhere) => online.extend(elsewhere),
            Err(e) => tracing::error!(error = %e, "reading presence failed"),
        }
    }
    online.sort();
    online.dedup();
    online
}

/// Hands waiting conversations to free agents, when auto-assignment is on, and tells the agents.
pub async fn balance(state: &AppState) {
    let settings = &state.config.assignment;
    if !settings.auto {
        return;
    }
    let mut slots = Vec::new();
    for username in online_agents(state).await {
        match state.db.agent(&username).await {
            Ok(record) => slots.push(Slot {
                username,
                teams: record.info.teams,
                capacity: record.capacity.unwrap_or(settings.capacity),
            }),
            // Deleted while connected, or a database hiccup: skip them this round.
            Err(e) => tracing::warn!(agent = %username, error = %e, "online agent not loaded"),
        }
    }
    if slots.iter().all(|slot| slot.capacity == 0) {
        return;
    }
    match state.db.auto_assign(&slots).await {
        Ok(handed) => {
            for (conversation, agent) in handed {
                tracing::info!(%conversation, %agent, "auto-assigned");
                crate::publish::summary(state, &conversation).await;
            }
        }
        Err(e) => tracing::error!(error = %e, "auto-assignment failed"),
    }
}

/// Everyone's place in line on this node, worked out once per move of the line for every visitor socket
/// to read (a count per waiting socket per move is quadratic: 10,000 waiting visitors made 10,000 counts
/// of up to 10,000 rows each time a conversation started).
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub struct Places {
    /// Each waiting (open, unassigned) conversation's place in its team's line: 1 is next.
    pub positions: HashMap<String, u32>,
    /// The wait shown with a place.
    pub expected_wait_secs: Option<u64>,
}

/// Keeps [`AppState::places`] current until shutdown: at start, then [`LINE_SETTLE`] after each move of
/// the line, reads the waiting conversations once and numbers them per team, oldest first.
pub async fn keep_places(state: Arc<AppState>) {
    let mut moved = state.hub.watch_queue();
    let mut shutdown = state.shutdown.clone();
    loop {
        match state.db.waiting_line().await {
            Ok(line) => {
                let mut next: HashMap<Option<String>, u32> = HashMap::new();
                let positions = line
                    .into_iter()
                    .map(|(id, team)| {
                        let place = next.entry(team).or_insert(0);
                        *place += 1;
                        (id, *place)
                    })
                    .collect();
                let expected_wait_secs = expected_wait(&state).await;
                state.places.send_replace(Arc::new(Places { positions, expected_wait_secs }));
            }
            Err(e) => tracing::error!(error = %e, "reading the line failed"),
        }
        tokio::select! {
            changed = moved.changed() => if changed.is_err() { return },
            _ = shutdown.changed() => return,
        }
        tokio::time::sleep(LINE_SETTLE).await;
        moved.borrow_and_update();
    }
}

/// Where a conversation stands in line, or `None` when it is closed (nothing to wait for).
pub async fn queue_status(state: &AppState, conversation_id: &str) -> Option<QueueStatus> {
    let position = match state.db.queue_position(conversation_id).await {
        Ok(position) => position?,
        Err(e) => {
            tracing::error!(conversation = %conversation_id, error = %e, "queue position failed");
            return None;
        }
    };
    let expected_wait_secs = if position == 0 { None } else { expected_wait(state).await };
    Some(QueueStatus { position, expected_wait_secs })
}

/// The median first reply time over the last 7 days, of conversations started within business hours
/// (as Intercom computes its expected reply time), cached for a minute.
async fn expected_wait(state: &AppState) -> Option<u64> {
    if let Some((at, secs)) = *lock(&state.expected_wait)
        && at.elapsed() < EXPECTED_WAIT_FRESH
    {
        return secs;
    }
    let now = jiff::Timestamp::now();
    let since = now - jiff::SignedDuration::from_hours(7 * 24);
    let secs = match state.db.first_replies(&since.to_string()).await {
        Ok(pairs) => median_wait(&state.config.hours, &pairs),
        Err(e) => {
            tracing::error!(error = %e, "reading first replies failed");
            None
        }
    };
    *lock(&state.expected_wait) = Some((Instant::now(), secs));
    secs
}

fn lock<T>(mutex: &Mutex<T>) -> std::sync::MutexGuard<'_, T> {
    mutex.lock().unwrap_or_else(|poisoned| poisoned.into_inner())
}

/// The median of first-reply delays, in seconds, over `(started, first reply)` pairs of conversations
/// started within business hours; `None` below [`MIN_ANSWERED`] answered ones.
pub fn median_wait(hours: &crate::config::BusinessHours, pairs: &[(String, Option<String>)]) -> Option<u64> {
    let mut waits: Vec<i64> = pairs
        .iter()
        .filter_map(|(started, replied)| {
            let started: jiff::Timestamp = started.parse().ok()?;
            let replied: jiff::Timestamp = replied.as_deref()?.parse().ok()?;
            crate::hours::within_hours(hours, started).then(|| (replied - started).get_seconds().max(0))
        })
        .collect();
    if waits.len() < MIN_ANSWERED {
        return None;
    }
    waits.sort_unstable();
    let middle = waits.len() / 2;
    let median =
        if waits.len().is_multiple_of(2) { (waits[middle - 1] + waits[middle]) / 2 } else { waits[middle] };
    u64::try_from(median).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_expected_wait_is_the_median_first_reply_of_conversations_started_within_hours() {
        let always = crate::config::BusinessHours::default();
        let pair = |start: &str, reply: Option<&str>| (start.to_owned(), reply.map(str::to_owned));
        let pairs = [
            pair("2026-12-01T09:00:00Z", Some("2026-12-01T09:02:00Z")),
            pair("2026-12-01T10:00:00Z", Some("2026-12-01T10:10:00Z")),
            pair("2026-12-01T11:00:00Z", None),
            pair("2026-12-01T12:00:00Z", Some("2026-12-01T12:04:00Z")),
        ];
        assert_eq!(median_wait(&always, &pairs), Some(240));
        assert_eq!(median_wait(&always, &pairs[..2]), None, "two answers are too few to promise anything");

        // Conversations started after hours are left out: their wait says nothing about the desk's pace.
        let weekdays: crate::config::BusinessHours = toml::from_str(
            "timezone = \"UTC\"\ndays = [\"mon\",\"tue\",\"wed\",\"thu\",\"fri\"]\nopen = \"08:00\"\nclose = \"17:00\"",
        )
        .unwrap_or_else(|e| panic!("{e}"));
        let mut late = pairs.to_vec();
        late.push(pair("2026-12-01T22:00:00Z", Some("2026-12-02T08:30:00Z")));
        late.push(pair("2026-12-01T23:00:00Z", Some("2026-12-02T08:40:00Z")));
        assert_eq!(median_wait(&weekdays, &late), Some(240));
    }
}
