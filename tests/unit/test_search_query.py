"""The pure search-query helpers: user text becomes quoted words, never FTS5 syntax."""

from __future__ import annotations

import sqlite3

import pytest

from bot.storage.search.query import (
    any_of,
    edit_distance,
    exclusion_expression,
    fold,
    head_edits,
    index_terms,
    match_expression,
    prefix_range,
    quote,
)
from bot.storage.search.search_plan import parse_query


def test_fold_matches_what_fts5_unicode61_indexes() -> None:
    assert fold("Ünïcödé ÉCOLE") == "unicode ecole"


def test_index_terms_are_the_distinct_folded_words() -> None:
    assert index_terms(["Mixture of Experts", "experts, MIXTURE; Zürich"]) == {
        "mixture",
        "of",
        "experts",
        "zurich",
    }


def test_quote_doubles_inner_quotes() -> None:
    assert quote("plain") == '"plain"'
    assert quote('a"b') == '"a""b"'


def test_expressions() -> None:
    assert any_of(["a"]) == '"a"'
    assert any_of(["speculatve", "speculative"]) == '("speculatve" OR "speculative")'
    assert match_expression([["a"], ["b", "c"]], [["x", "y"]]) == '"a" AND ("b" OR "c") AND "x y"'


def test_all_but_one_leaves_each_word_out_once_and_keeps_the_phrases() -> None:
    expression = match_expression(
        [["mixture"], ["sparse"], ["experts"]], [["a", "b"]], all_but_one=True
    )
    assert expression == (
        '(("sparse" AND "experts") OR ("mixture" AND "experts") OR ("mixture" AND "sparse"))'
        ' AND "a b"'
    )
    assert match_expression([["of"], ["experts"]], [], all_but_one=True) == '("of" OR "experts")'


def test_an_exclusion_covers_every_form_of_a_word_and_whole_phrases() -> None:
    forms = {"video": ["video", "videos"]}
    expression = exclusion_expression([["video"], ["world", "model"]], forms)
    assert expression == ' NOT (("video" OR "videos") OR "world model")'
    assert exclusion_expression([], forms) == ""


@pytest.fixture
def fts() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")  # a parser check only; the store tests use files
    conn.execute("CREATE VIRTUAL TABLE t USING fts5 (body)")
    conn.execute("INSERT INTO t VALUES ('mixture of sparse experts and more')")
    return conn


@pytest.mark.parametrize(
    "text",
    [
        '" AND OR NOT',
        "NEAR(x y) * - ^ : ( )",
        "title:x",
        "a" * 600,
        "mixture sparse experts",
        '"sparse experts" -"dense model" -NOT mixture',
        '-"unclosed phrase AND x',
    ],
)
def test_built_expressions_always_parse(fts: sqlite3.Connection, text: str) -> None:
    plan = parse_query(text)
    groups = [[word] for word in plan.words]
    excluded = exclusion_expression(plan.excluded, {w: [w] for (w, *_) in plan.excluded})
    for relaxed in (False, True):
        expression = match_expression(groups, plan.phrases, all_but_one=relaxed) + excluded
        if expression.startswith(" NOT") or not expression:
            continue  # nothing required: the store does not search at all
        fts.execute("SELECT count(*) FROM t WHERE t MATCH ?", (expression,)).fetchone()


@pytest.mark.parametrize(
    ("a", "b", "distance"),
    [
        ("model", "model", 0),
        ("model", "modle", 1),  # neighbours swapped
        ("model", "mode", 1),
        ("model", "models", 1),
        ("model", "morel", 1),
        ("speculative", "speculatve", 1),
        ("transformer", "transfromr", 2),
        ("abc", "xyz", 3),
        ("", "ab", 2),
    ],
)
def test_edit_distance(a: str, b: str, distance: int) -> None:
    assert edit_distance(a, b, limit=5) == distance
    assert edit_distance(b, a, limit=5) == distance


def test_edit_distance_stops_past_the_limit() -> None:
    assert edit_distance("diffusion", "transformer", limit=2) == 3
    assert edit_distance("a", "abcdef", limit=2) == 3


def test_prefix_range_bounds_the_words_that_start_alike() -> None:
    low, high = prefix_range("difusion")
    assert (low, high) == ("di", "dj")
    assert low <= "diffusion" < high
    assert not low <= "dz" < high


def test_head_edits_hold_the_corrections_of_a_typo_in_the_first_letters() -> None:
    edits = head_edits("wrold")
    assert {"world", "wxold", "rold", "worold"} <= edits  # swap, replace, drop, insert
    assert "wrold" not in edits
    assert "wrolt" not in edits  # past the first letters: the prefix look-up's job
    assert head_edits("atil") >= {"tail", "til"}
