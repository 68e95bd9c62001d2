-- Search first looks for (and ranks) the papers whose title or keywords match, newest first
-- (bot/storage/postgres_search.py). For a common word ("large language models": 20,000 of
-- 100k papers) that walks the primary key backwards testing rank_vector row by row, ~10,000
-- rows of `papers` (abstracts and all: 500 MB at 100k, past the buffer cache), 20-70 ms.
-- paper_ranks holds only what that walk reads (id, title, rank_vector, title_vector), ~10x
-- narrower, so the same walk reads a few hundred cached pages. It is kept in step with
-- `papers` by a trigger. SQLite's migration 17 is the counterpart: a title-and-keywords
-- FTS5 index beside the full one.
CREATE TABLE paper_ranks (
    id           BIGINT   PRIMARY KEY,
    title        TEXT     NOT NULL,
    rank_vector  TSVECTOR NOT NULL,
    title_vector TSVECTOR NOT NULL
);

INSERT INTO paper_ranks (id, title, rank_vector, title_vector)
SELECT id, title, rank_vector, title_vector FROM papers;

CREATE INDEX paper_ranks_rank_search ON paper_ranks USING gin (rank_vector);
CREATE INDEX paper_ranks_title_search ON paper_ranks USING gin (title_vector);

-- The typo stage (pg_trgm's word_similarity on titles) re-read each candidate title from
-- `papers`, ~1,700 wide rows for "difusion transformr" at 100k (50 of its 63 ms); it reads
-- them here. The index moves with it, where the extension exists (as in migration 1).
DO $$
DECLARE
    trgm_schema NAME;
BEGIN
    SELECT n.nspname INTO trgm_schema
    FROM pg_extension e JOIN pg_namespace n ON n.oid = e.extnamespace
    WHERE e.extname = 'pg_trgm';
    IF trgm_schema IS NOT NULL THEN
        EXECUTE format(
            'CREATE INDEX paper_ranks_title_trgm ON paper_ranks USING gin (title %I.gin_trgm_ops)',
            trgm_schema);
        DROP INDEX IF EXISTS papers_title_trgm;
    END IF;
END
$$;

-- Statistics now: without them the planner cannot tell a broad word from a rare one.
ANALYZE paper_ranks;

CREATE FUNCTION paperbot_keep_paper_ranks() RETURNS TRIGGER LANGUAGE plpgsql AS $$
BEGIN
    IF TG_OP = 'DELETE' THEN
        DELETE FROM paper_ranks WHERE id = OLD.id;
        RETURN OLD;
    END IF;
    INSERT INTO paper_ranks (id, title, rank_vector, title_vector)
    VALUES (NEW.id, NEW.title, NEW.rank_vector, NEW.title_vector)
    ON CONFLICT (id) DO UPDATE SET title = EXCLUDED.title,
        rank_vector = EXCLUDED.rank_vector, title_vector = EXCLUDED.title_vector;
    RETURN NEW;
END;
$$;

-- Counts change several times a day; the title and keywords rarely do.
CREATE TRIGGER papers_keep_ranks_insert AFTER INSERT ON papers
FOR EACH ROW EXECUTE FUNCTION paperbot_keep_paper_ranks();

CREATE TRIGGER papers_keep_ranks_update AFTER UPDATE ON papers
FOR EACH ROW WHEN (OLD.title IS DISTINCT FROM NEW.title
    OR OLD.ai_keywords IS DISTINCT FROM NEW.ai_keywords)
EXECUTE FUNCTION paperbot_keep_paper_ranks();

CREATE TRIGGER papers_keep_ranks_delete AFTER DELETE ON papers
FOR EACH ROW EXECUTE FUNCTION paperbot_keep_paper_ranks();
