-- The last attempt to fetch a source's list, failed or not (issue 19): `status` shows it
-- beside the last success, so "Last fetch: never." no longer hides a source that is down.
-- One row per source, replaced at each attempt; every worker writes and reads the same row.
CREATE TABLE fetch_attempts (
    source        TEXT        NOT NULL PRIMARY KEY,
    day           DATE        NOT NULL,
    attempted_at  TIMESTAMPTZ NOT NULL,
    error         TEXT        -- NULL when the attempt succeeded
);
