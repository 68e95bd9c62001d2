-- Weekly and monthly digests: the same as sqlite/0010_cadences.sql, in native types.
ALTER TABLE subscriptions ADD COLUMN cadences TEXT NOT NULL DEFAULT 'daily';
ALTER TABLE subscriptions ADD COLUMN weekly_day INTEGER NOT NULL DEFAULT 0;

-- A delivery record is keyed by (channel, cadence, day); every existing record is daily.
ALTER TABLE deliveries ADD COLUMN cadence TEXT NOT NULL DEFAULT 'daily';
ALTER TABLE deliveries DROP CONSTRAINT deliveries_pkey;
ALTER TABLE deliveries ADD PRIMARY KEY (channel_key, cadence, day);

CREATE TABLE period_posted_papers (
    channel_key  TEXT        NOT NULL,
    cadence      TEXT        NOT NULL,
    arxiv_id     TEXT        NOT NULL,
    day          DATE        NOT NULL,                -- the period's first day
    posted_at    TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (channel_key, cadence, arxiv_id)
);
