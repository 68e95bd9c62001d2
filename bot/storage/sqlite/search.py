"""Full-text search over the SQLite FTS5 index, in stages from strict to forgiving.

The query is read by `bot.storage.search.search_plan.parse_query` (phrases, exclusions, question
words); each required word stands for every indexed word with its stem ("world" finds
"Worlds"), looked up in `search_terms` with one statement for the whole query.

1. every required word and phrase matches, no excluded one does: first among titles and
   keywords (the small `papers_title_fts`, bm25), then, for places left, anywhere (newest
   first; not when a title-length query names a title word for word); the best candidates
   are re-ordered so that titles holding every word, side by side at
   best, come first. A title that holds every word is a decisive answer: search stops here.
2. words the index has (almost) never seen get their nearest indexed words as alternatives
   (one or two edits from `search_terms`, the most common first), and stage 1 runs again;
3. all words but one match (a title quoted with one word wrong or missing);
4. for a query of four words or more, titles holding most of them, looked up by its rarest
   words (a title quoted with two words misspelt past correction).

Stages 2 to 4 are relaxed: their papers are "close" matches, after the exact ones, and
exclusions hold in them too. Each stage ranks at most the newest RANK_WINDOW matches,
which bounds its time on large corpora (docs/benchmarks.md, "Search").
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from typing import Any

import aiosqlite

from bot.storage.search import typo_plan
from bot.storage.search.query import any_of, exclusion_expression, match_expression, quote
from bot.storage.search.search_plan import (
    MOST_WORDS_MIN,
    ParsedQuery,
    RankedIds,
    holds_most,
    names_a_title,
    needs_run_lookup,
    parse_query,
    rarest_positions,
    same_stem,
    stem_prefix,
    title_holds_all,
)

# bm25 column weights of papers_title_fts (migration 17): title, ai_keywords (the weights
# papers_fts gave them, where the abstract weighed 1 and the authors 3).
RANK = "bm25(papers_title_fts, 10.0, 3.0)"
# bm25 costs a little per matching row, and a broad query ("models") matches most of a large
# corpus. So only the newest RANK_WINDOW matches (by rowid, i.e. by insertion) are ranked:
# FTS5 walks its index in rowid order and stops there, which bounds the time per query.
RANK_WINDOW = 2000
# First the papers whose title or keywords match, in the small title index (migration 17),
# the newest RANK_WINDOW of them ranked by bm25; then, if places are left, the newest papers
# that match anywhere (papers_fts: the abstract and authors too), by recency, unranked. As
# PostgreSQL does (rank_vector, then search_vector). Ranking over papers_fts walked every
# query word's doclist twice (once to match, once for bm25's document counts), and a
# common word's doclist there holds its positions in every abstract: slow for a title of
# common words on a large corpus (docs/benchmarks.md, "Search targets (issue 12): one run").
# The best are picked before the join with `papers`, so only their rows are read (abstracts
# and all).
_TITLE_MATCH = "papers_title_fts MATCH ?"
_NOT_EXCLUDED = " AND rowid NOT IN (SELECT rowid FROM papers_fts WHERE papers_fts MATCH ?)"
_RANKED_WHERE = (
    "SELECT f.rowid, p.title FROM (SELECT rowid, score FROM ("  # noqa: S608
    f"SELECT rowid, {RANK} AS score FROM papers_title_fts WHERE {{match}} "
    "ORDER BY rowid DESC LIMIT ?"
    ") ORDER BY score LIMIT ?) AS f JOIN papers AS p ON p.id = f.rowid ORDER BY f.score"
)
_RANKED = _RANKED_WHERE.format(match=_TITLE_MATCH)
_RANKED_UNLESS_EXCLUDED = _RANKED_WHERE.format(match=_TITLE_MATCH + _NOT_EXCLUDED)
_ANYWHERE = (
    "SELECT f.rowid, p.title FROM (SELECT rowid FROM papers_fts WHERE papers_fts MATCH ? "
    "ORDER BY rowid DESC LIMIT ?) AS f JOIN papers AS p ON p.id = f.rowid ORDER BY f.rowid DESC"
)
# Titles holding the words as typed are few unless the words are common; then the newest
# RUN_WINDOW of them are ranked, which bounds the cost of a common run (docs/benchmarks.md,
# "SQLite search stages").
RUN_WINDOW = 300
# How many of a stage's best (by bm25) are re-ordered by their titles.
_FORMS_PER_WORD = 200  # indexed words sharing a prefix with a word's stem, read at most

Groups = list[list[str]]


async def ranked_paper_ids(conn: aiosqlite.Connection, query: str, limit: int) -> RankedIds:
    """Row ids of `papers` best first, exact then close, for a user's raw query text.

    Never raises on syntax: user text reaches FTS5 only as quoted words.
    """
    plan = parse_query(query)
    found = RankedIds([], [])
    if plan.is_empty or limit <= 0:
        return found
    forms = await _word_forms(conn, [*plan.words, *(e[0] for e in plan.excluded if len(e) == 1)])
    groups = [forms[word] for word in plan.words]
    excluded = exclusion_expression(plan.excluded, forms)
    if await _stage(conn, plan, groups, excluded, limit, found, close=False):
        return found
    corrected = await _with_corrections(conn, groups)
    if corrected != groups:
        await _stage(conn, plan, corrected, excluded, limit, found, close=True)
    if len(found) < limit and len(groups) > 1:
        await _stage(conn, plan, corrected, excluded, limit, found, close=True, all_but_one=True)
    if len(found) < limit and len(groups) >= MOST_WORDS_MIN:
        await _most_words(conn, plan, corrected, excluded, limit, found)
    return found


async def _most_words(
    conn: aiosqlite.Connection,
    plan: ParsedQuery,
    groups: Groups,
    excluded: str,
    limit: int,
    found: RankedIds,
) -> None:
    """The last, loosest stage: titles holding most of the words, looked up by the rarest
    ones (one statement to count, one to rank), as close matches."""
    positions = [any_of(group) for group in groups]
    counts = await _doc_counts(conn, positions, typo_plan.DOCS_COUNTED, titles=True)
    rarest = [positions[i] for i in rarest_positions(counts)]
    if not rarest:
        return
    phrases = [quote(" ".join(phrase)) for phrase in plan.phrases]
    expression = " AND ".join(["(" + " OR ".join(rarest) + ")", *phrases])
    ranked = await _ranked(conn, expression, excluded, RANK_WINDOW, found.wanted(limit))
    rows = [row for row in ranked if holds_most(str(row[1]), groups)]
    found.add_by_title(plan, rows, groups, limit, close=True)


async def _stage(
    conn: aiosqlite.Connection,
    plan: ParsedQuery,
    groups: Groups,
    excluded: str,
    limit: int,
    found: RankedIds,
    *,
    close: bool,
    all_but_one: bool = False,
) -> bool:
    """Run one stage into `found`; whether its answer is decisive (search may stop)."""
    expression = match_expression(groups, plan.phrases, all_but_one=all_but_one)
    wanted = found.wanted(limit)
    rows = await _ranked(conn, expression, excluded, RANK_WINDOW, wanted)
    if len(rows) < wanted and not names_a_title(plan, _titles(rows)):
        fill = (expression + excluded, wanted + len(rows))
        rows += list(await conn.execute_fetchall(_ANYWHERE, fill))
    if not close and needs_run_lookup(plan, _titles(rows)):
        rows = await _title_runs(conn, plan, excluded, wanted) + rows
    found.add_by_title(plan, rows, groups, limit, close=close)
    return len(found) >= limit or any(title_holds_all(t, groups) for t in _titles(rows))


def _titles(rows: Sequence[Any]) -> list[str]:
    return [str(title) for _, title in rows]


async def _title_runs(
    conn: aiosqlite.Connection, plan: ParsedQuery, excluded: str, wanted: int
) -> list[Any]:
    """The titles holding the query's words as typed, side by side: a fragment of a title
    whose words are common ("of large language models") finds its paper even when bm25
    ranks hundreds of abstracts repeating them higher."""
    phrases = " OR ".join(quote(" ".join(run)) for run in plan.title_runs)
    phrase = "{title} : (" + phrases + ")"
    return await _ranked(conn, phrase, excluded, RUN_WINDOW, wanted)


async def _ranked(
    conn: aiosqlite.Connection, expression: str, excluded: str, window: int, wanted: int
) -> list[Any]:
    """The best `wanted` of the newest `window` title/keyword matches of `expression`; an
    exclusion (` NOT (...)`) is tested on every column, through papers_fts."""
    if not excluded:
        return list(await conn.execute_fetchall(_RANKED, (expression, window, wanted)))
    params = (expression, excluded.removeprefix(" NOT "), window, wanted)
    return list(await conn.execute_fetchall(_RANKED_UNLESS_EXCLUDED, params))


async def _word_forms(conn: aiosqlite.Connection, words: Sequence[str]) -> dict[str, list[str]]:
    """Each word with the indexed words sharing its stem, read in one statement."""
    ranges = [(word, prefix) for word in words if (prefix := stem_prefix(word))]
    terms: dict[str, list[str]] = {word: [] for word in words}
    if ranges:
        select = (
            "SELECT ? AS word, term FROM (SELECT term FROM search_terms "
            "WHERE term >= ? AND term < ? LIMIT ?)"
        )
        sql = " UNION ALL ".join([select] * len(ranges))
        params = [p for word, prefix in ranges for p in (word, *_bounds(prefix), _FORMS_PER_WORD)]
        for word, term in await conn.execute_fetchall(sql, params):
            terms[str(word)].append(str(term))
    return {word: same_stem(word, terms[word]) for word in words}


def _bounds(prefix: str) -> tuple[str, str]:
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


async def _with_corrections(conn: aiosqlite.Connection, groups: Groups) -> Groups:
    """Each rare word of fuzzable length gets its likeliest corrections as alternatives
    (bot.storage.search.typo_plan decides; PostgreSQL asks the same in its own SQL)."""
    fuzzable = typo_plan.fuzzable(groups)
    counts = await _doc_counts(conn, [any_of(groups[i]) for i in fuzzable], typo_plan.RARE_DOCS)
    rare = typo_plan.rare(fuzzable, counts)
    if not rare:
        return groups
    found = await _candidates(conn, [groups[i][0] for i in rare])
    pool = typo_plan.pool(found)
    counts = await _doc_counts(conn, [quote(t) for t in pool], typo_plan.DOCS_COUNTED)
    return typo_plan.corrected(groups, rare, found, dict(zip(pool, counts, strict=True)))


_COUNT_ANYWHERE = (
    "(SELECT count(*) FROM (SELECT 1 FROM papers_fts WHERE papers_fts MATCH ? LIMIT ?))"
)
_COUNT_IN_TITLES = (
    "(SELECT count(*) FROM (SELECT 1 FROM papers_title_fts WHERE papers_title_fts MATCH ? LIMIT ?))"
)


async def _doc_counts(
    conn: aiosqlite.Connection, expressions: list[str], cap: int, *, titles: bool = False
) -> list[int]:
    """How many papers match each expression (counted up to `cap`), in one statement: in
    any column, or with `titles` in titles and keywords only."""
    if not expressions:
        return []
    one = _COUNT_IN_TITLES if titles else _COUNT_ANYWHERE
    rows = await conn.execute_fetchall(
        "SELECT " + ", ".join([one] * len(expressions)),
        [p for expression in expressions for p in (expression, cap)],
    )
    return [int(count) for count in next(iter(rows))]


async def _candidates(conn: aiosqlite.Connection, tokens: list[str]) -> dict[str, list[str]]:
    """Indexed words within a typo's reach of each token (`typo_plan.window`).

    Most typos leave the first two letters alone, and those words are one b-tree range.
    A typo within the first two letters is looked for among its one-edit variants there
    (`typo_plan.head_lookups`), a few hundred exact look-ups in the same b-tree, only when
    needed.
    """
    select = (
        "SELECT ? AS token, term FROM (SELECT term FROM search_terms WHERE term >= ? "
        "AND term < ? AND length(term) BETWEEN ? AND ? LIMIT ?)"
    )
    windows = [typo_plan.window(token) for token in tokens]
    params = [
        p
        for w in windows
        for p in (w.token, w.low, w.high, w.shortest, w.longest, typo_plan.CANDIDATES_PER_WORD)
    ]
    rows = await conn.execute_fetchall(" UNION ALL ".join([select] * len(tokens)), params)
    ranged = typo_plan.near((str(token), str(term)) for token, term in rows)
    heads: dict[str, list[str]] = {}
    missing = [t for t in tokens if not ranged.get(t)]
    if missing:
        edits = typo_plan.head_lookups(missing)
        rows = await conn.execute_fetchall(
            "SELECT j.value FROM json_each(?) AS j JOIN search_terms AS t ON t.term = j.value",
            (json.dumps(list(edits)),),
        )
        for (term,) in rows:
            heads.setdefault(edits[str(term)], []).append(str(term))
    return typo_plan.candidates(tokens, ranged, heads)
