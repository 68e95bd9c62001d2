-- A person's own digest by direct message (issue 21): one personal subscription per person,
-- keyed by the user key votes and saves use (bot/commands/clicks.py user_key), and the DM
-- digests' delivery records, kept apart from the channels' so that settling, follow-ups and
-- channel status never see a DM. `topics` and `settings` are JSON (bot/storage/codecs/people.py).
CREATE TABLE personal_subscriptions (
    user_key        TEXT PRIMARY KEY,                -- platform:workspace:user id
    platform        TEXT NOT NULL,
    workspace       TEXT NOT NULL,                   -- '' on Discord (a user id is global)
    user_id         TEXT NOT NULL,
    home            TEXT NOT NULL DEFAULT '',         -- the workspace or server of their channels
    topics          TEXT NOT NULL DEFAULT '[]',
    settings        TEXT NOT NULL,
    paused          INTEGER NOT NULL DEFAULT 0,       -- `me pause`
    blocked_reason  TEXT,                             -- the platform refused a DM (50007)
    dm_channel      TEXT NOT NULL DEFAULT '',         -- the DM's channel id, once opened
    updated_at      TEXT NOT NULL
);

-- The same columns as `deliveries`; `channel_key` is the person's user key.
CREATE TABLE personal_deliveries (
    channel_key     TEXT    NOT NULL,
    platform        TEXT    NOT NULL,
    workspace       TEXT    NOT NULL,
    channel_id      TEXT    NOT NULL,
    cadence         TEXT    NOT NULL DEFAULT 'daily',
    day             TEXT    NOT NULL,
    post_at         TEXT    NOT NULL,
    days            TEXT    NOT NULL DEFAULT '[]',
    state           TEXT    NOT NULL,
    attempts        INTEGER NOT NULL DEFAULT 0,
    next_try_at     TEXT,
    reason          TEXT,
    paper_ids       TEXT    NOT NULL DEFAULT '[]',
    message_ids     TEXT    NOT NULL DEFAULT '[]',
    thread_replies  TEXT    NOT NULL DEFAULT '[]',
    posted_at       TEXT,
    lease_owner     TEXT,
    lease_until     TEXT,
    due_at          TEXT,
    updated_at      TEXT    NOT NULL,
    PRIMARY KEY (channel_key, cadence, day)
);

CREATE INDEX personal_deliveries_due ON personal_deliveries (due_at) WHERE due_at IS NOT NULL;

-- "posted in #nlp": the channel digests posted for a day in one workspace or server.
CREATE INDEX deliveries_by_place ON deliveries (platform, workspace, day) WHERE state = 'posted';
