-- Votes (👍 under a paper) and saves (🔖). A vote belongs to a subscription: its key is the
-- subscription's channel key today, so that a subscription shared by several channels can
-- pool its votes later without moving rows. Users are keyed by bot.votes.user_key.
-- No foreign keys: a vote outlives an `unsubscribe all` (a re-subscribed channel keeps its
-- taste), and the service checks that the paper is known before it writes.
CREATE TABLE votes (
    subscription_key  TEXT NOT NULL,
    arxiv_id          TEXT NOT NULL,
    user_key          TEXT NOT NULL,
    voted_at          TEXT NOT NULL,                -- UTC, ISO 8601 (codec.instant_text)
    PRIMARY KEY (subscription_key, arxiv_id, user_key)
);

-- `/papers top week`: a channel's votes cast since a moment.
CREATE INDEX votes_by_time ON votes (subscription_key, voted_at);

CREATE TABLE saves (
    user_key  TEXT NOT NULL,
    arxiv_id  TEXT NOT NULL,
    saved_at  TEXT NOT NULL,
    PRIMARY KEY (user_key, arxiv_id)
);
