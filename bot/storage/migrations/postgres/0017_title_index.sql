-- SQLite's migration 17 adds a title-and-keywords FTS5 index, the counterpart of the
-- rank_vector PostgreSQL got in migration 14 (see sqlite/). This file keeps the migration
-- ids of both dialects in step.
SELECT 1;
