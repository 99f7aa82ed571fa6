-- Conversations a visitor started. The visitor token is stored only as a SHA-256 hash.
CREATE TABLE conversations (
    id TEXT PRIMARY KEY,
    visitor_token_hash TEXT NOT NULL UNIQUE,
    status TEXT NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'closed')),
    team TEXT,
    assignee TEXT,
    context TEXT NOT NULL,
    identity_verified BOOLEAN NOT NULL DEFAULT FALSE,
    last_seq BIGINT NOT NULL DEFAULT 0,
    visitor_read_seq BIGINT NOT NULL DEFAULT 0,
    agent_read_seq BIGINT NOT NULL DEFAULT 0,
    created_at TEXT NOT NULL,
    closed_at TEXT
);
CREATE INDEX conversations_status ON conversations (status, created_at);

-- Every message, numbered per conversation. Private notes share the numbering.
CREATE TABLE messages (
    conversation_id TEXT NOT NULL REFERENCES conversations (id),
    seq BIGINT NOT NULL,
    author_kind TEXT NOT NULL CHECK (author_kind IN ('visitor', 'agent', 'system')),
    author_name TEXT,
    client_id TEXT,
    body TEXT NOT NULL,
    private BOOLEAN NOT NULL DEFAULT FALSE,
    sent_at TEXT NOT NULL,
    PRIMARY KEY (conversation_id, seq)
);
-- Makes resends idempotent: one row per sender's client id.
CREATE UNIQUE INDEX messages_client_id ON messages (conversation_id, author_kind, client_id)
    WHERE client_id IS NOT NULL;

CREATE TABLE agents (
    username TEXT PRIMARY KEY,
    display_name TEXT NOT NULL,
    password_hash TEXT NOT NULL,
    teams TEXT NOT NULL DEFAULT '[]',
    created_at TEXT NOT NULL
);

-- Agent login sessions; the cookie holds the token, the table its SHA-256 hash.
CREATE TABLE sessions (
    token_hash TEXT PRIMARY KEY,
    username TEXT NOT NULL REFERENCES agents (username) ON DELETE CASCADE,
    csrf TEXT NOT NULL,
    expires_at BIGINT NOT NULL
);

CREATE TABLE ratings (
    conversation_id TEXT PRIMARY KEY REFERENCES conversations (id),
    agent TEXT,
    score BIGINT NOT NULL CHECK (score BETWEEN 1 AND 5),
    comment TEXT,
    rated_at TEXT NOT NULL
);

-- "Leave a message" while nobody is online.
CREATE TABLE tickets (
    id TEXT PRIMARY KEY,
    email TEXT NOT NULL,
    name TEXT,
    message TEXT NOT NULL,
    context TEXT NOT NULL,
    team TEXT,
    status TEXT NOT NULL DEFAULT 'open',
    created_at TEXT NOT NULL
);
