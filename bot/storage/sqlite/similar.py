"""`/papers similar` on SQLite: FTS5 bm25 over a paper's most distinctive words.

Two statements: one counts, for each of the paper's heaviest words (in every form it takes
there), how many papers hold it (up to a cap, so a common word costs little), along with the
corpus size; the other ranks the papers holding any of the chosen words by bm25 over title,
abstract and keywords (authors are not what a paper is about). The words are chosen by
`bot.storage.search.similar_plan`, as on PostgreSQL.
"""

from __future__ import annotations

import aiosqlite

from bot.records.models import Paper
from bot.storage.search.query import any_of
from bot.storage.search.similar_plan import (
    Term,
    candidate_pool,
    distinctive_terms,
    doc_cap,
    paper_terms,
    query_terms,
)

# bm25 column weights: title, abstract, authors (filtered out), ai_keywords. Ranked in the
# index first, then joined: a join before the sort reads every match's row from `papers`
# (abstract and all).
_SIMILAR = (
    "SELECT p.arxiv_id FROM (SELECT rowid, bm25(papers_fts, 4.0, 1.0, 0.0, 2.0) AS score "
    "FROM papers_fts WHERE papers_fts MATCH ? ORDER BY score LIMIT ?) AS f "
    "JOIN papers AS p ON p.id = f.rowid ORDER BY f.score"
)
# Papers other than the source holding a word (the source may or may not be stored).
_COUNT = (
    "(SELECT count(*) FROM (SELECT 1 FROM papers_fts WHERE papers_fts MATCH ? "
    "AND rowid IS NOT (SELECT id FROM papers WHERE arxiv_id = ?) LIMIT ?))"
)
_COLUMNS = "{title abstract ai_keywords}"


async def similar_ids(
    conn: aiosqlite.Connection, paper: Paper, limit: int
) -> tuple[list[str], list[Term]]:
    """arXiv ids of the papers likeliest to be like `paper`, best first by bm25 (itself maybe
    among them), and the distinctive words they were looked for by (`rank_similar` orders
    them by those words)."""
    terms = await _distinctive(conn, paper_terms(paper), paper.arxiv_id)
    if not terms or limit <= 0:
        return [], terms
    expression = _COLUMNS + " : (" + " OR ".join(any_of(t.forms) for t in query_terms(terms)) + ")"
    rows = await conn.execute_fetchall(_SIMILAR, (expression, candidate_pool(limit)))
    return [str(arxiv_id) for (arxiv_id,) in rows], terms


async def _distinctive(conn: aiosqlite.Connection, terms: list[Term], arxiv_id: str) -> list[Term]:
    if not terms:
        return []
    rows = await conn.execute_fetchall("SELECT coalesce(max(id), 0) FROM papers")
    total = int(next(iter(rows))[0])
    cap = doc_cap(total)
    rows = await conn.execute_fetchall(
        "SELECT " + ", ".join([_COUNT] * len(terms)),
        [p for t in terms for p in (_COLUMNS + " : " + any_of(t.forms), arxiv_id, cap)],
    )
    docs = [int(count) for count in next(iter(rows))]
    return distinctive_terms(terms, docs, total)
