-- Weekly and monthly digests (bot/cadence.py). A subscription lists its cadences ("daily",
-- "weekly", "monthly", comma-separated) and the weekly digest's weekday (0 = Monday).
ALTER TABLE subscriptions ADD COLUMN cadences TEXT NOT NULL DEFAULT 'daily';
ALTER TABLE subscriptions ADD COLUMN weekly_day INTEGER NOT NULL DEFAULT 0;

-- A delivery record is keyed by (channel, cadence, day): `day` is the covered day of a daily
-- record and the first day of a weekly or monthly one. SQLite cannot change a primary key in
-- place, so the table is rebuilt; every existing record is a daily one.
CREATE TABLE deliveries_v10 (
    channel_key     TEXT    NOT NULL,
    platform        TEXT    NOT NULL,
    workspace       TEXT    NOT NULL,
    channel_id      TEXT    NOT NULL,
    cadence         TEXT    NOT NULL DEFAULT 'daily',  -- bot.models.Cadence value
    day             TEXT    NOT NULL,
    post_at         TEXT    NOT NULL,
    days            TEXT    NOT NULL DEFAULT '[]',
    state           TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_try_at     TEXT,
    reason          TEXT,
    paper_ids       TEXT    NOT NULL DEFAULT '[]',
    message_ids     TEXT    NOT NULL DEFAULT '[]',
    posted_at       TEXT,
    lease_owner     TEXT,
    lease_until     TEXT,
    due_at          TEXT,
    updated_at      TEXT    NOT NULL,
    thread_replies  TEXT    NOT NULL DEFAULT '[]',
    PRIMARY KEY (channel_key, cadence, day)
);

INSERT INTO deliveries_v10 (channel_key, platform, workspace, channel_id, cadence, day, post_at,
    days, state, attempts, next_try_at, reason, paper_ids, message_ids, posted_at, lease_owner,
    lease_until, due_at, updated_at, thread_replies)
SELECT channel_key, platform, workspace, channel_id, 'daily', day, post_at, days, state,
    attempts, next_try_at, reason, paper_ids, message_ids, posted_at, lease_owner, lease_until,
    due_at, updated_at, thread_replies
FROM deliveries;

DROP TABLE deliveries;

ALTER TABLE deliveries_v10 RENAME TO deliveries;

CREATE INDEX deliveries_due_channel ON deliveries (due_at, channel_key) WHERE due_at IS NOT NULL;

-- Never twice within a cadence: the papers each weekly or monthly digest posted in a channel
-- (daily digests keep theirs in posted_papers). A best-of-the-week may repeat a paper the
-- daily digest showed, never one an earlier weekly digest showed.
CREATE TABLE period_posted_papers (
    channel_key  TEXT    NOT NULL,
    cadence      TEXT    NOT NULL,
    arxiv_id     TEXT    NOT NULL,
    day          TEXT    NOT NULL,                  -- the period's first day
    posted_at    TEXT    NOT NULL,
    PRIMARY KEY (channel_key, cadence, arxiv_id)
);
