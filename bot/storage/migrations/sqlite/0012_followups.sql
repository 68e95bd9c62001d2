-- Follow-ups in a digest's thread (bot/followup_plan.py). Each event is recorded once per
-- channel, keyed by (channel, paper, kind, value): inserting with ON CONFLICT DO NOTHING is
-- the "never twice" guard. `reply_key` is set for a batch before its reply is posted (a
-- retry posts with the same key, which the platform recognises), `message_id` once accepted.
CREATE TABLE followup_events (
    channel_key   TEXT NOT NULL,              -- ChannelRef.key
    platform      TEXT NOT NULL,
    workspace     TEXT NOT NULL,
    channel_id    TEXT NOT NULL,
    arxiv_id      TEXT NOT NULL,
    kind          TEXT NOT NULL,              -- bot.followup_plan.FollowupKind value
    value         TEXT NOT NULL,
    day           TEXT NOT NULL,              -- the digest's covered day
    thread_of     TEXT NOT NULL,              -- the digest's first message id
    delivery_key  TEXT NOT NULL,
    title         TEXT NOT NULL,
    detected_at   TEXT NOT NULL,
    reply_key     TEXT,
    message_id    TEXT,
    PRIMARY KEY (channel_key, arxiv_id, kind, value)
);

CREATE INDEX followup_events_detected ON followup_events (detected_at);

-- What a follow-up pass last saw of each paper (what the next pass compares against).
CREATE TABLE followup_seen (
    arxiv_id      TEXT    PRIMARY KEY,
    github_repo   TEXT,
    github_stars  INTEGER,
    version       INTEGER,
    seen_at       TEXT    NOT NULL
);

-- `/papers settings followups on|off`; on by default.
ALTER TABLE subscriptions ADD COLUMN followups INTEGER NOT NULL DEFAULT 1;
