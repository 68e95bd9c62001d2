"""`/papers similar` on PostgreSQL: ts_rank over a tsquery of a paper's distinctive words.

Two statements, as on SQLite (bot/storage/sqlite/similar.py): one counts how many papers
hold each of the paper's heaviest words (up to a cap, through the GIN index), with the
corpus size; the other ranks the papers holding any of the chosen words by `ts_rank` over
the weighted `search_vector`. The words are chosen by `bot.storage.search.similar_plan`; each is
letters and digits only, so it is never tsquery syntax.
"""

from __future__ import annotations

from typing import Any

from bot.records.models import Paper
from bot.storage.search.similar_plan import (
    MAX_DOC_SHARE,
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
# The words ANALYZE found in at least a share $5 of the papers (pg_stats keeps the commonest
# of search_vector's lexemes with their frequencies): a word with such a form is too common to
# use, and is not counted. Counting it visited up to the cap of rows (docs/benchmarks.md,
# "PostgreSQL similar").
_COMMON = (
    "SELECT coalesce(array_agg(e.lexeme), '{}') FROM pg_stats AS s, "
    "unnest(s.most_common_elems::text::text[], s.most_common_elem_freqs) AS e(lexeme, freq) "
    "WHERE s.schemaname = current_schema() AND s.tablename = 'papers' "
    "AND s.attname = 'search_vector' AND e.lexeme IS NOT NULL AND e.freq >= $5"
)
# Every other paper holding the word: all of them (the source too, if stored: `held` takes
# it off), through the GIN index. Not with a LIMIT at the cap: on a small table the planner
# then read rows in order testing each TOASTed vector until the cap (docs/benchmarks.md,
# "PostgreSQL similar"); the words left are below pg_stats' commonest, so few match.
_COUNTS = (
    f"WITH common AS ({_COMMON}) SELECT CASE WHEN tsvector_to_array(to_tsvector({CONFIG}, u.w)) "  # noqa: S608
    "&& (SELECT * FROM common) THEN $2 ELSE (SELECT count(*) FROM papers "
    f"WHERE search_vector @@ to_tsquery({CONFIG}, u.t)) END, "
    "EXISTS (SELECT FROM papers WHERE arxiv_id = $3) AS held "
    "FROM unnest($1::text[], $4::text[]) WITH ORDINALITY AS u(t, w, n) ORDER BY u.n"
)
# The papers whose title or keywords hold the words, ranked by `rank_vector` (title A,
# keywords B: migration 14, kept in the row) through its GIN index; then, if the pool is not
# full, the newest that hold them anywhere. Ranking every match by search_vector decompressed
# each one's TOASTed abstract vector (up to MATCH_BUDGET of them).
_SIMILAR = (
    f"SELECT arxiv_id FROM papers, to_tsquery({CONFIG}, $1) AS q "  # noqa: S608
    "WHERE rank_vector @@ q ORDER BY ts_rank(rank_vector, q) DESC, id DESC LIMIT $2"
)
_ANYWHERE = (
    f"SELECT arxiv_id FROM papers WHERE search_vector @@ to_tsquery({CONFIG}, $1) "  # noqa: S608
    "ORDER BY id + 0 DESC LIMIT $2"
)


async def similar_ids(conn: Any, paper: Paper, limit: int) -> tuple[list[str], list[Term]]:
    """arXiv ids of the papers likeliest to be like `paper`, best first by ts_rank (itself
    maybe among them), and the distinctive words they were looked for by."""
    terms = await _distinctive(conn, paper_terms(paper), paper.arxiv_id)
    if not terms or limit <= 0:
        return [], terms
    query = " | ".join(_any_form(t) for t in query_terms(terms))
    pool = candidate_pool(limit)
    found = [str(row[0]) for row in await conn.fetch(_SIMILAR, query, pool)]
    if len(found) < pool:
        more = [str(row[0]) for row in await conn.fetch(_ANYWHERE, query, pool + len(found))]
        found += [arxiv_id for arxiv_id in more if arxiv_id not in found][: pool - len(found)]
    return found, terms


def _any_form(term: Term) -> str:
    return "(" + " | ".join(term.forms) + ")"


async def _distinctive(conn: Any, terms: list[Term], arxiv_id: str) -> list[Term]:
    if not terms:
        return []
    total = int(await conn.fetchval(_TOTAL))
    cap = doc_cap(total)
    forms = [_any_form(t) for t in terms]
    words = [" ".join(t.forms) for t in terms]
    rows = await conn.fetch(_COUNTS, forms, cap + 1, arxiv_id, words, MAX_DOC_SHARE)
    docs = [min(cap, int(row[0]) - int(bool(row[1]))) for row in rows]
    return distinctive_terms(terms, docs, total)
