-- Hugging Face may list the same paper on two days. `papers.listed_on` holds one day (the
-- latest written), so a second listing used to take the paper out of the first day's list.
-- `listings` keeps every (paper, day) pair; papers_listed_on reads the day's list from here.
CREATE TABLE listings (
    arxiv_id  TEXT NOT NULL REFERENCES papers (arxiv_id) ON DELETE CASCADE,
    day       TEXT NOT NULL,                        -- YYYY-MM-DD
    PRIMARY KEY (arxiv_id, day)
) WITHOUT ROWID;

-- A day's list is read by day: this index holds the whole answer (no table look-up).
CREATE INDEX listings_day ON listings (day, arxiv_id);

-- An existing database keeps its lists: each paper's one known day becomes its listing.
INSERT INTO listings (arxiv_id, day)
SELECT arxiv_id, listed_on FROM papers WHERE listed_on IS NOT NULL;
