"""A Slack digest cut short between its top message and its thread replies is completed on
retry, each reply once: the real DeliveryRunner, a real SQLite file and the real
AsyncWebClient against the fake Slack Web API.

Two channels get the same digest, an hour apart; only the second is cut short (by a 429
whose Retry-After is left to the scheduler, or by a worker dying at a chosen step). After
the retry it must look exactly like the first: the same top messages and replies, once each.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.slack.platform import SlackPlatform
from bot.config.load import DeliveryConfig, SlackConfig
from bot.delivery.runner import DeliveryRunner, StepHook
from bot.delivery.worker import DEFAULT_LEASE
from bot.records.clock import FixedClock
from bot.records.delivery import Delivery, DeliveryState
from bot.records.models import ChannelRef, ChannelSettings, Subscription
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.pacing import slack_pacing
from tests.fakes.slack_api import FakeSlackApi, Scripted
from tests.fakes.slack_digests import long_papers

TOO_LONG = Scripted(status=429, retry_after=3600)  # more than the client waits

DAY = date(2024, 5, 13)  # a Monday
EARLY = datetime(2024, 5, 14, 6, 0, tzinfo=UTC)  # WHOLE's digest is due
START = datetime(2024, 5, 14, 7, 0, tzinfo=UTC)  # CUT's digest is due
RESTART = START + DEFAULT_LEASE + timedelta(seconds=1)  # a dead worker's lease expired
CUT = ChannelRef("slack", "C0CUT", "T0TEAM")  # the channel whose digest is cut short
WHOLE = ChannelRef("slack", "C0WHOLE", "T0TEAM")  # the same digest, never interrupted


class WorkerDied(BaseException):
    """Escapes every `except Exception`: nothing after the step runs, as in a SIGKILL."""


class StoredListOnly:
    async def refresh_day(self, day: date) -> int:
        return 0


async def no_sleep(_seconds: float) -> None:
    return None


def dies_at(step: str, count: int) -> StepHook:
    """Die the `count`-th time the runner reaches `step` for CUT's digest."""
    seen = 0

    def hook(name: str, delivery: Delivery | None) -> None:
        nonlocal seen
        if name == step and delivery is not None and delivery.channel == CUT:
            seen += 1
            if seen == count:
                raise WorkerDied(f"{step} #{count}")

    return hook


def _shown(message: dict[str, Any]) -> str:
    return json.dumps(message["blocks"], sort_keys=True)


@dataclass
class World:
    fake: FakeSlackApi
    db: Path

    async def run(self, now: datetime, on_step: StepHook | None = None) -> None:
        store = await SqliteStore.open(self.db)
        config = SlackConfig(
            enabled=True, bot_token="xoxb-test", app_token="xapp-x", api_base_url=self.fake.base_url
        )
        platform = SlackPlatform(
            config, clock=FixedClock(now), sleep=no_sleep, timeout_s=2.0, pacing=slack_pacing()
        )
        runner = DeliveryRunner(
            store,
            StoredListOnly(),
            {"slack": platform},
            FixedClock(now),
            DeliveryConfig(concurrency=1),
            on_step=on_step,
        )
        try:
            await runner.run_due()
        finally:
            await store.close()

    async def state(self, channel: ChannelRef) -> DeliveryState:
        store = await SqliteStore.open(self.db)
        try:
            record = await store.get_delivery(channel, DAY)
        finally:
            await store.close()
        assert record is not None
        return record.state

    def thread_texts(self, channel: ChannelRef) -> list[tuple[str, list[str]]]:
        """Each top message's blocks with its replies' blocks (as JSON), oldest first."""
        return [
            (_shown(top), [_shown(r) for r in self.fake.replies(channel.channel_id, top["ts"])])
            for top in self.fake.top_level(channel.channel_id)
        ]


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    fake = FakeSlackApi()
    await fake.start()
    for channel in (WHOLE, CUT):
        fake.add_channel(channel.channel_id)
    db = tmp_path / "paperbot.db"
    await seed(db)
    world = World(fake, db)
    try:
        await world.run(EARLY)  # WHOLE: the digest as it looks when nothing goes wrong
        whole = world.thread_texts(WHOLE)
        assert len(whole) == 1, "one part"
        assert len(whole[0][1]) >= 4, "with a long thread"
        yield world
    finally:
        await fake.close()


async def seed(db: Path) -> None:
    store = await SqliteStore.open(db)
    try:
        await store.upsert_papers([dataclasses.replace(p, listed_on=DAY) for p in long_papers(10)])
        for channel, hour in ((WHOLE, 6), (CUT, 7)):
            settings = ChannelSettings(post_time=time(hour, 0))
            await store.save_subscription(Subscription(channel, settings=settings))
    finally:
        await store.close()


def posts_to(world: World, channel: ChannelRef) -> list[dict[str, Any]]:
    return [b for b in world.fake.calls("chat.postMessage") if b["channel"] == channel.channel_id]


async def test_a_thread_cut_short_by_a_rate_limit_gets_its_missing_replies_once(
    world: World,
) -> None:
    # CUT's top message and two replies go through, then a 429 whose Retry-After is too
    # long to wait: the run leaves the rest to a later one (what happened to 11 of 400).
    world.fake.script("chat.postMessage", Scripted(), Scripted(), Scripted(), TOO_LONG)
    await world.run(START)
    assert await world.state(CUT) is DeliveryState.FAILED
    assert [len(replies) for _, replies in world.thread_texts(CUT)] == [2]
    await world.run(START + timedelta(minutes=1))  # the retry is due after 30 s
    assert await world.state(CUT) is DeliveryState.POSTED
    assert world.thread_texts(CUT) == world.thread_texts(WHOLE)
    assert len(posts_to(world, CUT)) == len(posts_to(world, WHOLE)) + 1  # the refused one
    assert world.fake.calls("conversations.history") == []  # the record knew the part


@pytest.mark.parametrize(
    ("step", "count"),
    [
        ("part-accepted", 1),  # the top message is out, not yet recorded: no reply went out
        ("part-recorded", 1),  # the top message is recorded, no reply sent
        ("part-recorded", 3),  # the top message and two replies recorded
    ],
)
async def test_a_worker_dead_between_top_message_and_replies_is_completed_on_restart(
    world: World, step: str, count: int
) -> None:
    with pytest.raises(WorkerDied):
        await world.run(START, dies_at(step, count))
    assert len(world.fake.top_level(CUT.channel_id)) == 1
    await world.run(RESTART)
    assert await world.state(CUT) is DeliveryState.POSTED
    assert world.thread_texts(CUT) == world.thread_texts(WHOLE)
    assert len(posts_to(world, CUT)) == len(posts_to(world, WHOLE))  # nothing sent twice
