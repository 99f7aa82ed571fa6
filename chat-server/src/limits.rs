//! Fixed-window rate limiting in memory, keyed by client IP, conversation or login name; and the
//! coalescing of a socket's typing hints.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// Allows `max` events per key per `window`.
#[derive(Debug)]
pub struct RateLimiter {
    max: u32,
    window: Duration,
    counts: Mutex<HashMap<String, (Instant, u32)>>,
}

impl RateLimiter {
    /// A limiter of `max` events per `window`.
    pub fn new(max: u32, window: Duration) -> Self {
        RateLimiter { max, window, counts: Mutex::new(HashMap::new()) }
    }

    /// Counts an event for `key`; false when the key is over its limit.
    pub fn allow(&self, key: &str) -> bool {
        let now = Instant::now();
        let mut counts = self.counts.lock().unwrap_or_else(|poisoned| poisoned.into_inner());
        // Expired windows are dropped now and then so the map stays as large as the active keys.
        if counts.len() > 10_000 {
            counts.retain(|_, (start, _)| now.duration_since(*start) < self.window);
        }
        let entry = counts.entry(key.to_owned()).or_insert((now, 0));
        if now.duration_since(entry.0) >= self.window {
            *entry = (now, 0);
        }
        entry.1 += 1;
        entry.1 <= self.max
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
    fn counts_per_key() {
        let limiter = RateLimiter::new(2, Duration::from_secs(60));
        assert!(limiter.allow("a"));
        assert!(limiter.allow("a"));
        assert!(!limiter.allow("a"));
        assert!(limiter.allow("b"));
    }
}
