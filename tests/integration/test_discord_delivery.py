"""A digest Discord refuses as an invalid body (400) fails for good; the channel is not paused.

The real DeliveryRunner, a real SQLite file, and the real discord.py client against the fake
Discord on loopback.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from adapters.discord import DiscordPlatform
from bot.config.load import DeliveryConfig
from bot.delivery.runner import DeliveryRunner
from bot.records.clock import FixedClock
from bot.records.delivery import DeliveryState
from bot.records.models import ChannelRef, ChannelSettings, Paper, Subscription, WeekdayPolicy
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.discord_api import Failure, FakeDiscord
from tests.fakes.discord_setup import config_for, fake_discord, no_sleep

MESSAGES = r"^/channels/\d+/messages$"
MONDAY = date(2024, 5, 13)
TUESDAY_7 = datetime(2024, 5, 14, 7, 0, tzinfo=UTC)


class NoRefresh:
    async def refresh_day(self, day: date) -> int:
        return 0  # the day's list is already in the store


@dataclass
class World:
    fake: FakeDiscord
    store: SqliteStore
    clock: FixedClock
    runner: DeliveryRunner
    channel: ChannelRef


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with fake_discord() as fake:
        platform = DiscordPlatform(config_for(fake), sleep=no_sleep, attempts=3)
        store = await SqliteStore.open(tmp_path / "delivery.db")
        clock = FixedClock(TUESDAY_7)
        config = DeliveryConfig(concurrency=1, max_attempts=3)
        runner = DeliveryRunner(store, NoRefresh(), {"discord": platform}, clock, config)
        ref = ChannelRef("discord", str(fake.guild.channel_id), str(fake.guild.id))
        settings = ChannelSettings(time(7, 0), "UTC", weekday_policy=WeekdayPolicy.DAILY)
        await store.save_subscription(Subscription(ref, (), settings))
        try:
            yield World(fake, store, clock, runner, ref)
        finally:
            await platform.stop()
            await store.close()


def paper(n: int, day: date) -> Paper:
    published = datetime.combine(day, time(0, 0), tzinfo=UTC)
    return Paper(f"2405.{n:05d}", f"Paper {n}", "Abstract.", ("A. Author",), published, day)


async def test_an_invalid_body_fails_that_digest_for_good_and_the_next_one_posts(
    world: World,
) -> None:
    await world.store.upsert_papers([paper(1, MONDAY)])
    world.fake.fail_next("POST", MESSAGES, Failure.discord_error(50035))
    assert await world.runner.run_due() == {"failed": 1}
    record = await world.store.get_delivery(world.channel, MONDAY)
    assert record is not None
    assert (record.state, record.attempts, record.next_try_at) == (DeliveryState.FAILED, 1, None)
    assert "MessageRejected" in (record.reason or "")
    subscription = await world.store.get_subscription(world.channel)
    assert subscription is not None
    assert subscription.paused_reason is None, "the channel is fine: only that body was refused"
    world.clock.advance(timedelta(hours=2))
    assert await world.runner.run_due() == {}, "never retried"
    assert len(world.fake.messages()) == 1
    world.clock.advance(timedelta(days=1))
    await world.store.upsert_papers([paper(2, MONDAY + timedelta(days=1))])
    assert await world.runner.run_due() == {"posted": 1}, "the next day's digest is posted"
