"""The Store contract for papers listed on several days (Hugging Face lists some twice).

Each listing is kept: the paper is in every day's list, shown as listed on that day, with
its newest counts. Runs over every backend of the `store` fixture (tests/contract/conftest.py);
OLD_WRITES is the data the backends' migration-4 tests write as a pre-migration paperbot did.
"""

from __future__ import annotations

from datetime import date, timedelta

from bot.ports import Store
from tests.contract.test_store_contract import DAY, NOW, paper

LATER_DAY = DAY + timedelta(days=6)  # as 2604.07429 was listed on 2026-04-10 and -16


async def test_a_paper_listed_on_two_days_is_in_both_lists(store: Store) -> None:
    await store.upsert_papers([paper("2405.00003", listed_on=DAY, upvotes=5)])
    await store.upsert_papers([paper("2405.00003", listed_on=LATER_DAY, upvotes=9)])
    [on_first] = await store.papers_listed_on(DAY)
    [on_later] = await store.papers_listed_on(LATER_DAY)
    assert on_first == paper("2405.00003", listed_on=DAY, upvotes=9)  # that day's, newest counts
    assert on_later == paper("2405.00003", listed_on=LATER_DAY, upvotes=9)
    stored = await store.get_paper("2405.00003")
    assert stored is not None
    assert stored.listed_on == LATER_DAY  # the paper itself: the day it was last listed


async def test_the_newest_counts_show_in_every_list_of_the_paper(store: Store) -> None:
    await store.upsert_papers([paper("2405.00004", listed_on=DAY, upvotes=5)])
    await store.upsert_papers([paper("2405.00004", listed_on=LATER_DAY, upvotes=9)])
    await store.upsert_papers([paper("2405.00004", listed_on=DAY, upvotes=12, comments=3)])
    for day in (DAY, LATER_DAY):
        [listed] = await store.papers_listed_on(day)
        assert (listed.listed_on, listed.upvotes, listed.comments) == (day, 12, 3)
    stored = await store.get_paper("2405.00004")
    assert stored is not None
    assert stored.listed_on == LATER_DAY  # a re-fetch of the older day does not move it back


async def test_a_lookup_outside_the_daily_list_adds_no_listing(store: Store) -> None:
    await store.upsert_papers([paper("2405.00005", listed_on=None, source="arxiv")])
    await store.upsert_papers([paper("2405.00006", listed_on=DAY)])
    await store.upsert_papers([paper("2405.00006", listed_on=None, source="arxiv")])
    assert [p.arxiv_id for p in await store.papers_listed_on(DAY)] == ["2405.00006"]
    assert await store.papers_listed_on(NOW.date()) == []


async def test_fetching_a_day_again_lists_each_paper_once(store: Store) -> None:
    day_list = [paper("2405.00007"), paper("2405.00008"), paper("2405.00008")]
    for _ in range(3):
        await store.upsert_papers(day_list)
    listed = await store.papers_listed_on(DAY)
    assert sorted(p.arxiv_id for p in listed) == ["2405.00007", "2405.00008"]


# What a paperbot before migration 4 (one listed_on per paper) wrote, one upsert per item,
# and the lists migration 4 must make of it: the day each paper was last listed on (the
# earlier listing of 2405.00031 was already lost), no list for the arXiv look-up.
OLD_WRITES = [
    [paper("2405.00030"), paper("2405.00031")],
    [paper("2405.00031", listed_on=LATER_DAY), paper("2405.00032", listed_on=LATER_DAY)],
    [paper("2405.00033", listed_on=None, source="arxiv")],
]
OLD_LISTS_AFTER_MIGRATION = {DAY: ["2405.00030"], LATER_DAY: ["2405.00031", "2405.00032"]}


async def listed_ids(store: Store) -> dict[date, list[str]]:
    """The sorted ids listed on DAY and LATER_DAY (the days OLD_WRITES use)."""
    return {
        day: sorted(p.arxiv_id for p in await store.papers_listed_on(day))
        for day in (DAY, LATER_DAY)
    }
