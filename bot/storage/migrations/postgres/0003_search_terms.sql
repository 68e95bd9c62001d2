-- SQLite's migration 3 adds a table of indexed words for its typo correction. PostgreSQL
-- corrects typos with pg_trgm (bot/storage/postgres_search.py) and needs no such table;
-- this file keeps the migration ids of both dialects in step.
SELECT 1;
