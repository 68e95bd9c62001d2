"""The VoteStore half of every Store: toggles, counts, top and saves, on SQLite and
PostgreSQL (the same `store_factory` fixture as the rest of the contract suite).

The concurrency cases run toggles at once through two stores (two workers, each with its
own connections) on one database: whatever interleaving happens, one row per (subscription,
paper, user) stands and the count says how many rows there are.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta

from bot.ports import Store
from bot.records.models import Paper
from tests.contract.conftest import StoreFactory

NOW = datetime(2026, 8, 22, 9, 0, tzinfo=UTC)
SUB = "slack:T1:C1"
OTHER_SUB = "discord:G1:C2"


def paper(arxiv_id: str, upvotes: int = 0) -> Paper:
    return Paper(
        arxiv_id,
        f"Paper {arxiv_id}",
        "An abstract.",
        ("Ada Lovelace",),
        NOW - timedelta(days=2),
        listed_on=date(2026, 8, 21),
        upvotes=upvotes,
    )


async def with_papers(store: Store, *ids: str) -> None:
    await store.upsert_papers([paper(i, upvotes=n) for n, i in enumerate(ids)])


async def test_a_vote_toggles_and_counts(store: Store) -> None:
    await with_papers(store, "2608.00001")
    assert await store.toggle_vote(SUB, "2608.00001", "slack:T1:U1", NOW) == (True, 1)
    assert await store.toggle_vote(SUB, "2608.00001", "slack:T1:U2", NOW) == (True, 2)
    assert await store.toggle_vote(SUB, "2608.00001", "slack:T1:U1", NOW) == (False, 1)
    assert await store.vote_counts(SUB, ["2608.00001", "2608.00002"]) == {"2608.00001": 1}
    assert await store.vote_counts(OTHER_SUB, ["2608.00001"]) == {}
    assert await store.vote_counts(SUB, []) == {}


async def test_votes_belong_to_their_subscription(store: Store) -> None:
    await with_papers(store, "2608.00001")
    await store.toggle_vote(SUB, "2608.00001", "u", NOW)
    assert await store.toggle_vote(OTHER_SUB, "2608.00001", "u", NOW) == (True, 1)
    assert await store.vote_counts(SUB, ["2608.00001"]) == {"2608.00001": 1}


async def test_top_counts_votes_in_the_window_and_breaks_ties_by_upvotes(store: Store) -> None:
    # upvotes: a=0, b=1, c=2 (with_papers numbers them)
    a, b, c = "2608.00001", "2608.00002", "2608.00003"
    await with_papers(store, a, b, c)
    old = NOW - timedelta(days=10)
    for user in ("u1", "u2"):
        await store.toggle_vote(SUB, a, user, old)  # two votes, but ten days ago
    await store.toggle_vote(SUB, b, "u1", NOW)
    await store.toggle_vote(SUB, c, "u1", NOW)
    await store.toggle_vote(OTHER_SUB, b, "u9", NOW)  # another channel's: not counted
    week = await store.top_voted(SUB, NOW - timedelta(days=7), 10)
    assert [(p.arxiv_id, n) for p, n in week] == [(c, 1), (b, 1)]  # tie: c has more upvotes
    ever = await store.top_voted(SUB, None, 10)
    assert [(p.arxiv_id, n) for p, n in ever] == [(a, 2), (c, 1), (b, 1)]
    assert len(await store.top_voted(SUB, None, 1)) == 1
    # a window that ends: `until` is exclusive, so the votes cast at NOW are left out
    before = await store.top_voted(SUB, NOW - timedelta(days=30), 10, until=NOW)
    assert [(p.arxiv_id, n) for p, n in before] == [(a, 2)]
    assert await store.top_voted("slack:T1:CNONE", None, 10) == []


async def test_saves_toggle_list_newest_first_and_remove(store: Store) -> None:
    await with_papers(store, "2608.00001", "2608.00002")
    assert await store.toggle_save("u1", "2608.00001", NOW) is True
    assert await store.toggle_save("u1", "2608.00002", NOW + timedelta(minutes=1)) is True
    assert await store.toggle_save("u2", "2608.00002", NOW) is True
    saved = await store.saved_papers("u1", 10)
    assert [p.arxiv_id for p in saved] == ["2608.00002", "2608.00001"]
    assert saved[0] == paper("2608.00002", upvotes=1)
    assert await store.toggle_save("u1", "2608.00002", NOW) is False  # clicked again
    assert await store.remove_save("u1", "2608.00001") is True
    assert await store.remove_save("u1", "2608.00001") is False
    assert await store.saved_papers("u1", 10) == []
    assert [p.arxiv_id for p in await store.saved_papers("u2", 10)] == ["2608.00002"]


async def test_saved_papers_dated_say_when_each_was_saved_in_utc(store: Store) -> None:
    """The export's "date saved": the instant each paper was saved, latest first."""
    await with_papers(store, "2608.00001", "2608.00002")
    later = NOW + timedelta(hours=30)
    await store.toggle_save("u1", "2608.00001", NOW)
    await store.toggle_save("u1", "2608.00002", later)
    await store.toggle_save("u2", "2608.00001", later)
    dated = await store.saved_papers_dated("u1", 10)
    assert [(p.arxiv_id, at) for p, at in dated] == [("2608.00002", later), ("2608.00001", NOW)]
    assert all(at.utcoffset() == timedelta(0) for _, at in dated)
    assert dated[0][0] == paper("2608.00002", upvotes=1)
    assert [p.arxiv_id for p, _ in await store.saved_papers_dated("u1", 1)] == ["2608.00002"]
    assert await store.saved_papers_dated("nobody", 10) == []


async def test_concurrent_toggles_from_two_workers_keep_one_row_per_user(
    store_factory: StoreFactory,
) -> None:
    first, second = await store_factory(), await store_factory()
    await with_papers(first, "2608.00001")
    users = [f"u{n}" for n in range(8)]
    # every user clicks twice at once, once through each worker
    results = await asyncio.gather(
        *(s.toggle_vote(SUB, "2608.00001", u, NOW) for u in users for s in (first, second))
    )
    (count,) = (await first.vote_counts(SUB, ["2608.00001"])).values() or (0,)
    assert 0 <= count <= len(users)
    assert all(0 <= n <= len(users) for _, n in results)
    # each user's state is whatever their last toggle said; one more toggle flips it
    rows_before = count
    voted, after = await second.toggle_vote(SUB, "2608.00001", "u0", NOW)
    assert after == rows_before + (1 if voted else -1)


async def test_a_double_click_in_sequence_takes_the_vote_back(store_factory: StoreFactory) -> None:
    first, second = await store_factory(), await store_factory()
    await with_papers(first, "2608.00001")
    assert await first.toggle_vote(SUB, "2608.00001", "u", NOW) == (True, 1)
    assert await second.toggle_vote(SUB, "2608.00001", "u", NOW) == (False, 0)
    # many clicks at once by many users, through both workers, each an odd number of times
    users = [f"v{n}" for n in range(6)]
    clicks = [s.toggle_vote(SUB, "2608.00001", u, NOW) for u in users for s in (first, second)]
    clicks += [first.toggle_vote(SUB, "2608.00001", u, NOW) for u in users]
    await asyncio.gather(*clicks)
    (count,) = (await first.vote_counts(SUB, ["2608.00001"])).values() or (0,)
    assert 0 <= count <= len(users)
    # one row per user at most: taking every vote back leaves nothing
    for user in users:
        voted, _ = await first.toggle_vote(SUB, "2608.00001", user, NOW)
        if voted:
            await first.toggle_vote(SUB, "2608.00001", user, NOW)
    assert await first.vote_counts(SUB, ["2608.00001"]) == {}
