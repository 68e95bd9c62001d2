-- Votes and saves: the same tables as sqlite/0007_votes_saves.sql, in native types.
CREATE TABLE votes (
    subscription_key  TEXT        NOT NULL,
    arxiv_id          TEXT        NOT NULL,
    user_key          TEXT        NOT NULL,
    voted_at          TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (subscription_key, arxiv_id, user_key)
);

CREATE INDEX votes_by_time ON votes (subscription_key, voted_at);

CREATE TABLE saves (
    user_key  TEXT        NOT NULL,
    arxiv_id  TEXT        NOT NULL,
    saved_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_key, arxiv_id)
);
