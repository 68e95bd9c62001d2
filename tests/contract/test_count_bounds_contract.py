"""The stores' own guard on counts.

A count past what the columns hold (PostgreSQL's INTEGER; SQLite's 64-bit) once failed the
whole write of a day with OverflowError. Whatever a caller hands the store is clamped to
`MAX_COUNT`, so no count can fail a write. Runs over every backend (tests/contract/conftest.py).
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

import pytest

from bot.ports import Store
from bot.records.models import MAX_COUNT, Paper

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
