-- Delivery records: the same table as sqlite/0002_deliveries.sql, in native types. Workers
-- claim due rows with SELECT ... ORDER BY due_at LIMIT n FOR UPDATE SKIP LOCKED (see
-- bot/storage/postgres_deliveries.py), which the partial index on due_at serves.
CREATE TABLE deliveries (
    channel_key  TEXT        NOT NULL,                -- ChannelRef.key
    platform     TEXT        NOT NULL,
    workspace    TEXT        NOT NULL,
    channel_id   TEXT        NOT NULL,
    day          DATE        NOT NULL,                -- the covered day
    post_at      TIMESTAMPTZ NOT NULL,                -- scheduled instant
    days         DATE[]      NOT NULL DEFAULT '{}',   -- the lists covered
    state        TEXT        NOT NULL,
    attempts     INTEGER     NOT NULL DEFAULT 0,
    next_try_at  TIMESTAMPTZ,
    reason       TEXT,
    paper_ids    TEXT[]      NOT NULL DEFAULT '{}',   -- saved before posting
    message_ids  TEXT[]      NOT NULL DEFAULT '{}',   -- in order
    posted_at    TIMESTAMPTZ,
    lease_owner  TEXT,
    lease_until  TIMESTAMPTZ,
    due_at       TIMESTAMPTZ,
    updated_at   TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (channel_key, day)
);

CREATE INDEX deliveries_due ON deliveries (due_at) WHERE due_at IS NOT NULL;
