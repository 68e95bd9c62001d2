"""Full-text search on PostgreSQL, in stages from strict to forgiving.

1. `websearch_to_tsquery` over the generated `search_vector` (title A, keywords B, abstract
   and authors C), the newest RANK_WINDOW matches ranked by `ts_rank_cd`. websearch syntax
   never raises: quotes make a phrase, `-word` excludes, `or` is an alternative, anything
   else is a word.
2. Typo-tolerant, when pg_trgm is installed: titles whose trigrams best cover the query
   (`word_similarity`, served by the trigram index on `title`), so a title quoted from
   memory with a typo or two still finds its paper.
3. All words but one (a title quoted with one word wrong or missing), again ranked by
   `ts_rank_cd`; the words come from `query_tokens`, so they carry no tsquery syntax.

Later stages only fill the places earlier ones left empty, so exact matches come first.
"""

from __future__ import annotations

from typing import Any

from bot.storage.query import MAX_QUERY_CHARS, STOPWORDS, query_tokens

CONFIG = "'english'::regconfig"
# A word in a fifth of the corpus matches 20k rows at 100k papers; ranking them all costs
# far more than the query's budget. As on SQLite (bot/storage/sqlite_search.py), only the
# newest RANK_WINDOW matches are ranked: a search is for recent papers first.
RANK_WINDOW = 2000
_RANKED = (
    "SELECT id FROM (SELECT id, search_vector FROM papers, {parse}({config}, $1) AS q "
    "WHERE search_vector @@ q ORDER BY id DESC LIMIT {window}) AS recent, "
    "{parse}({config}, $1) AS q ORDER BY ts_rank_cd(search_vector, q) DESC, id DESC LIMIT $2"
)
_FULL_TEXT = _RANKED.format(parse="websearch_to_tsquery", config=CONFIG, window=RANK_WINDOW)
_WORDS = _RANKED.format(parse="to_tsquery", config=CONFIG, window=RANK_WINDOW)


def trigram_sql(trgm_schema: str) -> str:
    """The typo stage's query, with pg_trgm's operator and function named by their schema."""
    schema = '"' + trgm_schema.replace('"', '""') + '"'
    return (
        f"SELECT id FROM papers WHERE $1 OPERATOR({schema}.<%) title "  # noqa: S608
        f"ORDER BY {schema}.word_similarity($1, title) DESC, id LIMIT $2"
    )


def all_but_one_words(text: str) -> str | None:
    """A to_tsquery expression where every content word but one must match, or None.

    Stopwords are left out first, so they alone never decide a match; with fewer than three
    content words, any one of them is enough.
    """
    words = [w for w in query_tokens(text) if w not in STOPWORDS]
    if len(words) < 2:
        return None
    if len(words) < 3:
        return " | ".join(words)
    return " | ".join(
        "(" + " & ".join(words[:skip] + words[skip + 1 :]) + ")" for skip in range(len(words))
    )


async def ranked_paper_ids(
    conn: Any, query: str, limit: int, *, trgm_schema: str | None
) -> list[int]:
    """Ids of `papers` best first, for a user's raw query text (never raises on syntax).

    `conn` is an asyncpg connection; `trgm_schema` is where pg_trgm lives, None without it.
    """
    text = " ".join(query_tokens(query))
    if not text or limit <= 0:
        return []
    found = await _run(conn, _FULL_TEXT, query[:MAX_QUERY_CHARS], limit, [])
    if len(found) < limit and trgm_schema is not None:
        found = await _run(conn, trigram_sql(trgm_schema), text, limit, found)
    expression = all_but_one_words(query)
    if len(found) < limit and expression is not None:
        found = await _run(conn, _WORDS, expression, limit, found)
    return found


async def _run(conn: Any, sql: str, argument: str, limit: int, found: list[int]) -> list[int]:
    """`found` followed by the new ids the query yields, up to `limit` in all."""
    rows = await conn.fetch(sql, argument, limit + len(found))
    seen = set(found)
    merged = list(found)
    for row in rows:
        paper_id = int(row[0])
        if paper_id not in seen and len(merged) < limit:
            seen.add(paper_id)
            merged.append(paper_id)
    return merged
