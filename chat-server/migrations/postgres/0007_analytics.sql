-- The widget's anonymous events (protocol::analytics), one row each, kept for [analytics] retention_days;
-- older days are folded into one summary per day (chat-server's analytics::report::Tally per language,
-- as JSON) and their rows deleted.
CREATE TABLE analytics_events (
    id BIGSERIAL PRIMARY KEY,
    received_at TEXT NOT NULL,
    page_view TEXT NOT NULL,
    event TEXT NOT NULL
);
CREATE INDEX analytics_events_received ON analytics_events (received_at);

CREATE TABLE analytics_days (
    day TEXT PRIMARY KEY,
    summary TEXT NOT NULL
);
