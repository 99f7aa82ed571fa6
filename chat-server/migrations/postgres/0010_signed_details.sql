-- Whether the host site's signature vouches for the visitor's name and email too, not only the id
-- (identity_verified). Conversations from before were signed on the id alone.
ALTER TABLE conversations ADD COLUMN identity_details_verified BOOLEAN NOT NULL DEFAULT FALSE;
