-- How many items of a fetched list the source sent that could not be read: the same column
-- as sqlite/0019_fetch_skipped.sql.
ALTER TABLE fetches ADD COLUMN skipped INTEGER NOT NULL DEFAULT 0;
