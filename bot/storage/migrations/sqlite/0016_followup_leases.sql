-- Follow-up replies go through leases, like posts (bot/followups.py): a worker claims a
-- batch (the events of one channel sharing a reply key) before posting its reply, and only
-- the lease holder records the reply's id. Two workers (a leader handing over, a process
-- restarted while the old one still runs) never post the same batch at once. `attempts`
-- counts the claims (the first one knows no reply can be out yet); a released batch keeps
-- its `lease_until`, so it is tried again a lease later.
ALTER TABLE followup_events ADD COLUMN attempts INTEGER NOT NULL DEFAULT 0;
ALTER TABLE followup_events ADD COLUMN lease_owner TEXT;
ALTER TABLE followup_events ADD COLUMN lease_until TEXT;          -- UTC, ISO 8601

CREATE INDEX followup_events_reply ON followup_events (channel_key, reply_key);
