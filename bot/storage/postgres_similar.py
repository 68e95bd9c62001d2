"""`/papers similar` on PostgreSQL: ts_rank over a tsquery of a paper's distinctive words.

Two statements, as on SQLite (bot/storage/sqlite_similar.py): one counts how many papers
hold each of the paper's heaviest words (up to a cap, through the GIN index), with the
corpus size; the other ranks the papers holding any of the chosen words by `ts_rank` over
the weighted `search_vector`. The words are chosen by `bot.storage.similar_plan`; each is
letters and digits only, so it is never tsquery syntax.
"""

from __future__ import annotations

from typing import Any

from bot.models import Paper
from bot.storage.similar_plan import (
    Term,
    candidate_pool,
    distinctive_terms,
    doc_cap,
    paper_terms,
    query_terms,
)

CONFIG = "'english'::regconfig"
# The planner's row estimate is free and close enough for a rarity; a small or never
# analysed table (reltuples -1) is counted instead.
_TOTAL = (
    "SELECT CASE WHEN reltuples < 10000 THEN (SELECT count(*) FROM papers) "
    "ELSE reltuples::bigint END FROM pg_class WHERE oid = 'papers'::regclass"
)
_COUNTS = (
    "SELECT (SELECT count(*) FROM (SELECT 1 FROM papers "  # noqa: S608
    f"WHERE search_vector @@ to_tsquery({CONFIG}, u.t) AND arxiv_id <> $3 LIMIT $2) AS hits) "
    "FROM unnest($1::text[]) WITH ORDINALITY AS u(t, n) ORDER BY u.n"
)
_SIMILAR = (
    f"SELECT arxiv_id FROM papers, to_tsquery({CONFIG}, $1) AS q "  # noqa: S608
    "WHERE search_vector @@ q ORDER BY ts_rank(search_vector, q) DESC, id DESC LIMIT $2"
)


async def similar_ids(conn: Any, paper: Paper, limit: int) -> tuple[list[str], list[Term]]:
    """arXiv ids of the papers likeliest to be like `paper`, best first by ts_rank (itself
    maybe among them), and the distinctive words they were looked for by."""
    terms = await _distinctive(conn, paper_terms(paper), paper.arxiv_id)
    if not terms or limit <= 0:
        return [], terms
    query = " | ".join(_any_form(t) for t in query_terms(terms))
    rows = await conn.fetch(_SIMILAR, query, candidate_pool(limit))
    return [str(row[0]) for row in rows], terms


def _any_form(term: Term) -> str:
    return "(" + " | ".join(term.forms) + ")"


async def _distinctive(conn: Any, terms: list[Term], arxiv_id: str) -> list[Term]:
    if not terms:
        return []
    total = int(await conn.fetchval(_TOTAL))
    rows = await conn.fetch(_COUNTS, [_any_form(t) for t in terms], doc_cap(total), arxiv_id)
    return distinctive_terms(terms, [int(row[0]) for row in rows], total)
