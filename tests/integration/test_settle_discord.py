"""Post, then settle, on Discord: the real DeliveryRunner and SettleRunner, a real SQLite
file, and the real discord.py client against the fake Discord on loopback.

The digest message is edited (PATCH) in place with the new counts in the posted order and
keeps its footer mark; the late addition goes once into the digest's thread; a message a
person deleted (10008 Unknown Message) ends the settling without pausing the channel.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import time, timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.discord import DiscordPlatform
from bot.config.load import DeliveryConfig
from bot.delivery.runner import DeliveryRunner
from bot.delivery.worker import DEFAULT_LEASE
from bot.lifecycle.settle import SettleRunner, SettleStep
from bot.records.clock import FixedClock
from bot.records.models import ChannelRef, ChannelSettings, Subscription, WeekdayPolicy
from bot.records.settle import SettleState, SettleTask
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_setup import config_for, fake_discord, no_sleep
from tests.integration.test_settle_slack import A_DAY_LATER, DAY, POST_AT, Source, WorkerDied


@dataclass
class World:
    fake: FakeDiscord
    store: SqliteStore
    source: Source
    clock: FixedClock
    platform: DiscordPlatform
    channel: ChannelRef

    def settler(self, on_step: SettleStep | None = None) -> SettleRunner:
        return SettleRunner(
            self.store,
            self.source,
            {"discord": self.platform},
            self.clock,
            DeliveryConfig(settle_concurrency=1),
            on_step=on_step,
        )

    async def post(self) -> str:
        runner = DeliveryRunner(
            self.store, self.source, {"discord": self.platform}, self.clock, DeliveryConfig()
        )
        assert await runner.run_due() == {"posted": 1}
        assert await self.settler().run_due() == {}
        record = await self.store.get_delivery(self.channel, DAY)
        assert record is not None
        return record.message_ids[0]

    def digest(self, message_id: str) -> dict[str, Any]:
        return next(m for m in self.fake.created if m["id"] == message_id)

    def late_replies(self, message_id: str) -> list[dict[str, Any]]:
        thread = self.fake.thread_messages(message_id)
        return [m for m in thread if "Late additions" in m["content"]]


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with fake_discord() as fake:
        clock = FixedClock(POST_AT)
        platform = DiscordPlatform(config_for(fake), sleep=no_sleep, attempts=3, clock=clock)
        store = await SqliteStore.open(tmp_path / "paperbot.db")
        ref = ChannelRef("discord", str(fake.guild.channel_id), str(fake.guild.id))
        settings = ChannelSettings(time(7, 0), "UTC", weekday_policy=WeekdayPolicy.DAILY)
        await store.save_subscription(Subscription(ref, (), settings))
        try:
            yield World(fake, store, Source(store), clock, platform, ref)
        finally:
            await platform.stop()
            await store.close()


def titles(message: dict[str, Any]) -> list[str]:
    return [e["title"] for e in message["embeds"]]


async def test_a_day_later_the_message_is_edited_in_place_and_the_late_addition_threaded_once(
    world: World,
) -> None:
    message_id = await world.post()
    footer = world.digest(message_id)["embeds"][-1]["footer"]["text"]
    world.source.papers = A_DAY_LATER
    world.clock.set(POST_AT + timedelta(hours=24))
    assert await world.settler().run_due() == {"done": 1}

    assert world.fake.edits == [message_id]
    shown = titles(world.digest(message_id))
    assert len(shown) == 3
    assert shown[0].startswith("1. Agents that remember")
    assert "(▲ +20 since posted)" in shown[0]
    assert shown[1].startswith("2. Agents that plan")
    assert "(▲ +460 since posted)" in shown[1]
    assert "since posted" not in shown[2]
    assert world.digest(message_id)["embeds"][-1]["footer"]["text"] == footer  # mark kept
    [late] = world.late_replies(message_id)
    assert "Agents that arrived late" in late["embeds"][0]["title"]

    world.clock.set(POST_AT + timedelta(days=7))
    assert await world.settler().run_due() == {"done": 1}
    assert world.fake.edits == [message_id, message_id]
    assert len(world.late_replies(message_id)) == 1


async def test_a_deleted_message_ends_its_settling_quietly(world: World) -> None:
    message_id = await world.post()
    world.fake.delete_message(message_id)
    world.clock.set(POST_AT + timedelta(hours=24))
    assert await world.settler().run_due() == {"gone": 1}
    subscription = await world.store.get_subscription(world.channel)
    assert subscription is not None
    assert subscription.paused_reason is None
    [first, _] = await world.store.settle_tasks_of(world.channel, DAY)
    assert first.state is SettleState.GONE
    assert "10008" in (first.reason or "")


async def test_a_crash_after_the_reply_was_accepted_does_not_double_it(world: World) -> None:
    message_id = await world.post()
    world.source.papers = A_DAY_LATER
    world.clock.set(POST_AT + timedelta(hours=24))

    def dies(name: str, task: SettleTask) -> None:
        if name == "late-accepted":
            raise WorkerDied(name)

    with pytest.raises(WorkerDied):
        await world.settler(on_step=dies).run_due()
    world.clock.set(POST_AT + timedelta(hours=24) + DEFAULT_LEASE + timedelta(seconds=1))
    assert await world.settler().run_due() == {"done": 1}
    assert len(world.late_replies(message_id)) == 1  # the nonce brought the same message back
