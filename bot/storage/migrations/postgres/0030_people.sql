-- A person's own digest by direct message (issue 21); see the SQLite migration of the same
-- number for what each table holds.
CREATE TABLE personal_subscriptions (
    user_key        TEXT PRIMARY KEY,
    platform        TEXT NOT NULL,
    workspace       TEXT NOT NULL,
    user_id         TEXT NOT NULL,
    home            TEXT NOT NULL DEFAULT '',
    topics          TEXT NOT NULL DEFAULT '[]',
    settings        TEXT NOT NULL,
    paused          BOOLEAN NOT NULL DEFAULT FALSE,
    blocked_reason  TEXT,
    dm_channel      TEXT NOT NULL DEFAULT '',         -- the DM's channel id, once opened
    updated_at      TIMESTAMPTZ NOT NULL
);

CREATE TABLE personal_deliveries (
    channel_key     TEXT        NOT NULL,
    platform        TEXT        NOT NULL,
    workspace       TEXT        NOT NULL,
    channel_id      TEXT        NOT NULL,
    cadence         TEXT        NOT NULL DEFAULT 'daily',
    day             DATE        NOT NULL,
    post_at         TIMESTAMPTZ NOT NULL,
    days            DATE[]      NOT NULL DEFAULT '{}',
    state           TEXT        NOT NULL,
    attempts        INTEGER     NOT NULL DEFAULT 0,
    next_try_at     TIMESTAMPTZ,
    reason          TEXT,
    paper_ids       TEXT[]      NOT NULL DEFAULT '{}',
    message_ids     TEXT[]      NOT NULL DEFAULT '{}',
    thread_replies  INTEGER[]   NOT NULL DEFAULT '{}',
    posted_at       TIMESTAMPTZ,
    lease_owner     TEXT,
    lease_until     TIMESTAMPTZ,
    due_at          TIMESTAMPTZ,
    updated_at      TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (channel_key, cadence, day)
);

CREATE INDEX personal_deliveries_due ON personal_deliveries (due_at) WHERE due_at IS NOT NULL;

CREATE INDEX deliveries_by_place ON deliveries (platform, workspace, day) WHERE state = 'posted';
