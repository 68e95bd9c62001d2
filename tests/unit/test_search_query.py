"""The pure search-query helpers: user text becomes quoted words, never FTS5 syntax."""

from __future__ import annotations

import sqlite3

import pytest

from bot.storage.query import (
    MAX_TOKENS,
    all_but_one,
    all_of,
    any_of,
    best_corrections,
    edit_distance,
    fold,
    index_terms,
    prefix_range,
    query_tokens,
    quote,
)


@pytest.mark.parametrize(
    ("text", "tokens"),
    [
        ("", []),
        ("   ", []),
        ("Attention Is All You Need", ["attention", "is", "all", "you", "need"]),
        ('"quoted" AND -minus * star', ["quoted", "and", "minus", "star"]),
        ("NEAR(a b, 3)", ["near", "a", "b", "3"]),
        ("title:gpt-4o", ["title", "gpt", "4o"]),
        ("snake_case", ["snake", "case"]),
        ("Zürich Ångström naïve", ["zurich", "angstrom", "naive"]),
        ("日本語 论文", ["日本語", "论文"]),
        ("😀🚀", []),
        ("dup dup Dup", ["dup"]),
    ],
)
def test_query_tokens(text: str, tokens: list[str]) -> None:
    assert query_tokens(text) == tokens


def test_query_tokens_are_capped() -> None:
    assert len(query_tokens(" ".join(f"w{i}" for i in range(100)))) == MAX_TOKENS
    assert query_tokens("a" * 10_000) == ["a" * 500]


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
    assert all_of([["a"], ["b", "c"]]) == '"a" AND ("b" OR "c")'


def test_all_but_one_leaves_each_content_word_out_once() -> None:
    expression = all_but_one([["mixture"], ["of"], ["sparse"], ["experts"]])
    assert expression == (
        '("sparse" AND "experts") OR ("mixture" AND "experts") OR ("mixture" AND "sparse")'
    )
    assert all_but_one([["of"], ["experts"]]) == '"experts"'
    assert all_but_one([["the"], ["of"]]) == '"the" OR "of"'


@pytest.fixture
def fts() -> sqlite3.Connection:
    conn = sqlite3.connect(":memory:")  # a parser check only; the store tests use files
    conn.execute("CREATE VIRTUAL TABLE t USING fts5 (body)")
    conn.execute("INSERT INTO t VALUES ('mixture of sparse experts and more')")
    return conn


@pytest.mark.parametrize(
    "text",
    ['" AND OR NOT', "NEAR(x y) * - ^ : ( )", "title:x", "a" * 600, "mixture sparse experts"],
)
def test_built_expressions_always_parse(fts: sqlite3.Connection, text: str) -> None:
    groups = [[t] for t in query_tokens(text)]
    for expression in (all_of(groups), all_but_one(groups)):
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


def test_best_corrections_are_nearest_first_and_skip_far_words() -> None:
    candidates = ["diffusion", "diffusions", "division", "difficult", "dif"]
    assert best_corrections("difusion", candidates) == ["diffusion", "diffusions", "division"]
    assert best_corrections("difusion", candidates, keep=1) == ["diffusion"]
    assert best_corrections("model", ["model"]) == []  # the word itself is no correction
    assert best_corrections("abcd", ["wxyz"]) == []
