-- The visitor's data (SECURITY.md): conversations found by the e-mail a visitor gave (lower case, claimed
-- or signed: a deletion request is checked by the operator, not by us), marked once forgotten (their text
-- and identity erased, their times, team, assignee and score kept for the reports).
ALTER TABLE conversations ADD COLUMN visitor_email TEXT;
ALTER TABLE conversations ADD COLUMN forgotten_at TEXT;
UPDATE conversations SET visitor_email = lower(trim(context::jsonb #>> '{identity,email}'))
    WHERE context::jsonb #>> '{identity,email}' IS NOT NULL;
CREATE INDEX conversations_by_email ON conversations (visitor_email);
CREATE INDEX conversations_expiring ON conversations (closed_at) WHERE forgotten_at IS NULL;

-- Who among the agents read or changed what: one row per action, with no visitor text in it.
CREATE TABLE audit_log (
    id BIGSERIAL PRIMARY KEY,
    at TEXT NOT NULL,
    agent TEXT NOT NULL,
    action TEXT NOT NULL,
    conversation_id TEXT,
    detail TEXT
);
CREATE INDEX audit_log_by_conversation ON audit_log (conversation_id, id);
CREATE INDEX audit_log_by_agent ON audit_log (agent, id);
