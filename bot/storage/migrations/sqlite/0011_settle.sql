-- Settle tasks (bot/settle_plan.py): one per (posted delivery, age). At each age the post is
-- edited in place with the day's new counts, and late additions are replied once in its
-- thread. `claim_at` is when a worker may claim the row (due_at when pending, lease_until
-- when settling, next_try_at when failed), NULL once final, so one index serves the claim.
CREATE TABLE settle_tasks (
    channel_key      TEXT    NOT NULL,              -- ChannelRef.key
    platform         TEXT    NOT NULL,
    workspace        TEXT    NOT NULL,
    channel_id       TEXT    NOT NULL,
    day              TEXT    NOT NULL,              -- the delivery's covered day
    age_hours        INTEGER NOT NULL,
    due_at           TEXT    NOT NULL,              -- posted_at + age, UTC
    state            TEXT    NOT NULL,
    attempts         INTEGER NOT NULL DEFAULT 0,
    posted           TEXT    NOT NULL DEFAULT '[]', -- JSON [[arxiv_id, upvotes then], ...] in order
    listed           TEXT    NOT NULL DEFAULT '[]', -- JSON: the covered days' lists at post time
    edited_at        TEXT,
    late_ids         TEXT,                          -- JSON; NULL until decided, saved before posting
    late_message_id  TEXT,
    reason           TEXT,
    next_try_at      TEXT,
    lease_owner      TEXT,
    lease_until      TEXT,
    claim_at         TEXT,
    PRIMARY KEY (channel_key, day, age_hours)
);

CREATE INDEX settle_tasks_claim ON settle_tasks (claim_at) WHERE claim_at IS NOT NULL;

-- The planner looks for recent posts without settle tasks.
CREATE INDEX deliveries_posted_at ON deliveries (posted_at) WHERE state = 'posted';
