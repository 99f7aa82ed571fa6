-- Article drafts agents saved from conversations and content gaps, until `kb-builder drafts pull` writes
-- them into the content tree (pulled_at).
CREATE TABLE drafts (
    id TEXT PRIMARY KEY,
    path TEXT NOT NULL,
    markdown TEXT NOT NULL,
    conversation_id TEXT,
    created_by TEXT NOT NULL,
    created_at TEXT NOT NULL,
    pulled_at TEXT
);
CREATE INDEX drafts_created ON drafts (created_at);
