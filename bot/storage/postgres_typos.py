"""Search stage 2 on PostgreSQL: the likeliest corrections of a query's rare words.

The same word-list correction as SQLite's (bot/storage/typo_plan.py decides what to look up
and what to keep); here are its three statements, each for every word at once: how many
papers hold each fuzzable word, the indexed words near each rare one (`search_terms`,
migration 18), and how many papers hold each of those. Papers are counted through the GIN
index on `search_vector`, each word read by `to_tsquery('english', word)`: a word is
letters and digits only (parse_query's words, and `typo_plan.near` keeps only such terms),
so it is never tsquery syntax.
"""

from __future__ import annotations

from typing import Any

from bot.storage import typo_plan
from bot.storage.typo_plan import Groups

# How many papers hold each word, counted up to $2, through the GIN index on search_vector.
# A GIN scan cannot stop early: it reads a word's whole posting list, 14 ms for "model" (95%
# of 100k papers). So a word whose lexeme ANALYZE found in at least twice $2 papers (the
# most common elements of search_vector, in pg_stats: the top 1,000 lexemes, each in 2.7%
# of papers or more at 100k) is taken as held by $2; the others, whose lists are short, are
# counted. Without statistics (a new or small table) every word is counted.
# A word the `english` configuration drops (a stopword: "which", "about") matches nothing and
# asks nothing of a paper: as a query word ($3) it counts as common, so it is never corrected
# (a correction would turn a word the query ignores into one it requires); as a candidate it
# counts 0, as no paper holds it there.
_DOC_COUNTS = (
    "WITH stats AS MATERIALIZED (SELECT s.most_common_elems::text::text[] AS lexemes, "
    "s.most_common_elem_freqs AS freqs, c.reltuples FROM pg_class AS c "
    "JOIN pg_namespace AS n ON n.oid = c.relnamespace JOIN pg_stats AS s "
    "ON s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = 'search_vector' "
    "WHERE c.oid = 'papers'::regclass) "
    "SELECT CASE WHEN numnode(q) = 0 THEN (CASE WHEN $3 THEN $2 ELSE 0 END)::bigint "
    "WHEN (SELECT st.freqs[array_position(st.lexemes, l.lexemes[1])] * st.reltuples "
    "FROM stats AS st WHERE cardinality(l.lexemes) = 1) >= 2 * $2 THEN $2::bigint "
    "ELSE (SELECT count(*) FROM (SELECT 1 FROM papers AS p WHERE p.search_vector @@ q "
    "LIMIT $2) AS m) END "
    "FROM unnest($1::text[]) WITH ORDINALITY AS w(word, n), "
    "to_tsquery('english'::regconfig, w.word) AS q, "
    "tsvector_to_array(to_tsvector('english'::regconfig, w.word)) AS l(lexemes) ORDER BY w.n"
)
# The indexed words in each rare word's window (typo_plan.window: a byte range on its first
# two letters, in byte order as SQLite's b-tree, with a length filter, LIMIT $6), then the
# indexed ones among the head edits (typo_plan.head_lookups), in one statement: the head
# edits are a few hundred index probes, cheaper asked always than in a second round trip;
# typo_plan.candidates uses them only for a word whose range held nothing near, as SQLite.
_CANDIDATES = (
    "SELECT w.token, t.term FROM unnest($1::text[], $2::text[], "
    "$3::text[], $4::int[], $5::int[]) AS w(token, low, high, shortest, longest) "
    'CROSS JOIN LATERAL (SELECT term FROM search_terms WHERE term >= w.low COLLATE "C" '
    'AND term < w.high COLLATE "C" AND length(term) BETWEEN w.shortest AND w.longest '
    "ORDER BY term LIMIT $6) AS t "
    "UNION ALL SELECT NULL, term FROM search_terms WHERE term = ANY($7::text[])"
)


async def with_corrections(conn: Any, groups: Groups) -> Groups:
    """Each rare word of fuzzable length gets its likeliest corrections as alternatives.

    `conn` is an asyncpg connection; each group's first word is the word as typed. The
    planner, pricing `@@` on a parameter at a default selectivity, would read a few rows of
    `papers` in order to find three holders of a word, testing every row's TOASTed vector
    when the word is rare (890 ms at 100k, against 0.2 ms through the GIN index): sequential
    scans are ruled out for these statements only.
    """
    fuzzable = typo_plan.fuzzable(groups)
    if not fuzzable:
        return groups
    async with conn.transaction():
        await conn.execute("SET LOCAL enable_seqscan = off")
        words = [groups[i][0] for i in fuzzable]
        counts = await _doc_counts(conn, words, typo_plan.RARE_DOCS, stopwords_common=True)
        rare = typo_plan.rare(fuzzable, counts)
        if not rare:
            return groups
        found = await _candidates(conn, [groups[i][0] for i in rare])
        pool = typo_plan.pool(found)
        counts = await _doc_counts(conn, pool, typo_plan.DOCS_COUNTED, stopwords_common=False)
    return typo_plan.corrected(groups, rare, found, dict(zip(pool, counts, strict=True)))


async def _doc_counts(
    conn: Any, words: list[str], cap: int, *, stopwords_common: bool
) -> list[int]:
    """How many papers hold each word (counted up to `cap`), in one statement."""
    if not words:
        return []
    rows = await conn.fetch(_DOC_COUNTS, words, cap, stopwords_common)
    return [int(row[0]) for row in rows]


async def _candidates(conn: Any, tokens: list[str]) -> dict[str, list[str]]:
    """Indexed words within a typo's reach of each token, in one statement."""
    windows = [typo_plan.window(token) for token in tokens]
    edits = typo_plan.head_lookups(tokens)
    rows = await conn.fetch(
        _CANDIDATES,
        [w.token for w in windows],
        [w.low for w in windows],
        [w.high for w in windows],
        [w.shortest for w in windows],
        [w.longest for w in windows],
        typo_plan.CANDIDATES_PER_WORD,
        list(edits),
    )
    ranged = typo_plan.near((str(token), str(term)) for token, term in rows if token is not None)
    heads: dict[str, list[str]] = {}
    for token, term in rows:
        if token is None:
            heads.setdefault(edits[str(term)], []).append(str(term))
    return typo_plan.candidates(tokens, ranged, heads)
