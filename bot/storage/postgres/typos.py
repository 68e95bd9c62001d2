"""Search stage 2 on PostgreSQL: the likeliest corrections of a query's rare words.

The same word-list correction as SQLite's (bot/storage/search/typo_plan.py decides what to look up
and what to keep); here are its three statements, each for every word at once: how many
papers hold each fuzzable word, the indexed words near each rare one (`search_terms`,
migration 18), and how many papers hold each of those. Papers are counted through the GIN
index on `search_vector`, each word read by `to_tsquery('english', word)`: a word is
letters and digits only (parse_query's words, and `typo_plan.near` keeps only such terms),
so it is never tsquery syntax.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from bot.storage.search import typo_plan
from bot.storage.search.typo_plan import Groups

# How many papers hold each word ($1), counted up to $2, through the GIN index on
# search_vector. A GIN scan cannot stop early: it reads a word's whole posting list, long
# for a word most papers hold. So a word whose lexeme ANALYZE found in at least twice $2
# papers (the most common elements of search_vector, in pg_stats) is taken as held by $2;
# the others, whose lists are short, are counted (docs/benchmarks.md, "PostgreSQL typo
# corrections"). Without statistics (a new or small table) every word is counted.
# Beside the count: whether the `english` configuration drops the word (a stopword: "your",
# "when"), its lexemes, and the indexed words in the range [$3, $4) (typo_plan.forms_range:
# those that may share its stem, as SQLite's word forms), at most $5.
_DOC_COUNTS = (
    "WITH stats AS MATERIALIZED (SELECT s.most_common_elems::text::text[] AS lexemes, "
    "s.most_common_elem_freqs AS freqs, c.reltuples FROM pg_class AS c "
    "JOIN pg_namespace AS n ON n.oid = c.relnamespace JOIN pg_stats AS s "
    "ON s.schemaname = n.nspname AND s.tablename = c.relname AND s.attname = 'search_vector' "
    "WHERE c.oid = 'papers'::regclass) "
    "SELECT CASE WHEN numnode(q) = 0 THEN 0::bigint "
    "WHEN (SELECT st.freqs[array_position(st.lexemes, l.lexemes[1])] * st.reltuples "
    "FROM stats AS st WHERE cardinality(l.lexemes) = 1) >= 2 * $2 THEN $2::bigint "
    "ELSE (SELECT count(*) FROM (SELECT 1 FROM papers AS p WHERE p.search_vector @@ q "
    "LIMIT $2) AS m) END, numnode(q) = 0, l.lexemes, "
    'ARRAY(SELECT term FROM search_terms WHERE term >= w.low COLLATE "C" '
    'AND term < w.high COLLATE "C" ORDER BY term LIMIT $5) '
    "FROM unnest($1::text[], $3::text[], $4::text[]) WITH ORDINALITY AS w(word, low, high, n), "
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


@dataclass(frozen=True, slots=True)
class Counted:
    """What `_doc_counts` tells of a word."""

    count: int  # papers holding its English stem, up to the cap
    dropped: bool  # a stopword of the `english` configuration: it matches nothing
    lexemes: tuple[str, ...]  # what to_tsquery makes of it
    forms: tuple[str, ...]  # the indexed words that may share its stem


@dataclass(frozen=True, slots=True)
class Corrections:
    """The query's groups with their corrections (for the order of titles), and the groups
    the tsquery asks for: the same matches in fewer items (ts_rank_cd's time grows with
    them: docs/benchmarks.md, "PostgreSQL typo corrections")."""

    groups: Groups
    asked: Groups


async def with_corrections(conn: Any, groups: Groups) -> Corrections:
    """Each rare word of fuzzable length gets its likeliest corrections as alternatives.

    `conn` is an asyncpg connection, in a transaction with sequential scans ruled out
    (postgres_search.ranked_paper_ids): the planner, pricing `@@` on a parameter at a
    default selectivity, would read rows of `papers` in order to find three holders of a
    word, testing every row's TOASTed vector when the word is rare, far slower than the GIN
    index (docs/benchmarks.md, "PostgreSQL typo corrections"). Each group is one word, as
    typed.
    """
    fuzzable = typo_plan.fuzzable(groups)
    words = [groups[i][0] for i in fuzzable]
    typed = dict(zip(words, await _doc_counts(conn, words, typo_plan.RARE_DOCS), strict=True))
    # A stopword asks nothing of a paper here: never corrected, as a common word. A word
    # that no indexed word shares the stem of is held by no paper, whatever papers its
    # `english` stem finds ("residals" is "resid", as "resides").
    counts = [
        typo_plan.RARE_DOCS
        if typed[w].dropped
        else typed[w].count
        if typo_plan.indexed(w, typed[w].forms)
        else 0
        for w in words
    ]
    rare = typo_plan.rare(fuzzable, counts)
    if not rare:
        return Corrections(groups, groups)
    found = await _candidates(conn, [groups[i][0] for i in rare])
    pool = typo_plan.pool(found)
    counted = dict(zip(pool, await _doc_counts(conn, pool, typo_plan.DOCS_COUNTED), strict=True))
    # A stopword candidate ("your" for "yyour") is as common as words come, as SQLite counts
    # it; chosen, its group is left out of the tsquery, as the stopword itself would be.
    docs = {t: typo_plan.DOCS_COUNTED if c.dropped else c.count for t, c in counted.items()}
    corrected = typo_plan.corrected(groups, rare, found, docs)
    return Corrections(corrected, _asked(corrected, typed, counted))


def _asked(corrected: Groups, typed: dict[str, Counted], counted: dict[str, Counted]) -> Groups:
    """The groups for the tsquery: a group corrected to a stopword left out; in the others,
    the word as typed left out when no paper holds it (it matches nothing) and alternatives
    with the lexemes of an earlier one ("transform", "transforms") left out (they match
    the same papers)."""
    asked: Groups = []
    for group in corrected:
        if len(group) == 1:
            asked.append(group)
            continue
        if any(counted[term].dropped for term in group[1:]):
            continue
        word, kept, seen = group[0], [], set()
        alternatives = [] if typed[word].count == 0 else [(word, typed[word].lexemes)]
        alternatives += [(term, counted[term].lexemes) for term in group[1:]]
        for term, lexemes in alternatives:
            if lexemes not in seen:
                seen.add(lexemes)
                kept.append(term)
        asked.append(kept)
    return asked


async def _doc_counts(conn: Any, words: list[str], cap: int) -> list[Counted]:
    """How many papers hold each word (up to `cap`), and what else is known of it (see
    `Counted`); in one statement."""
    if not words:
        return []
    ranges = [typo_plan.forms_range(word) for word in words]
    rows = await conn.fetch(
        _DOC_COUNTS,
        words,
        cap,
        [low for low, _ in ranges],
        [high for _, high in ranges],
        typo_plan.FORMS_PER_WORD,
    )
    return [Counted(int(c), bool(d), tuple(lex), tuple(forms)) for c, d, lex, forms in rows]


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
