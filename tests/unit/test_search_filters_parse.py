"""How a search query's author:, org: and kw: filters are read (parse_query), and what each
store is asked for them."""

from __future__ import annotations

import pytest

from bot.storage.postgres.search import tsquery_text
from bot.storage.search.search_plan import parse_query


@pytest.mark.parametrize(
    ("query", "filters", "words", "phrases"),
    [
        (
            'author:"Chengsong Huang"',
            [("author", "Chengsong Huang")],
            (),
            (("chengsong", "huang"),),
        ),
        ("AUTHOR:LeCun agents", [("author", "LeCun")], ("agents", "lecun"), ()),
        ('kw:"world model"', [("kw", "world model")], (), (("world", "model"),)),
        ("org:google agents", [("org", "google")], ("agents",), ()),  # org is not indexed
        ("xauthor:y", [], ("xauthor", "y"), ()),  # a prefix only at a word's start
        ("author: agents", [], ("author", "agents"), ()),  # nothing after the colon
    ],
)
def test_filters_are_read_and_their_words_required(
    query: str, filters: list[tuple[str, str]], words: tuple[str, ...], phrases: tuple[()]
) -> None:
    plan = parse_query(query)
    assert list(plan.filters) == filters
    assert plan.words == words
    assert plan.phrases == phrases


def test_an_excluded_author_is_excluded_text_not_a_filter() -> None:
    plan = parse_query("agents -author:x")
    assert plan.filters == ()
    assert plan.excluded == (("author", "x"),)


@pytest.mark.parametrize(
    ("query", "empty", "only_excludes"),
    [("-agents", True, True), ('-"a b" -c', True, True), ("org:google", True, False)],
)
def test_what_leaves_nothing_to_look_for(query: str, empty: bool, only_excludes: bool) -> None:
    plan = parse_query(query)
    assert (plan.is_empty, plan.only_excludes) == (empty, only_excludes)


def test_postgres_asks_for_authors_as_written_not_stemmed() -> None:
    # The English stemmer reads "jones" as "jone"; the index holds "jones" (simple).
    plan = parse_query('planning author:jones author:"Charles Jones"', keep_accents=True)
    assert tsquery_text(plan) == "planning & jones:* & (charles:* <-> jones:*)"
