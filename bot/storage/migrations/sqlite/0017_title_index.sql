-- A second, small FTS5 index over the title and the Hugging Face keywords only (issue 12),
-- as PostgreSQL's rank_vector (migration 14). papers_fts holds the abstracts too, so a
-- common word's doclist there is long (positions in ~200-word abstracts): a title-length
-- query walked the doclists of "models", "language", "learning" (600k-860k papers each at
-- 1M) and bm25 walked them again to count their papers, 65-90 ms per statement. Search looks
-- for title/keyword matches here first and fills the places left from papers_fts by recency,
-- as PostgreSQL does (bot/storage/sqlite_search.py).
CREATE VIRTUAL TABLE papers_title_fts USING fts5 (
    title, ai_keywords,
    content = 'papers',
    content_rowid = 'id',
    tokenize = 'unicode61 remove_diacritics 2'
);

INSERT INTO papers_title_fts (papers_title_fts) VALUES ('rebuild');

CREATE TRIGGER papers_title_fts_insert AFTER INSERT ON papers BEGIN
    INSERT INTO papers_title_fts (rowid, title, ai_keywords)
    VALUES (new.id, new.title, new.ai_keywords);
END;

CREATE TRIGGER papers_title_fts_delete AFTER DELETE ON papers BEGIN
    INSERT INTO papers_title_fts (papers_title_fts, rowid, title, ai_keywords)
    VALUES ('delete', old.id, old.title, old.ai_keywords);
END;

CREATE TRIGGER papers_title_fts_update AFTER UPDATE ON papers
WHEN old.title IS NOT new.title OR old.ai_keywords IS NOT new.ai_keywords
BEGIN
    INSERT INTO papers_title_fts (papers_title_fts, rowid, title, ai_keywords)
    VALUES ('delete', old.id, old.title, old.ai_keywords);
    INSERT INTO papers_title_fts (rowid, title, ai_keywords)
    VALUES (new.id, new.title, new.ai_keywords);
END;
