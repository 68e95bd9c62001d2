"""The TasteStore half of every Store: a person's votes across channels and their "Not
for me" marks, on SQLite and PostgreSQL (the `store` fixture of the contract suite)."""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from bot.ports import Store
from bot.records.models import Paper
from tests.contract.conftest import StoreFactory

NOW = datetime(2026, 8, 22, 9, 0, tzinfo=UTC)
ALICE = "slack:T1:U1"
BOB = "slack:T1:U2"
A, B, C = "2608.00001", "2608.00002", "2608.00003"


def paper(arxiv_id: str) -> Paper:
    return Paper(
        arxiv_id,
        f"Paper {arxiv_id}",
        "An abstract.",
        ("Ada Lovelace",),
        NOW - timedelta(days=2),
        listed_on=date(2026, 8, 21),
    )


async def with_papers(store: Store) -> None:
    await store.upsert_papers([paper(i) for i in (A, B, C)])


async def test_not_for_me_toggles_per_person(store: Store) -> None:
    await with_papers(store)
    assert await store.toggle_not_for_me(ALICE, A, NOW) is True
    assert await store.toggle_not_for_me(ALICE, B, NOW + timedelta(minutes=1)) is True
    assert await store.toggle_not_for_me(BOB, A, NOW) is True
    assert [p.arxiv_id for p in await store.not_for_me_papers(ALICE, 10)] == [B, A]
    assert await store.toggle_not_for_me(ALICE, B, NOW) is False  # taken back
    assert [p.arxiv_id for p in await store.not_for_me_papers(ALICE, 10)] == [A]
    assert [p.arxiv_id for p in await store.not_for_me_papers(BOB, 10)] == [A]


async def test_not_for_me_papers_respects_the_limit(store: Store) -> None:
    await with_papers(store)
    for minute, arxiv_id in enumerate((A, B, C)):
        await store.toggle_not_for_me(ALICE, arxiv_id, NOW + timedelta(minutes=minute))
    assert [p.arxiv_id for p in await store.not_for_me_papers(ALICE, 2)] == [C, B]


async def test_forget_deletes_only_that_persons_marks(store: Store) -> None:
    await with_papers(store)
    await store.toggle_not_for_me(ALICE, A, NOW)
    await store.toggle_not_for_me(ALICE, B, NOW)
    await store.toggle_not_for_me(BOB, C, NOW)
    assert await store.forget_not_for_me(ALICE) == 2
    assert await store.not_for_me_papers(ALICE, 10) == []
    assert [p.arxiv_id for p in await store.not_for_me_papers(BOB, 10)] == [C]
    assert await store.forget_not_for_me(ALICE) == 0


async def test_voted_papers_are_the_persons_across_channels_latest_first(store: Store) -> None:
    await with_papers(store)
    await store.toggle_vote("slack:T1:C1", A, ALICE, NOW)
    await store.toggle_vote("discord:G1:C2", A, ALICE, NOW + timedelta(minutes=5))
    await store.toggle_vote("slack:T1:C1", B, ALICE, NOW + timedelta(minutes=1))
    await store.toggle_vote("slack:T1:C1", C, BOB, NOW)
    assert [p.arxiv_id for p in await store.voted_papers(ALICE, 10)] == [A, B]
    assert [p.arxiv_id for p in await store.voted_papers(ALICE, 1)] == [A]
    await store.toggle_vote("slack:T1:C1", B, ALICE, NOW)  # taken back
    assert [p.arxiv_id for p in await store.voted_papers(ALICE, 10)] == [A]


async def test_concurrent_toggles_leave_one_mark_or_none(store_factory: StoreFactory) -> None:
    first, second = await store_factory(), await store_factory()
    await with_papers(first)
    await asyncio.gather(
        *(store.toggle_not_for_me(ALICE, A, NOW) for store in (first, second, first, second))
    )
    marked = len(await first.not_for_me_papers(ALICE, 10))
    assert marked in (0, 1)  # one row per person and paper, whatever the interleaving
    # the state is whatever the store holds: one more toggle flips it
    assert await second.toggle_not_for_me(ALICE, A, NOW) is (marked == 0)
    assert len(await first.not_for_me_papers(ALICE, 10)) == 1 - marked
