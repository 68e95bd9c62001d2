-- How many items of a fetched list the source sent that could not be read (a count past
-- what the store holds, a missing title...): `/papers status` shows it beside the papers.
ALTER TABLE fetches ADD COLUMN skipped INTEGER NOT NULL DEFAULT 0;
