-- Settle tasks: the same table as sqlite/0011_settle.sql, in native types (the post's paper
-- list and late ids stay JSON text, as the codec shares them). Claimed with
-- FOR UPDATE SKIP LOCKED (bot/storage/postgres_settle.py).
CREATE TABLE settle_tasks (
    channel_key      TEXT        NOT NULL,
    platform         TEXT        NOT NULL,
    workspace        TEXT        NOT NULL,
    channel_id       TEXT        NOT NULL,
    day              DATE        NOT NULL,
    age_hours        INTEGER     NOT NULL,
    due_at           TIMESTAMPTZ NOT NULL,
    state            TEXT        NOT NULL,
    attempts         INTEGER     NOT NULL DEFAULT 0,
    posted           TEXT        NOT NULL DEFAULT '[]',
    listed           TEXT        NOT NULL DEFAULT '[]',
    edited_at        TIMESTAMPTZ,
    late_ids         TEXT,
    late_message_id  TEXT,
    reason           TEXT,
    next_try_at      TIMESTAMPTZ,
    lease_owner      TEXT,
    lease_until      TIMESTAMPTZ,
    claim_at         TIMESTAMPTZ,
    PRIMARY KEY (channel_key, day, age_hours)
);

CREATE INDEX settle_tasks_claim ON settle_tasks (claim_at) WHERE claim_at IS NOT NULL;

CREATE INDEX deliveries_posted_at ON deliveries (posted_at) WHERE state = 'posted';
