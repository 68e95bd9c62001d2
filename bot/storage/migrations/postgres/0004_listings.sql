-- Every (paper, day) the Daily Papers listed it on: the same table as
-- sqlite/0004_listings.sql, in native types. A paper listed on two days is in both lists.
CREATE TABLE listings (
    arxiv_id  TEXT NOT NULL REFERENCES papers (arxiv_id) ON DELETE CASCADE,
    day       DATE NOT NULL,
    PRIMARY KEY (arxiv_id, day)
);

-- A day's list is read by day: this index holds the whole answer (index-only scan).
CREATE INDEX listings_day ON listings (day, arxiv_id);

-- An existing database keeps its lists: each paper's one known day becomes its listing.
INSERT INTO listings (arxiv_id, day)
SELECT arxiv_id, listed_on FROM papers WHERE listed_on IS NOT NULL;
