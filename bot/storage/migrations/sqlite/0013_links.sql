-- Linked channels (`/papers link`): channels that share one subscription. Each row puts a
-- channel in a group; the group id (not any channel's key) is the key its votes are kept
-- under, so a channel that leaves takes a copy and the rest keep theirs. A subscription's
-- row stays complete in every channel (settings and topics are written to all members on
-- each change), so unlinking only drops the row.
CREATE TABLE channel_links (
    channel_key  TEXT NOT NULL PRIMARY KEY
                 REFERENCES subscriptions (channel_key) ON DELETE CASCADE,
    group_id     TEXT NOT NULL,
    linked_at    TEXT NOT NULL                      -- UTC, ISO 8601
);

CREATE INDEX channel_links_group ON channel_links (group_id);

-- One-time codes from `/papers link`: only their SHA-256 is kept; a join deletes the row.
CREATE TABLE link_codes (
    code_hash    TEXT NOT NULL PRIMARY KEY,
    channel_key  TEXT NOT NULL,
    expires_at   TEXT NOT NULL                      -- UTC, ISO 8601
);
