-- Rate-limit counts shared by every node (Postgres; one SQLite node counts in memory): events per key
-- in a window aligned to the clock, so nodes agree on where windows start.
CREATE TABLE rate_counts (
    key TEXT NOT NULL,
    window_start INTEGER NOT NULL,
    count INTEGER NOT NULL,
    PRIMARY KEY (key, window_start)
);

-- Failed logins in a row per submitted username, existing or not (so a lockout reveals nothing): the
-- account lockout with backoff.
CREATE TABLE login_failures (
    username TEXT PRIMARY KEY,
    failures INTEGER NOT NULL,
    last_failure INTEGER NOT NULL
);
