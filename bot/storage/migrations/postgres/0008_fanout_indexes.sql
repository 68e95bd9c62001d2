-- The claim query orders due records by (due_at, channel_key). With `due_at` alone indexed,
-- every due row was read and sorted for each claim (the fan-out claims one record at a time).
-- An index in the claim's own order lets it stop after `limit` rows.
CREATE INDEX IF NOT EXISTS deliveries_due_channel ON deliveries (due_at, channel_key) WHERE due_at IS NOT NULL;

DROP INDEX IF EXISTS deliveries_due;
