-- How many agents each node has connected, so any node can tell visitors whether someone is online.
CREATE TABLE presence (
    node TEXT PRIMARY KEY,
    agents INTEGER NOT NULL,
    seen_at INTEGER NOT NULL
);
