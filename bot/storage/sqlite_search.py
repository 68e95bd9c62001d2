"""Full-text search over the SQLite FTS5 index, in stages from strict to forgiving.

1. every word matches (bm25, title weighted up);
2. words the index has never seen are replaced by their nearest vocabulary terms
   (one or two edits, looked up in the fts5vocab table), and stage 1 runs again;
3. all words but one match (a title quoted with one word wrong or missing).

Later stages only fill the places earlier ones left empty, so exact matches always come
first. Each stage is a single FTS5 query with a LIMIT, which keeps it fast on large corpora.
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
)

# bm25 column weights: title, abstract, authors, ai_keywords.
RANK = "bm25(papers_fts, 10.0, 1.0, 3.0, 3.0)"
_RANKED_IDS = f"SELECT rowid FROM papers_fts WHERE papers_fts MATCH ? ORDER BY {RANK} LIMIT ?"  # noqa: S608
_CANDIDATES_PER_WORD = 5000


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
    rows = await conn.execute_fetchall(_RANKED_IDS, (expression, limit + len(found)))
    seen = set(found)
    merged = list(found)
    for (rowid,) in rows:
        if rowid not in seen and len(merged) < limit:
            seen.add(rowid)
            merged.append(rowid)
    return merged


async def _with_corrections(conn: aiosqlite.Connection, groups: list[list[str]]) -> list[list[str]]:
    """Each unknown word of fuzzable length gets its nearest known terms as alternatives."""
    corrected: list[list[str]] = []
    for group in groups:
        token = group[0]
        if len(token) >= MIN_FUZZY_LENGTH and not await _known(conn, token):
            corrected.append([token, *await _nearest_terms(conn, token)])
        else:
            corrected.append(group)
    return corrected


async def _known(conn: aiosqlite.Connection, token: str) -> bool:
    rows = await conn.execute_fetchall("SELECT 1 FROM papers_vocab WHERE term = ?", (token,))
    return bool(rows)


async def _nearest_terms(conn: aiosqlite.Connection, token: str) -> list[str]:
    low, high = prefix_range(token)
    rows = await conn.execute_fetchall(
        "SELECT term, doc FROM papers_vocab WHERE term >= ? AND term < ? "
        "AND length(term) BETWEEN ? AND ? LIMIT ?",
        (low, high, len(token) - 2, len(token) + 2, _CANDIDATES_PER_WORD),
    )
    return best_corrections(token, [(str(term), int(docs)) for term, docs in rows])
