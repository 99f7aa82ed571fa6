-- A verified visitor's earlier conversations are found by the host site's user id (only verified ids:
-- an unverified one is whatever the visitor typed, and must not open someone else's history).
ALTER TABLE conversations ADD COLUMN visitor_id TEXT;
CREATE INDEX conversations_by_visitor ON conversations (visitor_id, created_at);
UPDATE conversations SET visitor_id = json_extract(context, '$.identity.id') WHERE identity_verified = 1;
