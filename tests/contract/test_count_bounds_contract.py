"""The stores' own guard on counts, and the unreadable items a fetch records.

A count past what the columns hold (PostgreSQL's INTEGER; SQLite's 64-bit) once failed the
whole write of a day with OverflowError. The sources skip such items (tests/unit/
test_source_bounds.py); whatever another caller hands the store is clamped to `MAX_COUNT`, so
no count can fail a write. Runs over every backend (tests/contract/conftest.py).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.ports import Store
from bot.records.models import MAX_COUNT, FetchRecord, Paper
from bot.sources import bounds

NOW = datetime(2024, 5, 10, 7, 0, tzinfo=UTC)
DAY = date(2024, 5, 9)


def paper(arxiv_id: str, **counts: int | None) -> Paper:
    return Paper(
        arxiv_id,
        "A title",
        "An abstract.",
        ("Ada Lovelace",),
        NOW - timedelta(days=1),
        listed_on=DAY,
        **counts,  # type: ignore[arg-type]
    )


@pytest.mark.parametrize("huge", [MAX_COUNT + 1, 2**63, 10**30])
async def test_a_count_past_the_columns_is_stored_as_the_largest_they_hold(
    store: Store, huge: int
) -> None:
    hostile = paper("2405.00001", upvotes=huge, comments=huge, github_stars=huge)
    honest = paper("2405.00002", upvotes=12, comments=3, github_stars=None)
    assert await store.upsert_papers([hostile, honest]) == 2
    stored = await store.get_paper(hostile.arxiv_id)
    assert stored is not None
    assert (stored.upvotes, stored.comments, stored.github_stars) == (MAX_COUNT,) * 3
    assert await store.get_paper(honest.arxiv_id) == honest
    assert [p.arxiv_id for p in await store.papers_listed_on(DAY)] == [
        "2405.00001",
        "2405.00002",
    ]


async def test_a_negative_count_is_stored_as_zero(store: Store) -> None:
    await store.upsert_papers([paper("2405.00003", upvotes=-5, github_stars=-1)])
    stored = await store.get_paper("2405.00003")
    assert stored is not None
    assert (stored.upvotes, stored.github_stars) == (0, 0)


async def test_a_fetch_keeps_how_many_items_were_left_out(store: Store) -> None:
    await store.record_fetch(DAY, 17, NOW, skipped=2)
    assert await store.last_fetch() == FetchRecord(DAY, 17, NOW, skipped=2)
    await store.record_fetch(DAY, 18, NOW + timedelta(hours=1))
    assert await store.last_fetch() == FetchRecord(DAY, 18, NOW + timedelta(hours=1), 0)


def distinct_words(count: int, start: int = 0) -> list[str]:
    """`count` different five-letter words: the text that makes the largest search vector
    (every word a lexeme of its own)."""
    letters = "abcdefghijklmnopqrstuvwxyz"
    words = []
    for n in range(start, start + count):
        word = ""
        for _ in range(5):
            n, digit = divmod(n, 26)
            word += letters[digit]
        words.append(word)
    return words


def text_of(limit: int, start: int) -> str:
    return " ".join(distinct_words(limit // 6, start))[:limit]


async def test_the_largest_paper_the_sources_let_through_is_stored(store: Store) -> None:
    """Every text field at its bound (bot/sources/bounds.py), of distinct words: PostgreSQL
    builds search vectors of title, keywords, abstract and authors, and refuses one past
    1 MB; the bounds keep the largest well within it."""
    names = [text_of(bounds.MAX_NAME, 100_000 + i * 20) for i in range(bounds.MAX_AUTHORS)]
    largest = replace(
        paper("2405.00009", upvotes=MAX_COUNT, comments=MAX_COUNT, github_stars=MAX_COUNT),
        title=text_of(bounds.MAX_TITLE, 0),
        abstract=text_of(bounds.MAX_ABSTRACT, 2_000),
        authors=tuple(names),
        ai_summary=text_of(bounds.MAX_SUMMARY, 4_000),
        ai_keywords=tuple(text_of(bounds.MAX_KEYWORD, 5_000 + i * 20) for i in range(100)),
        organization=text_of(bounds.MAX_NAME, 9_000),
    )
    assert await store.upsert_papers([largest]) == 1
    assert await store.get_paper(largest.arxiv_id) == largest
    found = await store.search(largest.authors[-1].split()[0], 5)
    assert [p.arxiv_id for p in found.exact] == [largest.arxiv_id]
