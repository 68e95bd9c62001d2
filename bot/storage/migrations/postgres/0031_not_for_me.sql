-- "Not for me": the same table as sqlite/0031_not_for_me.sql, in native types.
CREATE TABLE not_for_me (
    user_key   TEXT        NOT NULL,
    arxiv_id   TEXT        NOT NULL,
    marked_at  TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (user_key, arxiv_id)
);

CREATE INDEX votes_by_user ON votes (user_key, voted_at);
