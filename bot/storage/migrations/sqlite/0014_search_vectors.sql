-- PostgreSQL's migration 14 adds two small text vectors for ranking (see postgres/). SQLite's
-- FTS5 index ranks by bm25 over its own columns and needs nothing; this file keeps the
-- migration ids of both dialects in step.
SELECT 1;
