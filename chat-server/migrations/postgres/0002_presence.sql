-- How many agents each node has connected, so any node can tell visitors whether someone is online.
CREATE TABLE presence (
    node TEXT PRIMARY KEY,
    agents BIGINT NOT NULL,
    seen_at BIGINT NOT NULL
);
