-- Retention (bot/retention/): the job deletes, in bounded batches and oldest first, rows no
-- pending work needs past a horizon (bot/storage/codecs/retention.py). Each batch finds its
-- rows through one of these indexes instead of reading the whole table again.
CREATE INDEX deliveries_final_post_at ON deliveries (post_at) WHERE due_at IS NULL;
CREATE INDEX personal_deliveries_final_post_at ON personal_deliveries (post_at)
    WHERE due_at IS NULL;
CREATE INDEX settle_tasks_final_due ON settle_tasks (due_at) WHERE claim_at IS NULL;
CREATE INDEX followup_seen_at ON followup_seen (seen_at);
CREATE INDEX hf_artifacts_fetched ON hf_artifacts (fetched_at);
CREATE INDEX link_codes_expiry ON link_codes (expires_at);
-- The fetch log keeps each day's latest fetch: this index answers "is there a later one".
CREATE INDEX fetches_day ON fetches (day, fetched_at);
