-- PostgreSQL search and `similar` read two small text vectors beside search_vector (issue 12).
-- search_vector holds the abstract too (~2 kB, TOASTed out of the row): testing or ranking it
-- read and decompressed that value for every row a query looked at, which was most of a
-- query's time. rank_vector holds the title (A) and the Hugging Face keywords (B) only, small
-- enough to stay in the row: search ranks (and first looks for) papers by it, then fills the
-- places left from search_vector. title_vector holds the title alone, its words as written
-- (the `simple` configuration: no stems, no stopwords left out, and every run of letters and
-- digits one word, "Vision-Language" two: as SQLite's FTS5 phrase sees a title), for
-- the look-up of titles holding the query's words as typed, side by side.
ALTER TABLE papers
    ADD COLUMN rank_vector TSVECTOR GENERATED ALWAYS AS (
        setweight(to_tsvector('english'::regconfig, title), 'A')
        || setweight(to_tsvector('english'::regconfig, paperbot_words(ai_keywords)), 'B')
    ) STORED,
    ADD COLUMN title_vector TSVECTOR GENERATED ALWAYS AS (
        to_tsvector('simple'::regconfig, regexp_replace(title, '[^[:alnum:]]+', ' ', 'g'))
    ) STORED;

CREATE INDEX papers_rank_search ON papers USING gin (rank_vector);
CREATE INDEX papers_title_search ON papers USING gin (title_vector);
