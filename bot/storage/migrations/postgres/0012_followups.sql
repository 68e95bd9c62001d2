-- Follow-ups: the same tables as sqlite/0012_followups.sql, in native types.
CREATE TABLE followup_events (
    channel_key   TEXT        NOT NULL,
    platform      TEXT        NOT NULL,
    workspace     TEXT        NOT NULL,
    channel_id    TEXT        NOT NULL,
    arxiv_id      TEXT        NOT NULL,
    kind          TEXT        NOT NULL,
    value         TEXT        NOT NULL,
    day           DATE        NOT NULL,
    thread_of     TEXT        NOT NULL,
    delivery_key  TEXT        NOT NULL,
    title         TEXT        NOT NULL,
    detected_at   TIMESTAMPTZ NOT NULL,
    reply_key     TEXT,
    message_id    TEXT,
    PRIMARY KEY (channel_key, arxiv_id, kind, value)
);

CREATE INDEX followup_events_detected ON followup_events (detected_at);

CREATE TABLE followup_seen (
    arxiv_id      TEXT        PRIMARY KEY,
    github_repo   TEXT,
    github_stars  INTEGER,
    version       INTEGER,
    seen_at       TIMESTAMPTZ NOT NULL
);

ALTER TABLE subscriptions ADD COLUMN followups BOOLEAN NOT NULL DEFAULT TRUE;
