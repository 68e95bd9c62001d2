-- Requests already handled: the same table as sqlite/0021_handled_requests.sql.
CREATE TABLE handled_requests (
    request_key  TEXT        PRIMARY KEY,
    handled_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX handled_requests_by_time ON handled_requests (handled_at);
