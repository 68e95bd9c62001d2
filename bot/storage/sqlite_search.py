"""Full-text search over the SQLite FTS5 index, in stages from strict to forgiving.

1. every word matches (bm25, title weighted up);
2. words the index has (almost) never seen get their nearest indexed words as alternatives
   (one or two edits, found in the `search_terms` table), and stage 1 runs again;
3. all words but one match (a title quoted with one word wrong or missing).

Later stages only fill the places earlier ones left empty, so exact matches always come
first. Each stage is a single FTS5 query that ranks at most the newest RANK_WINDOW matches,
which bounds its time on large corpora (docs/benchmarks.md, "Search", has the figures): a
broad query ("models") gets the best of the recent papers, a precise one is ranked in full.
"""

from __future__ import annotations

import aiosqlite

from bot.storage.query import (
    MIN_FUZZY_LENGTH,
    all_but_one,
    all_of,
    best_corrections,
    prefix_range,
    query_tokens,
    quote,
)

# bm25 column weights: title, abstract, authors, ai_keywords.
RANK = "bm25(papers_fts, 10.0, 1.0, 3.0, 3.0)"
# bm25 costs a little per matching row, and a broad query ("models") matches most of a large
# corpus. So only the newest RANK_WINDOW matches (by rowid, i.e. by insertion) are ranked:
# FTS5 walks its index in rowid order and stops there, which bounds the time per query.
RANK_WINDOW = 2000
_RANKED_IDS = (
    "SELECT rowid FROM ("  # noqa: S608
    f"SELECT rowid, {RANK} AS score FROM papers_fts WHERE papers_fts MATCH ? "
    "ORDER BY rowid DESC LIMIT ?"
    ") ORDER BY score LIMIT ?"
)
_CANDIDATES_PER_WORD = 5000
# A word in fewer papers than this is checked for a likely misspelling (papers carry typos
# too: "D iffusion" makes "iffusion" a word of the index).
RARE_DOCS = 3
# A typo in a word's first two letters leaves its last three intact from this length on.
MIN_SUFFIX_FALLBACK_LENGTH = 5


async def ranked_paper_ids(conn: aiosqlite.Connection, query: str, limit: int) -> list[int]:
    """Row ids of `papers` best first, for a user's raw query text (never raises on syntax)."""
    tokens = query_tokens(query)
    if not tokens or limit <= 0:
        return []
    groups = [[token] for token in tokens]
    found = await _run(conn, all_of(groups), limit, [])
    if len(found) < limit:
        groups = await _with_corrections(conn, groups)
        if any(len(group) > 1 for group in groups):
            found = await _run(conn, all_of(groups), limit, found)
    if len(found) < limit and len(groups) > 1:
        found = await _run(conn, all_but_one(groups), limit, found)
    return found


async def _run(
    conn: aiosqlite.Connection, expression: str, limit: int, found: list[int]
) -> list[int]:
    """`found` followed by the new ids `expression` yields, up to `limit` in all."""
    rows = await conn.execute_fetchall(_RANKED_IDS, (expression, RANK_WINDOW, limit + len(found)))
    seen = set(found)
    merged = list(found)
    for (rowid,) in rows:
        if rowid not in seen and len(merged) < limit:
            seen.add(rowid)
            merged.append(rowid)
    return merged


async def _with_corrections(conn: aiosqlite.Connection, groups: list[list[str]]) -> list[list[str]]:
    """Each rare word of fuzzable length gets its nearest indexed words as alternatives."""
    corrected: list[list[str]] = []
    for group in groups:
        token = group[0]
        if len(token) >= MIN_FUZZY_LENGTH and await _rare(conn, token):
            corrected.append([token, *await _nearest_terms(conn, token)])
        else:
            corrected.append(group)
    return corrected


async def _rare(conn: aiosqlite.Connection, token: str) -> bool:
    """Fewer than RARE_DOCS papers hold the word: likely a typo (or one that is indexed)."""
    rows = await conn.execute_fetchall(
        "SELECT count(*) FROM (SELECT 1 FROM papers_fts WHERE papers_fts MATCH ? LIMIT ?)",
        (quote(token), RARE_DOCS),
    )
    return int(next(iter(rows))[0]) < RARE_DOCS


async def _nearest_terms(conn: aiosqlite.Connection, token: str) -> list[str]:
    """Indexed words one or two edits from `token`.

    Most typos leave the first two letters alone, and those words are one b-tree range.
    A typo within the first two letters leaves the end alone: that fallback has no index
    to use (a scan of the word list, a few ms at 60k words), so it runs only when needed.
    """
    low, high = prefix_range(token)
    rows = await conn.execute_fetchall(
        "SELECT term FROM search_terms WHERE term >= ? AND term < ? "
        "AND length(term) BETWEEN ? AND ? LIMIT ?",
        (low, high, len(token) - 2, len(token) + 2, _CANDIDATES_PER_WORD),
    )
    found = best_corrections(token, (str(term) for (term,) in rows))
    if found or len(token) < MIN_SUFFIX_FALLBACK_LENGTH:
        return found
    rows = await conn.execute_fetchall(
        "SELECT term FROM search_terms WHERE length(term) BETWEEN ? AND ? "
        "AND substr(term, -3) = ? LIMIT ?",
        (len(token) - 1, len(token) + 1, token[-3:], _CANDIDATES_PER_WORD),
    )
    return best_corrections(token, (str(term) for (term,) in rows))
