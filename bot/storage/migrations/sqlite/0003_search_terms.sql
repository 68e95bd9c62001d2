-- Typo correction needs the indexed words. FTS5's fts5vocab table lists them but counts
-- each word's documents as it goes (reading its whole doclist), which took ~100 ms for one
-- misspelt word at 1M papers. `search_terms` holds each distinct word once (written by
-- upsert_papers, see bot.storage.query.index_terms); a b-tree range scan then finds the
-- words that start like a misspelt one in well under a millisecond.
CREATE TABLE search_terms (term TEXT PRIMARY KEY) WITHOUT ROWID;

-- The words already indexed, read once from the vocabulary this table replaces.
INSERT INTO search_terms (term) SELECT term FROM papers_vocab;

DROP TABLE papers_vocab;
