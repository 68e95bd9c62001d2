"""A digest Slack refuses as an invalid body (`invalid_blocks`) fails for good at once; the
channel is not paused and the next day's digest posts.

The real DeliveryRunner, a real SQLite file, and the real AsyncWebClient against the fake
Slack Web API on loopback.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from adapters.slack.platform import SlackPlatform
from bot.config.load import DeliveryConfig, SlackConfig
from bot.delivery.runner import DeliveryRunner
from bot.records.clock import FixedClock
from bot.records.delivery import DeliveryState
from bot.records.models import ChannelRef, ChannelSettings, Paper, Subscription, WeekdayPolicy
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.pacing import slack_pacing
from tests.fakes.slack_api import FakeSlackApi, Scripted

MONDAY = date(2024, 5, 13)
TUESDAY_7 = datetime(2024, 5, 14, 7, 0, tzinfo=UTC)
CHANNEL = ChannelRef("slack", "C0PAPERS", "T0TEAM")


class NoRefresh:
    async def refresh_day(self, day: date) -> int:
        return 0  # the day's list is already in the store


async def no_sleep(_seconds: float) -> None:
    return None


@dataclass
class World:
    fake: FakeSlackApi
    store: SqliteStore
    clock: FixedClock
    runner: DeliveryRunner


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    fake = FakeSlackApi()
    await fake.start()
    fake.add_channel(CHANNEL.channel_id)
    store = await SqliteStore.open(tmp_path / "delivery.db")
    clock = FixedClock(TUESDAY_7)
    config = SlackConfig(
        enabled=True, bot_token="xoxb-test", app_token="xapp-x", api_base_url=fake.base_url
    )
    platform = SlackPlatform(
        config, clock=clock, sleep=no_sleep, timeout_s=2.0, pacing=slack_pacing()
    )
    delivery = DeliveryConfig(concurrency=1, max_attempts=3)
    runner = DeliveryRunner(store, NoRefresh(), {"slack": platform}, clock, delivery)
    settings = ChannelSettings(time(7, 0), "UTC", weekday_policy=WeekdayPolicy.DAILY)
    await store.save_subscription(Subscription(CHANNEL, (), settings))
    try:
        yield World(fake, store, clock, runner)
    finally:
        await store.close()
        await fake.close()


def paper(n: int, day: date) -> Paper:
    published = datetime.combine(day, time(0, 0), tzinfo=UTC)
    return Paper(f"2405.{n:05d}", f"Paper {n}", "Abstract.", ("A. Author",), published, day)


async def test_invalid_blocks_fails_that_digest_for_good_and_the_next_one_posts(
    world: World,
) -> None:
    await world.store.upsert_papers([paper(1, MONDAY)])
    world.fake.script("chat.postMessage", Scripted(error="invalid_blocks"))
    assert await world.runner.run_due() == {"failed": 1}
    record = await world.store.get_delivery(CHANNEL, MONDAY)
    assert record is not None
    assert (record.state, record.attempts, record.next_try_at) == (DeliveryState.FAILED, 1, None)
    assert "MessageRejected" in (record.reason or "")
    assert "invalid_blocks" in (record.reason or "")
    subscription = await world.store.get_subscription(CHANNEL)
    assert subscription is not None
    assert subscription.paused_reason is None, "the channel is fine: only that body was refused"
    world.clock.advance(timedelta(hours=2))
    assert await world.runner.run_due() == {}, "never retried"
    assert len(world.fake.calls("chat.postMessage")) == 1
    assert world.fake.top_level(CHANNEL.channel_id) == []
    world.clock.advance(timedelta(days=1))
    await world.store.upsert_papers([paper(2, MONDAY + timedelta(days=1))])
    assert await world.runner.run_due() == {"posted": 1}, "the next day's digest is posted"
    assert len(world.fake.top_level(CHANNEL.channel_id)) == 1
