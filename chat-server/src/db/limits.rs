//! The SQL of shared rate limits and login lockouts, the same on both backends (SQLite binds `$N` by
//! number like Postgres, and both have `ON CONFLICT … RETURNING`).

/// Counts one event for key `$1` in the window starting at `$2`; returns the window's count.
pub const HIT: &str = "INSERT INTO rate_counts (key, window_start, count) VALUES ($1, $2, 1)
    ON CONFLICT (key, window_start) DO UPDATE SET count = rate_counts.count + 1 RETURNING count";
/// Windows that started before `$1`.
pub const FORGET_COUNTS: &str = "DELETE FROM rate_counts WHERE window_start < $1";
/// Failures last seen before `$1`.
pub const FORGET_FAILURES: &str = "DELETE FROM login_failures WHERE last_failure < $1";
/// Failures in a row of username `$1`, and the last one.
pub const FAILURES: &str = "SELECT failures, last_failure FROM login_failures WHERE username = $1";
/// A failure of `$1` at `$2`; one after `$3` (a time) with nothing since starts again from one.
pub const FAILED: &str = "INSERT INTO login_failures (username, failures, last_failure) VALUES ($1, 1, $2)
    ON CONFLICT (username) DO UPDATE SET
        failures = CASE WHEN login_failures.last_failure < $3 THEN 1 ELSE login_failures.failures + 1 END,
        last_failure = $2
    RETURNING failures";
/// A good password for `$1`.
pub const CLEAR: &str = "DELETE FROM login_failures WHERE username = $1";
