-- The agents' word search: each row's words folded as kb-core folds them (no tone marks, đ as d, lower
-- case), stored as " word word " so that LIKE '% wor%' finds a word by its start. chat-server fills the
-- column on insert, and for rows written before this migration when it starts.
ALTER TABLE conversations ADD COLUMN search_text TEXT;
ALTER TABLE messages ADD COLUMN search_text TEXT;

-- What the backfill at start looks for: without these, every start would scan every message to find none.
CREATE INDEX conversations_unsearched ON conversations (id) WHERE search_text IS NULL;
CREATE INDEX messages_unsearched ON messages (conversation_id, seq) WHERE search_text IS NULL;
