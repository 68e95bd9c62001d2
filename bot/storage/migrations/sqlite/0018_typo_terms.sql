-- PostgreSQL's migration 18 adds the table of indexed words SQLite's migration 3 added, so
-- both stores correct typos alike (bot/storage/typo_plan.py). SQLite has it already; this
-- file keeps the migration ids of both dialects in step.
SELECT 1;
