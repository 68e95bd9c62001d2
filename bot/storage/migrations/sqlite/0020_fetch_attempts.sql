-- The last attempt to fetch a source's list, failed or not (issue 19): `status` shows it
-- beside the last success, so "Last fetch: never." no longer hides a source that is down.
-- One row per source, replaced at each attempt; every worker writes and reads the same row.
CREATE TABLE fetch_attempts (
    source        TEXT NOT NULL PRIMARY KEY,
    day           TEXT NOT NULL,  -- the list asked for, ISO date
    attempted_at  TEXT NOT NULL,  -- instant_text (UTC)
    error         TEXT            -- NULL when the attempt succeeded
);
