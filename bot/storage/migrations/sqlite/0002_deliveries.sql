-- Delivery records: one per (channel, covered day), the source of truth for "posted exactly
-- once" (see bot/delivery_state.py for the states). `due_at` is when a worker may claim the
-- row: post_at when pending, next_try_at when failed, lease_until when posting (a worker
-- that died), NULL once final, so one index serves the claim query. On PostgreSQL the claim
-- is the same SELECT ... ORDER BY due_at LIMIT n with FOR UPDATE SKIP LOCKED.
CREATE TABLE deliveries (
    channel_key  TEXT    NOT NULL,                  -- ChannelRef.key
    platform     TEXT    NOT NULL,
    workspace    TEXT    NOT NULL,
    channel_id   TEXT    NOT NULL,
    day          TEXT    NOT NULL,                  -- the covered day, YYYY-MM-DD
    post_at      TEXT    NOT NULL,                  -- scheduled instant, UTC
    days         TEXT    NOT NULL DEFAULT '[]',     -- JSON array of the lists covered
    state        TEXT    NOT NULL,
    attempts     INTEGER NOT NULL DEFAULT 0,
    next_try_at  TEXT,
    reason       TEXT,
    paper_ids    TEXT    NOT NULL DEFAULT '[]',     -- JSON array, saved before posting
    message_ids  TEXT    NOT NULL DEFAULT '[]',     -- JSON array, in order
    posted_at    TEXT,
    lease_owner  TEXT,
    lease_until  TEXT,
    due_at       TEXT,
    updated_at   TEXT    NOT NULL,
    PRIMARY KEY (channel_key, day)
);

CREATE INDEX deliveries_due ON deliveries (due_at) WHERE due_at IS NOT NULL;
