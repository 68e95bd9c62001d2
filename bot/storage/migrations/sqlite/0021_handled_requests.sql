-- Requests from chat platforms already handled (bot/chat/replays.py): a Slack command's
-- trigger_id, a click's action_ts, a Discord interaction id, hashed. A replay within the
-- horizon finds its key here and does nothing. Rows older than the horizon are pruned.
CREATE TABLE handled_requests (
    request_key  TEXT PRIMARY KEY,   -- SHA-256 hex of the platform's key
    handled_at   TEXT NOT NULL       -- UTC instant text (codecs/text.py)
);
CREATE INDEX handled_requests_by_time ON handled_requests (handled_at);
