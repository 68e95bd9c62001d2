-- Wrong link codes (issue 19): MAX_WRONG_CODES within WRONG_CODE_WINDOW lock a channel, and
-- separately its workspace or server, for LOCKOUT (bot/records/links.py). A scope is
-- `channel:<channel key>` or `place:<platform>:<workspace>`. Kept in the store so that
-- every worker counts the same guesses; a join locks its scopes' rows (FOR UPDATE) first,
-- so concurrent guesses are counted one after another.
CREATE TABLE link_guards (
    scope         TEXT        NOT NULL PRIMARY KEY,
    locked_until  TIMESTAMPTZ                         -- NULL: never locked
);

-- One row per wrong code per scope, dropped once older than the window (or at a lock).
CREATE TABLE link_failures (
    scope      TEXT        NOT NULL,
    failed_at  TIMESTAMPTZ NOT NULL
);

CREATE INDEX link_failures_scope ON link_failures (scope);
CREATE INDEX link_failures_age ON link_failures (failed_at);
