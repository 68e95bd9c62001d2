-- Wrong link codes (issue 19): MAX_WRONG_CODES within WRONG_CODE_WINDOW lock a channel, and
-- separately its workspace or server, for LOCKOUT (bot/records/links.py). A scope is
-- `channel:<channel key>` or `place:<platform>:<workspace>`. Kept in the store so that
-- every worker counts the same guesses.
CREATE TABLE link_guards (
    scope         TEXT NOT NULL PRIMARY KEY,
    locked_until  TEXT                               -- UTC, ISO 8601; NULL: never locked
);

-- One row per wrong code per scope, dropped once older than the window (or at a lock).
CREATE TABLE link_failures (
    scope      TEXT NOT NULL,
    failed_at  TEXT NOT NULL                         -- UTC, ISO 8601
);

CREATE INDEX link_failures_scope ON link_failures (scope);
CREATE INDEX link_failures_age ON link_failures (failed_at);
