-- Typo correction as on SQLite (issue 12): a misspelt word's candidates are the indexed words
-- that start like it (bot/storage/typo_plan.py), one b-tree range of this table. The "C"
-- collation makes that range a plain byte range, as SQLite's, whatever the database's
-- locale; upsert_papers writes each paper's new words (bot.storage.query.index_terms).
CREATE TABLE search_terms (term TEXT COLLATE "C" PRIMARY KEY);

-- The words of the papers already stored: their title, abstract, authors and keywords,
-- lower-cased and cut at every run of characters other than letters and digits. index_terms
-- differs in two corners: it case-folds ("ß" is "ss" there, lower() keeps it), and the
-- letters here are those of the database's LC_CTYPE (under the plain "C" locale, only ASCII
-- ones: "zürich" would be "z" and "rich"). Papers written from now on are read by
-- index_terms itself.
INSERT INTO search_terms (term)
SELECT DISTINCT word
FROM papers AS p,
    regexp_split_to_table(
        lower(concat_ws(' ', p.title, p.abstract, array_to_string(p.authors, ' '),
                        array_to_string(p.ai_keywords, ' '))),
        '[^[:alnum:]]+') AS word
WHERE word <> '';

-- The trigram index on titles (migration 17) served only the pg_trgm typo stage this
-- replaces: nothing else reads it, and every title written kept it up to date. The
-- extension itself is left alone: it is database-wide, and may serve others.
DROP INDEX IF EXISTS paper_ranks_title_trgm;
DROP INDEX IF EXISTS papers_title_trgm;

ANALYZE search_terms;
