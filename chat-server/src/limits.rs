//! Rate limits, keyed by client IP, conversation or login name, counted in memory on one node and
//! through the database on several; the account lockout after failed logins; and the coalescing of a
//! socket's typing hints.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use crate::db::Database;

/// Allows `max` events per key in each `window`. Windows are aligned to the clock (a one-minute window
/// starts on the minute), so that several nodes counting in the database agree on them.
#[derive(Debug)]
pub struct RateLimiter {
    name: &'static str,
    max: u32,
    window_secs: i64,
    /// This node's count per key: (window start, events).
    counts: Mutex<HashMap<String, (i64, u32)>>,
    /// Where every node's events are counted, when there are several.
    shared: Option<Arc<dyn Database>>,
}

impl RateLimiter {
    /// A limiter of `max` events per `window`, named for the keys it stores in the database.
    pub fn new(name: &'static str, max: u32, window: Duration) -> Self {
        let window_secs = i64::try_from(window.as_secs()).unwrap_or(i64::MAX).max(1);
        RateLimiter { name, max, window_secs, counts: Mutex::new(HashMap::new()), shared: None }
    }

    /// Counts through `db` too, so N nodes do not allow N times the limit.
    pub fn shared(mut self, db: Arc<dyn Database>) -> Self {
        self.shared = Some(db);
        self
    }

    /// Counts an event for `key`; false when the key is over its limit.
    pub async fn allow(&self, key: &str) -> bool {
        let now = jiff::Timestamp::now().as_second();
        let window_start = now - now.rem_euclid(self.window_secs);
        // This node's count is part of the total: a flood here is refused without a round trip.
        if !self.allow_here(key, window_start) {
            return false;
        }
        let Some(db) = &self.shared else { return true };
        match db.count_hit(&format!("{}:{key}", self.name), window_start).await {
            Ok(total) => total <= u64::from(self.max),
            Err(error) => {
                // A limit is no reason to turn real visitors away while the database hiccups; this
                // node's own count still holds.
                tracing::warn!(%error, limit = self.name, "shared rate limit unavailable");
                true
            }
        }
    }

    fn allow_here(&self, key: &str, window_start: i64) -> bool {
        let mut counts = self.counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // Past windows are dropped now and then so the map stays as large as the active keys.
        if counts.len() > 10_000 {
            counts.retain(|_, (start, _)| *start == window_start);
        }
        let entry = counts.entry(key.to_owned()).or_insert((window_start, 0));
        if entry.0 != window_start {
            *entry = (window_start, 0);
        }
        entry.1 = entry.1.saturating_add(1);
        entry.1 <= self.max
    }
}

/// The first lock lasts this long; each further failure doubles it.
const FIRST_LOCK_SECS: i64 = 30;
/// The longest lock.
const LONGEST_LOCK_SECS: i64 = 3600;
/// After a day without failures, a failure counts from one again.
pub const FAILURES_FORGOTTEN_AFTER_SECS: i64 = 24 * 3600;

/// Seconds an account stays locked after `failures` failed logins in a row, the last at `last`, seen at
/// `now`: none below `threshold`, then 30 s doubling with each failure up to an hour.
pub fn locked_for(failures: u32, last: i64, now: i64, threshold: u32) -> Option<i64> {
    if threshold == 0 || failures < threshold {
        return None;
    }
    let doublings = (failures - threshold).min(16);
    let lock = (FIRST_LOCK_SECS << doublings).min(LONGEST_LOCK_SECS);
    let left = last + lock - now;
    (left > 0).then_some(left)
}

/// Forgets old shared counts and login failures every ten minutes, until shutdown.
pub async fn forget_regularly(db: Arc<dyn Database>, mut shutdown: tokio::sync::watch::Receiver<bool>) {
    loop {
        tokio::select! {
            _ = tokio::time::sleep(Duration::from_secs(600)) => {}
            _ = shutdown.changed() => return,
        }
        let now = jiff::Timestamp::now().as_second();
        // The longest window is 15 minutes; a day of margin keeps clocks' disagreements harmless.
        let forgotten = now - FAILURES_FORGOTTEN_AFTER_SECS;
        if let Err(error) = db.forget_counts(forgotten, forgotten).await {
            tracing::warn!(%error, "forgetting old rate-limit counts failed");
        }
    }
}

/// Passes on a socket's typing state (typing or not) only when it changes, and at most once per `gap`,
/// the latest state winning: a flood of toggles becomes one frame per gap for every agent, and the last
/// state always gets through (after [`Coalesce::due`]).
#[derive(Debug)]
pub struct Coalesce {
    gap: Duration,
    /// The state last passed on, and when.
    sent: Option<(bool, Instant)>,
    /// A change that waits for the gap to pass.
    pending: Option<bool>,
}

impl Coalesce {
    /// Coalesces to one change per `gap`.
    pub fn new(gap: Duration) -> Self {
        Coalesce { gap, sent: None, pending: None }
    }

    /// Takes a state seen at `now`: the state to pass on now, or `None` when it changes nothing or waits.
    pub fn offer(&mut self, state: bool, now: Instant) -> Option<bool> {
        match self.sent {
            Some((last, _)) if last == state => {
                // Back where it was: whatever waited is moot.
                self.pending = None;
                None
            }
            Some((_, at)) if now < at + self.gap => {
                self.pending = Some(state);
                None
            }
            _ => {
                self.sent = Some((state, now));
                self.pending = None;
                Some(state)
            }
        }
    }

    /// Whether the state last passed on is "typing".
    pub fn shown(&self) -> bool {
        self.sent.is_some_and(|(state, _)| state)
    }

    /// When the waiting change may go, if one waits.
    pub fn due(&self) -> Option<Instant> {
        self.pending.and(self.sent.map(|(_, at)| at + self.gap))
    }

    /// The waiting change, passed on at `now`.
    pub fn flush(&mut self, now: Instant) -> Option<bool> {
        let state = self.pending.take()?;
        self.sent = Some((state, now));
        Some(state)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_flood_of_typing_toggles_becomes_one_change_per_gap_and_the_last_one_arrives() {
        let gap = Duration::from_millis(500);
        let start = Instant::now();
        let mut typing = Coalesce::new(gap);
        assert_eq!(typing.offer(true, start), Some(true));
        assert_eq!(typing.offer(true, start), None, "no change");
        let mut passed = 0;
        for n in 0..1000 {
            let at = start + Duration::from_micros(n * 100);
            passed += usize::from(typing.offer(n % 2 == 1, at).is_some());
        }
        assert_eq!(passed, 0, "all within the first gap");
        // The flood ended on `true`, the state already passed on: nothing waits.
        assert_eq!(typing.due(), None);
        assert_eq!(typing.offer(false, start + Duration::from_millis(200)), None);
        assert_eq!(typing.due(), Some(start + gap), "the stop waits for the gap");
        assert_eq!(typing.flush(start + gap), Some(false));
        assert_eq!(typing.due(), None);
        assert!(!typing.shown());
        assert_eq!(typing.offer(true, start + gap * 3), Some(true), "after a quiet gap, at once");
        assert!(typing.shown());
    }

    #[test]
    fn counts_per_key_and_window() {
        let limiter = RateLimiter::new("test", 2, Duration::from_secs(60));
        assert!(limiter.allow_here("a", 0));
        assert!(limiter.allow_here("a", 0));
        assert!(!limiter.allow_here("a", 0));
        assert!(limiter.allow_here("b", 0));
        assert!(limiter.allow_here("a", 60), "the next window starts afresh");
    }

    #[test]
    fn the_lock_doubles_with_each_failure_up_to_an_hour() {
        let lock = |failures| locked_for(failures, 1_000, 1_000, 5);
        assert_eq!(lock(4), None);
        assert_eq!(lock(5), Some(30));
        assert_eq!(lock(6), Some(60));
        assert_eq!(lock(9), Some(480));
        assert_eq!(lock(12), Some(3600));
        assert_eq!(lock(u32::MAX), Some(3600));
        assert_eq!(locked_for(5, 1_000, 1_030, 5), None, "the lock has run out");
        assert_eq!(locked_for(50, 1_000, 1_000, 0), None, "0 turns the lockout off");
    }
}
