-- Linked channels: the same tables as sqlite/0013_links.sql, in native types.
CREATE TABLE channel_links (
    channel_key  TEXT        NOT NULL PRIMARY KEY
                 REFERENCES subscriptions (channel_key) ON DELETE CASCADE,
    group_id     TEXT        NOT NULL,
    linked_at    TIMESTAMPTZ NOT NULL
);

CREATE INDEX channel_links_group ON channel_links (group_id);

CREATE TABLE link_codes (
    code_hash    TEXT        NOT NULL PRIMARY KEY,
    channel_key  TEXT        NOT NULL,
    expires_at   TIMESTAMPTZ NOT NULL
);
