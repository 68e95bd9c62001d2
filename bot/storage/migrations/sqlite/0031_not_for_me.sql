-- "Not for me" (issue 21): a person turned a paper down, a negative for their "For you"
-- list (bot/recommend). Keyed like saves, by bot.commands.clicks.user_key; `me forget`
-- deletes a person's rows (forget_not_for_me).
CREATE TABLE not_for_me (
    user_key   TEXT NOT NULL,
    arxiv_id   TEXT NOT NULL,
    marked_at  TEXT NOT NULL,                        -- UTC, ISO 8601 (codec.instant_text)
    PRIMARY KEY (user_key, arxiv_id)
);

-- A person's 👍 across every channel, for their "For you" list (voted_papers).
CREATE INDEX votes_by_user ON votes (user_key, voted_at);
