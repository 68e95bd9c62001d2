-- Follow-up reply leases: the same columns as sqlite/0016_followup_leases.sql.
ALTER TABLE followup_events ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE followup_events ADD COLUMN lease_owner TEXT;
ALTER TABLE followup_events ADD COLUMN lease_until TIMESTAMPTZ;

CREATE INDEX followup_events_reply ON followup_events (channel_key, reply_key);
