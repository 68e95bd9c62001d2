"""Weekly and monthly digests end to end in the core: a real SQLite file, the real Hugging
Face source against the loopback feed (which serves `week=` and `month=` from its days), a
fake platform on loopback that finds a post again by its key, and injected time."""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config.load import DEFAULT_USER_AGENT, DeliveryConfig, HuggingFaceConfig
from bot.delivery.runner import DeliveryRunner
from bot.records.clock import FixedClock
from bot.records.delivery import Delivery, DeliveryState
from bot.records.models import Cadence, ChannelRef, ChannelSettings, Subscription, WeekdayPolicy
from bot.sources import HuggingFaceSource
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.feed_server import FakeFeed, hf_fixture
from tests.fakes.ratelimited_platform import FakePlatformServer, HttpChatPlatform, serve

FRIDAY = date(2026, 8, 21)  # a fixture day in ISO week 2026-W34 (17 to 23 August)
WEEK_START = date(2026, 8, 17)
MONDAY_9 = datetime(2026, 8, 24, 9, 0, tzinfo=UTC)  # W34's weekly post (UTC, 09:00)
WEEKLY = ChannelRef("slack", "CW", "T1")
BOTH = ChannelRef("slack", "CB", "T1")


@dataclass
class Service:
    """What the runner needs from PaperService: the day lists are in the store already; the
    weekly lists come from the real Hugging Face source."""

    daily: HuggingFaceSource

    async def refresh_day(self, day: date) -> int:
        return 0


class Crash(BaseException):
    """The worker dies (not an error it could handle)."""


@dataclass
class World:
    store: SqliteStore
    feed: FakeFeed
    server: FakePlatformServer
    platform: HttpChatPlatform
    clock: FixedClock
    service: Service

    def runner(self, **kwargs: Any) -> DeliveryRunner:
        platforms = {"slack": self.platform}
        config = DeliveryConfig(concurrency=2, max_attempts=3)
        return DeliveryRunner(
            self.store, self.service, platforms, self.clock, config, worker="w", **kwargs
        )


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    server = FakePlatformServer()
    web_runner, url = await serve(server)
    platform = HttpChatPlatform("slack", url)
    store = await SqliteStore.open(tmp_path / "weekly.db")
    async with FakeFeed(fixtures=False) as feed:
        feed.serve_day(FRIDAY, hf_fixture(FRIDAY))
        source = HuggingFaceSource(HuggingFaceConfig(base_url=feed.url), DEFAULT_USER_AGENT)
        try:
            yield World(store, feed, server, platform, FixedClock(MONDAY_9), Service(source))
        finally:
            await source.aclose()
            await platform.stop()
            await store.close()
            await web_runner.cleanup()


async def subscribe(store: SqliteStore, channel: ChannelRef, *cadences: Cadence) -> None:
    settings = ChannelSettings(
        post_time=time(9, 0), timezone="UTC", weekday_policy=WeekdayPolicy.DAILY, cadences=cadences
    )
    await store.save_subscription(Subscription(channel, settings=settings))


async def weekly_record(world: World, channel: ChannelRef, start: date) -> Delivery:
    record = await world.store.get_delivery(channel, start, Cadence.WEEKLY)
    assert record is not None
    return record


async def test_one_weekly_digest_per_iso_week_and_daily_beside_it(world: World) -> None:
    await subscribe(world.store, WEEKLY, Cadence.WEEKLY)
    await subscribe(world.store, BOTH, Cadence.DAILY, Cadence.WEEKLY)
    outcomes = await world.runner().run_due()
    # BOTH: Saturday's daily record (empty, a weekend) and the week; WEEKLY: the week only
    assert outcomes["posted"] == 2
    assert [r.query.get("week") for r in world.feed.requests] == ["2026-W34"]
    weekly = await weekly_record(world, WEEKLY, WEEK_START)
    assert weekly.state is DeliveryState.POSTED
    assert weekly.days == tuple(WEEK_START + timedelta(days=n) for n in range(7))
    assert len(weekly.paper_ids) == 10  # the default cap, of the week's 17 papers
    assert world.server.count(WEEKLY.key) == 1
    assert world.server.count(BOTH.key) == 1
    assert await world.store.latest_deliveries(WEEKLY, 5) == [], "no daily records"
    daily = await world.store.latest_deliveries(BOTH, 5)
    assert [d.day for d in daily] == [date(2026, 8, 23)]
    # the rest of the week: daily posts go on, the weekly one waits for the next ISO week
    for hours in range(10, 24 * 7, 10):
        world.clock.set(MONDAY_9 + timedelta(hours=hours))
        await world.runner().run_due()
    assert world.server.count(WEEKLY.key) == 1
    world.clock.set(MONDAY_9 + timedelta(days=7))
    await world.runner().run_due()
    assert world.server.count(WEEKLY.key) == 1, "W35 had no papers: nothing posted"
    empty = await weekly_record(world, WEEKLY, WEEK_START + timedelta(days=7))
    assert empty.state is DeliveryState.EMPTY
    last = await world.runner().last_for(WEEKLY)
    assert last == "weekly 2026-W35: nothing posted (no papers were listed)"


async def test_the_best_of_the_week_may_repeat_a_daily_paper_but_not_itself(
    world: World,
) -> None:
    await subscribe(world.store, BOTH, Cadence.DAILY, Cadence.WEEKLY)
    await world.store.upsert_papers(await world.service.daily.daily(FRIDAY))
    world.clock.set(datetime(2026, 8, 22, 9, 0, tzinfo=UTC))  # Saturday: Friday's digest
    await world.runner().run_due()
    friday = await world.store.get_delivery(BOTH, FRIDAY)
    assert friday is not None
    assert friday.state is DeliveryState.POSTED
    world.clock.set(MONDAY_9)
    await world.runner().run_due()
    week = await weekly_record(world, BOTH, WEEK_START)
    # Friday is the week's only list: the best of the week is Friday's digest again
    assert set(week.paper_ids) == set(friday.paper_ids)
    assert world.server.count(BOTH.key) == 2
    assert await world.store.posted_paper_ids(BOTH, Cadence.WEEKLY) == set(week.paper_ids)


async def test_catch_up_within_grace_and_missed_after_it(world: World) -> None:
    await subscribe(world.store, WEEKLY, Cadence.WEEKLY)
    await world.store.save_subscription(
        Subscription(BOTH, settings=ChannelSettings(timezone="UTC", cadences=(Cadence.WEEKLY,)))
    )
    # a first run a week earlier gives both channels a record to catch up from
    world.clock.set(MONDAY_9 - timedelta(days=7))
    await world.runner().run_due()
    world.clock.set(MONDAY_9 + timedelta(hours=11))  # down at 09:00, back within 12 h
    await world.runner().run_due()
    caught = await weekly_record(world, WEEKLY, WEEK_START)
    assert caught.state is DeliveryState.POSTED
    world.clock.set(MONDAY_9 + timedelta(days=7, hours=13))  # down past the grace window
    await world.runner().run_due()
    missed = await weekly_record(world, WEEKLY, WEEK_START + timedelta(days=7))
    assert missed.state is DeliveryState.MISSED
    assert world.server.count(WEEKLY.key) == 1


async def test_a_crash_after_the_platform_accepted_does_not_post_the_week_twice(
    world: World,
) -> None:
    await subscribe(world.store, WEEKLY, Cadence.WEEKLY)

    def crash_when_accepted(step: str, delivery: Delivery | None) -> None:
        if step == "accepted":
            raise Crash

    with pytest.raises(Crash):
        await world.runner(on_step=crash_when_accepted).run_due()
    assert world.server.count(WEEKLY.key) == 1
    stuck = await weekly_record(world, WEEKLY, WEEK_START)
    assert stuck.state is DeliveryState.POSTING
    world.clock.advance(timedelta(minutes=10))  # the dead worker's lease has expired
    assert (await world.runner().run_due())["posted"] == 1
    assert world.server.count(WEEKLY.key) == 1, "the same key: found, not posted again"
    assert world.server.duplicates_refused == 1
    done = await weekly_record(world, WEEKLY, WEEK_START)
    assert done.state is DeliveryState.POSTED
    assert await world.runner().run_due() == {}


async def test_the_channels_top_votes_follow_the_weeks_list(world: World) -> None:
    await subscribe(world.store, WEEKLY, Cadence.WEEKLY)
    older = hf_fixture(date(2024, 6, 13))
    world.feed.serve_day(date(2024, 6, 13), older)
    [voted, *_] = await world.service.daily.daily(date(2024, 6, 13))
    await world.store.upsert_papers([voted])
    for user in ("U1", "U2"):
        await world.store.toggle_vote(
            WEEKLY.key, voted.arxiv_id, user, MONDAY_9 - timedelta(days=3)
        )
    await world.runner().run_due()
    week = await weekly_record(world, WEEKLY, WEEK_START)
    assert week.paper_ids[-1] == voted.arxiv_id
    assert len(week.paper_ids) == 11
    [message] = [m for m in world.server.messages if m.channel == WEEKLY.key]
    assert "this channel's top votes: 2 👍" in message.text
    assert "Best papers of week 34 of 2026 (17 to 23 August)" in message.text


async def test_a_late_catch_up_counts_only_the_votes_cast_in_its_week(world: World) -> None:
    await subscribe(world.store, WEEKLY, Cadence.WEEKLY)
    world.feed.serve_day(date(2024, 6, 13), hf_fixture(date(2024, 6, 13)))
    [in_week, after_week, *_] = await world.service.daily.daily(date(2024, 6, 13))
    await world.store.upsert_papers([in_week, after_week])
    world.clock.set(MONDAY_9 - timedelta(days=7))  # a record to catch up from, as above
    await world.runner().run_due()
    await world.store.toggle_vote(WEEKLY.key, in_week.arxiv_id, "U1", MONDAY_9 - timedelta(days=3))
    monday_morning = datetime.combine(WEEK_START + timedelta(days=7), time(0, 30), tzinfo=UTC)
    for user in ("U1", "U2", "U3"):  # cast after Sunday, before the late catch-up posts
        await world.store.toggle_vote(WEEKLY.key, after_week.arxiv_id, user, monday_morning)
    world.clock.set(MONDAY_9 + timedelta(hours=11))  # down at 09:00, back within 12 h
    await world.runner().run_due()
    week = await weekly_record(world, WEEKLY, WEEK_START)
    assert week.state is DeliveryState.POSTED
    assert week.paper_ids[-1] == in_week.arxiv_id
    assert after_week.arxiv_id not in week.paper_ids
    [message] = [m for m in world.server.messages if m.channel == WEEKLY.key]
    assert "this channel's top votes: 1 👍" in message.text
    assert "3 👍" not in message.text
