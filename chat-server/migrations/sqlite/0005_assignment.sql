-- How many open conversations auto-assignment may give an agent at once; NULL takes the configured default.
ALTER TABLE agents ADD COLUMN capacity INTEGER;

-- Which agents each node has connected (a node's count alone cannot say who is free to take a conversation).
DROP TABLE presence;
CREATE TABLE agent_presence (
    node TEXT NOT NULL,
    username TEXT NOT NULL,
    seen_at INTEGER NOT NULL,
    PRIMARY KEY (node, username)
);

-- The waiting line: unassigned open conversations, oldest first.
CREATE INDEX conversations_waiting ON conversations (status, assignee, created_at);

-- The expected wait reads the last 7 days of conversations.
CREATE INDEX conversations_created ON conversations (created_at);
