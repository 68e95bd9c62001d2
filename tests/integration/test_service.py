"""PaperService with the real HF and arXiv sources against the loopback fake, on real SQLite."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.config.load import ArxivConfig, HuggingFaceConfig
from bot.digest.service import PaperService, unclosed_day
from bot.records.clock import FixedClock
from bot.records.errors import SourceUnavailable
from bot.records.models import (
    ChannelRef,
    ChannelSettings,
    PostReceipt,
    Subscription,
    Topic,
    TopicKind,
)
from bot.sources import ArxivSource, HuggingFaceSource
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.feed_server import FakeFeed

DAY = date(2026, 8, 21)
CHANNEL = ChannelRef("slack", "C1", "T1")


async def _no_sleep(_: float) -> None:
    return None


@pytest.fixture
async def feed() -> AsyncIterator[FakeFeed]:
    async with FakeFeed() as running:
        yield running


@pytest.fixture
async def service(feed: FakeFeed, tmp_path: Path) -> AsyncIterator[PaperService]:
    store = await SqliteStore.open(tmp_path / "service.db")
    hf = HuggingFaceSource(HuggingFaceConfig(base_url=feed.url, retries=1), "t", sleep=_no_sleep)
    arxiv = ArxivSource(
        ArxivConfig(base_url=feed.arxiv_url, min_interval_s=0, retries=0), "t", sleep=_no_sleep
    )
    clock = FixedClock(datetime(2026, 8, 22, 9, 0, tzinfo=UTC))
    yield PaperService(store, hf, arxiv, clock, defaults=ChannelSettings())
    await hf.aclose()
    await arxiv.aclose()
    await store.close()


@pytest.mark.parametrize(
    ("day", "says"),
    [
        (date(2026, 8, 23), "2026-08-23 is in the future."),
        (date(2026, 8, 22), "not complete yet; the latest complete day is 2026-08-21."),
        (date(2026, 8, 21), None),
        (date(2024, 1, 2), None),
    ],
)
def test_unclosed_day_refuses_only_open_days(day: date, says: str | None) -> None:
    problem = unclosed_day(day, covered=date(2026, 8, 21), today=date(2026, 8, 22))
    if says is None:
        assert problem is None
    else:
        assert problem is not None
        assert says in problem


async def test_a_digest_fetches_the_day_once_then_reads_the_store(
    service: PaperService, feed: FakeFeed
) -> None:
    first = await service.digest_for(CHANNEL)
    assert first.day == DAY
    assert first.entries[0].paper.arxiv_id == "2608.19880"  # 163 upvotes, the day's top
    again = await service.digest_for(CHANNEL)
    assert again == first
    assert len(feed.requests_to("/api/daily_papers")) == 1
    fetched = await service.store.last_fetch()
    assert fetched is not None
    assert fetched[:2] == (DAY, 17)


async def test_digests_for_commands_read_a_day_once_a_minute(service: PaperService) -> None:
    """`/papers today` shares the day's prepared list for a minute (bot/digest/day_lists.py):
    a change another process writes to the store shows after that; one the service stores
    itself, at once."""
    first = await service.digest_for(CHANNEL)
    top = first.entries[0].paper
    last = first.entries[-1].paper
    await service.store.upsert_papers([replace(last, upvotes=top.upvotes + 100)])
    assert await service.digest_for(CHANNEL) == first  # within the minute: as it was
    assert isinstance(service.clock, FixedClock)
    service.clock.advance(timedelta(seconds=61))
    assert (await service.digest_for(CHANNEL)).entries[0].paper.arxiv_id == last.arxiv_id
    await service.store.upsert_papers([replace(last, upvotes=0)])
    await service.refresh_day(DAY)  # the service's own fetch: forgotten at once
    assert (await service.digest_for(CHANNEL)).entries[0].paper.arxiv_id == top.arxiv_id


async def test_scheduled_digests_leave_out_what_the_channel_already_got(
    service: PaperService,
) -> None:
    full = await service.digest_for(CHANNEL, DAY)
    top = full.entries[0].paper.arxiv_id
    receipt = PostReceipt(CHANNEL, ("1.1",), datetime(2026, 8, 22, 9, 0, tzinfo=UTC))
    await service.store.record_post(receipt, DAY, [top])
    later = await service.digest_for(CHANNEL, DAY, exclude_posted=True)
    assert top not in {e.paper.arxiv_id for e in later.entries}
    asked = await service.digest_for(CHANNEL, DAY)  # a user asking sees the whole day
    assert asked.entries[0].paper.arxiv_id == top


async def test_a_channels_topics_select_its_papers(service: PaperService) -> None:
    topics = (Topic(TopicKind.PHRASE, "world model"),)
    await service.save_subscription(Subscription(CHANNEL, topics=topics))
    digest = await service.digest_for(CHANNEL, DAY)
    assert digest.entries, "the fixture day has a world-model paper"
    assert all(e.reasons for e in digest.entries)


async def test_search_falls_back_to_arxiv_and_remembers_what_it_found(
    service: PaperService, feed: FakeFeed
) -> None:
    found = (await service.search("testing deep learning")).papers
    assert found
    assert found[0].source == "arxiv"
    assert len(feed.requests_to("/api/query")) == 1
    again = (await service.search("testing deep learning")).papers
    assert {p.arxiv_id for p in again} & {p.arxiv_id for p in found}
    assert len(feed.requests_to("/api/query")) == 1  # answered from the store this time


async def test_show_prefers_the_stores_copy_with_hf_counts(
    service: PaperService, feed: FakeFeed
) -> None:
    await service.refresh_day(DAY)
    paper = await service.show("2608.19880")
    assert paper is not None
    assert paper.upvotes == 163
    assert feed.requests_to("/api/query") == []
    remote = await service.show("1111.2011")
    assert remote is not None
    assert remote.source == "arxiv"
    assert await service.show("0000.00000") is None


async def test_a_feed_outage_is_a_source_error_and_stores_nothing(
    service: PaperService, feed: FakeFeed
) -> None:
    feed.fail_next(2, status=503)  # both attempts of one refresh
    with pytest.raises(SourceUnavailable):
        await service.refresh_day(DAY)
    assert await service.store.papers_listed_on(DAY) == []
    assert await service.try_refresh(DAY) == 17  # the outage is over


async def test_on_monday_morning_the_latest_list_is_fridays(
    service: PaperService, feed: FakeFeed
) -> None:
    monday_morning = datetime(2026, 8, 24, 8, 0, tzinfo=UTC)  # covers Sunday 23: no list
    service.clock = FixedClock(monday_morning)
    digest = await service.digest_for(CHANNEL)
    assert digest.day == DAY  # Friday 21
    assert digest.entries[0].paper.arxiv_id == "2608.19880"
    asked = [r.query["date"] for r in feed.requests_to("/api/daily_papers")]
    assert asked == ["2026-08-23", "2026-08-22", "2026-08-21"]
    assert await service.digest_for(CHANNEL) == digest
    assert len(feed.requests_to("/api/daily_papers")) == 3, "closed empty days are not re-asked"
    sunday = await service.digest_for(CHANNEL, date(2026, 8, 23))  # asked for by date
    assert sunday.day == date(2026, 8, 23)
    assert sunday.is_empty
