"""Full-text search on PostgreSQL, in stages from strict to forgiving, as on SQLite.

The query is read by `bot.storage.search.search_plan.parse_query` (phrases, exclusions, question
words), and its words reach `to_tsquery` only as plain words (letters and digits), so no user
text is ever tsquery syntax. The `english` configuration gives each word its stem on both
sides ("world" finds "Worlds").

1. every required word and phrase matches and no excluded one does, over the generated
   `search_vector` (title A, keywords B, abstract and authors C); the newest RANK_WINDOW
   matches ranked by `ts_rank_cd`, then re-ordered so that titles holding every word (side
   by side at best) come first. A title holding every word is decisive: search stops here.
2. words the index has (almost) never seen get their nearest indexed words as alternatives
   (one or two edits, from `search_terms`, the most common first: bot/storage/search/typo_plan.py,
   as on SQLite; postgres_typos.py), and stage 1 runs again, each corrected word an OR group;
3. all words but one (a title quoted with one word wrong or missing), the corrections
   kept, ranked by `ts_rank_cd`.
4. For a query of four words or more, titles holding most of them, looked up by its rarest
   words (a title quoted with two words misspelt past correction).

Stages 2 to 4 are relaxed: their papers are "close" matches, after the exact ones, and the
exclusions hold in them too.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from bot.storage.postgres.typos import with_corrections
from bot.storage.search.search_plan import (
    MOST_WORDS_MIN,
    ParsedQuery,
    RankedIds,
    holds_most,
    names_a_title,
    needs_run_lookup,
    parse_query,
    rarest_positions,
    title_holds_all,
)

CONFIG = "'english'::regconfig"
# A broad word matches a large share of the corpus, and ranking every match costs far more
# than the query's budget (docs/benchmarks.md, "Search at 100k papers, beside SQLite"). As
# on SQLite (bot/storage/sqlite/search.py), only the newest RANK_WINDOW matches are ranked:
# a search is for recent papers first.
RANK_WINDOW = 2000
RUN_WINDOW = 300  # titles holding the run as typed, newest first, ranked at most (as SQLite)
# No exclusion is NULL: the test then never reads a row's search_vector (a large, TOASTed
# value), which had slowed every query without one (docs/benchmarks.md, "PostgreSQL search
# stages").
_UNLESS_EXCLUDED = f"($3::text IS NULL OR NOT search_vector @@ to_tsquery({CONFIG}, $3))"
# First the papers whose title or keywords match (`rank_vector`, title A and keywords B:
# migration 14, a small value kept in the row), the newest RANK_WINDOW of them ranked by
# `ts_rank_cd`, read from the narrow paper_ranks (migration 17: a broad word's newest
# matches are found by walking many rows, which in the wide `papers` meant reading pages
# past the buffer cache); then, if places are left, the newest papers that match anywhere
# (search_vector, the abstract and authors too). Testing and ranking search_vector itself
# read and decompressed each candidate's TOASTed abstract vector, for every row a common
# word made it look at (docs/benchmarks.md, "PostgreSQL search stages").
# The same test for a row of paper_ranks (migration 17), whose abstract vector is in papers.
_RANKS_UNLESS_EXCLUDED = (
    "($3::text IS NULL OR NOT EXISTS (SELECT 1 FROM papers AS p WHERE p.id = r.id "  # noqa: S608
    f"AND p.search_vector @@ to_tsquery({CONFIG}, $3)))"
)
_RANKED = (
    "SELECT id, title FROM (SELECT id, title, rank_vector FROM paper_ranks AS r, "  # noqa: S608
    f"to_tsquery({CONFIG}, $1) AS q WHERE rank_vector @@ q "
    f"AND {_RANKS_UNLESS_EXCLUDED} ORDER BY id DESC LIMIT {RANK_WINDOW})"
    f" AS recent, to_tsquery({CONFIG}, $1) AS q "
    "ORDER BY ts_rank_cd(rank_vector, q, 1) DESC, id DESC LIMIT $2"
)
# The fill runs when few titles or keywords match, so the words are rare: `id + 0` keeps the
# planner off a backward walk of the primary key testing every row's TOASTed vector (slow
# for a rare word such as an author's name: docs/benchmarks.md, "PostgreSQL search stages")
# and on the GIN index.
_ANYWHERE = (
    "SELECT id, title FROM papers WHERE "  # noqa: S608
    f"search_vector @@ to_tsquery({CONFIG}, $1) AND {_UNLESS_EXCLUDED} "
    "ORDER BY id + 0 DESC LIMIT $2"
)
# The titles holding the query's words as typed, side by side (phraseto_tsquery takes plain
# text, never syntax), through the title-only `title_vector` and its GIN index: a fragment of
# common words finds its title first. Words as written, small ones too (the `simple`
# configuration, as SQLite's phrase): "to generate them all" is not just "generate". A
# phrase test on search_vector read every candidate's abstract vector; a title's is small.
# The matches are gathered through the GIN index first (MATERIALIZED): left to itself, the
# planner walked the primary key backwards testing each row, as it cannot tell how few
# titles hold a phrase (docs/benchmarks.md, "PostgreSQL search stages").
# $1 and $4 are the two runs of `ParsedQuery.title_runs` (the same run twice if it has one).
_RUN_QUERY = "(phraseto_tsquery('simple', $1) || phraseto_tsquery('simple', $4))"
# Only the ids are gathered: a common run ("large language models") copied each of its many
# titles and vectors into the CTE to keep RUN_WINDOW of them (docs/benchmarks.md,
# "PostgreSQL search stages"); the RUN_WINDOW kept are read again by primary key.
_RUNS = (
    "WITH runs AS MATERIALIZED (SELECT id FROM paper_ranks AS r "  # noqa: S608
    f"WHERE title_vector @@ {_RUN_QUERY} AND {_RANKS_UNLESS_EXCLUDED}) "
    f"SELECT r.id, r.title FROM (SELECT id FROM runs ORDER BY id DESC LIMIT {RUN_WINDOW}) "
    f"AS recent JOIN paper_ranks AS r ON r.id = recent.id, (SELECT {_RUN_QUERY} AS q) AS run_query "
    "ORDER BY ts_rank_cd(r.title_vector, run_query.q, 2) DESC, r.id DESC "
    "LIMIT $2"
)


def tsquery_text(
    plan: ParsedQuery,
    groups: Sequence[Sequence[str]] | None = None,
    *,
    all_but_one: bool = False,
) -> str:
    """A to_tsquery expression for the required words and phrases (all, or all words but one).

    `groups` holds, per required word, the words that may stand for it (the word and its
    corrections: an OR group); None, the words alone. Every word is letters and digits only
    (parse_query's words, and corrections from typo_plan.near), so it is never syntax.
    """
    names = plan.author_runs
    phrases = ["(" + " <-> ".join(_name(phrase, names)) + ")" for phrase in plan.phrases]
    if groups is None:
        groups = [[word] for word in plan.words]
    words = [
        _name((group[0],), names)[0] if len(group) == 1 else "(" + " | ".join(group) + ")"
        for group in groups
    ]
    if not all_but_one or len(words) < 2:
        return " & ".join([*words, *phrases])
    if len(words) == 2:
        options = words
    else:
        options = ["(" + " & ".join(words[:s] + words[s + 1 :]) + ")" for s in range(len(words))]
    return " & ".join(["(" + " | ".join(options) + ")", *phrases])


def _name(run: Sequence[str], names: Sequence[tuple[str, ...]]) -> list[str]:
    """An author's words as prefixes (`jones:*`): authors are indexed as written (the
    `simple` configuration), and the query's `english` stemmer makes "jones" "jone"."""
    return [f"{word}:*" for word in run] if tuple(run) in names else list(run)


def exclusion_text(plan: ParsedQuery) -> str | None:
    """A to_tsquery expression any excluded word or phrase matches, or None (none)."""
    parts = ["(" + " <-> ".join(excluded) + ")" for excluded in plan.excluded]
    return " | ".join(parts) or None


async def ranked_paper_ids(conn: Any, query: str, limit: int) -> RankedIds:
    """Ids of `papers` best first, exact then close, for a user's raw query text.

    `conn` is an asyncpg connection. Never raises on syntax.
    """
    plan = parse_query(query, keep_accents=True)
    found = RankedIds([], [])
    if plan.is_empty or limit <= 0:
        return found
    excluded = exclusion_text(plan)
    groups = [[word] for word in plan.words]
    if await _stage(conn, tsquery_text(plan), excluded, plan, groups, limit, found, close=False):
        return found
    # The relaxed stages' statements find few rows through GIN indexes, and the planner,
    # pricing `@@` on a parameter (or a long OR of ANDs) at a guessed selectivity, chose
    # sequential scans testing every row's vector instead, far slower than the indexes for
    # counting a rare word's papers (postgres_typos) or for all-words-but-one of a long
    # title (docs/benchmarks.md, "PostgreSQL search stages"). They are ruled out for these
    # stages only (stage 4's counts included: they too stop after a few rows of a GIN match).
    async with conn.transaction():
        await conn.execute("SET LOCAL enable_seqscan = off")
        corrections = await with_corrections(conn, groups)
        corrected, asked = corrections.groups, corrections.asked
        if corrected != groups and (asked or plan.phrases):
            text = tsquery_text(plan, asked)
            await _stage(conn, text, excluded, plan, corrected, limit, found, close=True)
        if len(found) < limit and len(asked) > 1:
            relaxed = tsquery_text(plan, asked, all_but_one=True)
            await _stage(conn, relaxed, excluded, plan, corrected, limit, found, close=True)
        if len(found) < limit and len(groups) >= MOST_WORDS_MIN:
            await _most_words(conn, plan, corrected, excluded, limit, found)
    return found


# How many titles and keywords hold each word (a to_tsquery text), up to $2, in one statement.
_COUNTS_IN_TITLES = (
    "SELECT (SELECT count(*) FROM (SELECT 1 FROM paper_ranks "  # noqa: S608
    f"WHERE rank_vector @@ to_tsquery({CONFIG}, word) LIMIT $2) AS held) "
    "FROM unnest($1::text[]) WITH ORDINALITY AS w(word, place) ORDER BY place"
)
_DOCS_COUNTED = 500  # enough to tell a rare word from a common one (as SQLite)


async def _most_words(
    conn: Any,
    plan: ParsedQuery,
    groups: list[list[str]],
    excluded: str | None,
    limit: int,
    found: RankedIds,
) -> None:
    """The last, loosest stage, as on SQLite: titles holding most of the words, looked up by
    the rarest ones (one statement to count, one to rank), as close matches."""
    positions = ["(" + " | ".join(group) + ")" for group in groups]
    counts = [int(row[0]) for row in await conn.fetch(_COUNTS_IN_TITLES, positions, _DOCS_COUNTED)]
    rarest = [positions[i] for i in rarest_positions(counts)]
    if not rarest:
        return
    phrases = ["(" + " <-> ".join(phrase) + ")" for phrase in plan.phrases]
    text = " & ".join(["(" + " | ".join(rarest) + ")", *phrases])
    ranked = await conn.fetch(_RANKED, text, found.wanted(limit), excluded)
    rows = [row for row in ranked if holds_most(str(row[1]), groups)]
    found.add_by_title(plan, rows, groups, limit, close=True)


async def _stage(
    conn: Any,
    tsquery: str,
    excluded: str | None,
    plan: ParsedQuery,
    groups: Sequence[Sequence[str]],
    limit: int,
    found: RankedIds,
    *,
    close: bool,
) -> bool:
    """Run one stage into `found`; whether its answer is decisive (search may stop)."""
    wanted = found.wanted(limit)
    rows = list(await conn.fetch(_RANKED, tsquery, wanted, excluded))
    if len(rows) < wanted and not names_a_title(plan, [str(row[1]) for row in rows]):
        rows += await conn.fetch(_ANYWHERE, tsquery, wanted + len(rows), excluded)
    titles = [str(row[1]) for row in rows]
    # Nothing matched by stem: the words may all be ones the `english` configuration drops
    # ("of"), which SQLite's index holds; titles hold them as written (title_vector).
    if not close and plan.as_typed and (not rows or needs_run_lookup(plan, titles)):
        runs = [" ".join(run) for run in plan.title_runs] or [" ".join(plan.as_typed)]
        found_runs = await conn.fetch(_RUNS, runs[0], wanted, excluded, runs[-1])
        rows = list(found_runs) + rows
        titles = [str(row[1]) for row in rows]
    title_groups = [*groups, *([w] for p in plan.phrases for w in p)]
    found.add_by_title(plan, rows, title_groups, limit, close=close)
    return len(found) >= limit or any(title_holds_all(t, title_groups) for t in titles)
