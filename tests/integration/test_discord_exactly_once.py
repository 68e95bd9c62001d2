"""Exactly once on Discord past the nonce window: the real DeliveryRunner, a real SQLite file
and discord.py's REST client against the fake Discord, whose nonce memory lasts 300 s of
its injected clock.

A worker "dies" at a chosen step (an exception no layer catches, raised by the runner's step
hook), after Discord accepted part 1 or 2 of a two-message digest, recorded or not yet. A
new worker with a new connection to the store comes back after the dead one's lease and
Discord's nonce window have both passed, and the channel must end with each part once.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.discord import DiscordPlatform
from adapters.discord.marks import part_of
from bot.config.load import DeliveryConfig
from bot.delivery.runner import DeliveryRunner, StepHook
from bot.delivery.worker import DEFAULT_LEASE
from bot.records.clock import FixedClock
from bot.records.delivery import Delivery, DeliveryState
from bot.records.models import ChannelRef, ChannelSettings, Paper, Subscription
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.discord_api import NONCE_WINDOW_S, FakeDiscord
from tests.fakes.discord_setup import config_for, fake_discord, no_sleep

DAY = date(2024, 5, 13)  # a Monday
START = datetime(2024, 5, 14, 7, 0, tzinfo=UTC)
RESTART = START + DEFAULT_LEASE + timedelta(seconds=1)  # the dead worker's lease expired
PAPERS = 12  # a header and 12 paper embeds: two messages of at most 10 embeds


class WorkerDied(BaseException):
    """Escapes every `except Exception`: nothing after the step runs, as in a SIGKILL."""


class StoredListOnly:
    async def refresh_day(self, day: date) -> int:
        return 0


def dies_at(step: str, count: int) -> StepHook:
    seen = 0

    def hook(name: str, delivery: Delivery | None) -> None:
        nonlocal seen
        if name == step:
            seen += 1
            if seen == count:
                raise WorkerDied(f"{step} #{count}")

    return hook


@dataclass
class World:
    fake: FakeDiscord
    clock: list[float]  # the fake Discord's clock, in seconds
    db: Path
    channel: ChannelRef

    async def run(self, now: datetime, on_step: StepHook | None = None) -> None:
        store = await SqliteStore.open(self.db)
        platform = DiscordPlatform(config_for(self.fake), clock=FixedClock(now), sleep=no_sleep)
        runner = DeliveryRunner(
            store,
            StoredListOnly(),
            {"discord": platform},
            FixedClock(now),
            DeliveryConfig(concurrency=1),
            on_step=on_step,
        )
        try:
            await runner.run_due()
        finally:
            await platform.stop()
            await store.close()

    async def record(self) -> Delivery:
        store = await SqliteStore.open(self.db)
        try:
            record = await store.get_delivery(self.channel, DAY)
        finally:
            await store.close()
        assert record is not None
        return record

    def parts_in_channel(self, key: str) -> list[int | None]:
        """The part each message in the channel is, by its footer mark, oldest first."""
        return [part_of(m["embeds"][-1]["footer"]["text"], key) for m in self.top_messages()]

    def top_messages(self) -> list[dict[str, Any]]:
        """The messages in the channel itself (not in a thread), oldest first."""
        channel = str(self.fake.guild.channel_id)
        return [m for m in self.fake.created if m["channel_id"] == channel]


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    clock = [0.0]
    async with fake_discord(clock=lambda: clock[0]) as fake:
        fake.create_threads = False  # the parts alone; threads_world has the thread too
        channel = ChannelRef("discord", str(fake.guild.channel_id), str(fake.guild.id))
        db = tmp_path / "paperbot.db"
        await seed(db, channel)
        yield World(fake, clock, db, channel)


async def seed(db: Path, channel: ChannelRef) -> None:
    store = await SqliteStore.open(db)
    try:
        published = datetime.combine(DAY, time(0, 0), tzinfo=UTC)
        await store.upsert_papers(
            [
                Paper(
                    arxiv_id=f"2405.{n:05d}",
                    title=f"Paper {n}",
                    abstract="It works. " * 20,
                    authors=("A. Author",),
                    published_at=published,
                    listed_on=DAY,
                    upvotes=n,
                )
                for n in range(1, PAPERS + 1)
            ]
        )
        settings = ChannelSettings(post_time=time(7, 0), max_papers=PAPERS)
        await store.save_subscription(Subscription(channel, settings=settings))
    finally:
        await store.close()


@pytest.mark.parametrize(
    ("step", "count"),
    [
        ("part-accepted", 1),  # part 1 is in the channel; the record does not know it
        ("part-recorded", 1),  # part 1 is in the record; part 2 was never sent
        ("part-accepted", 2),  # part 2 of 2 is in the channel; the record knows part 1 only
        ("part-recorded", 2),  # both parts recorded; the post was never marked done
    ],
)
async def test_a_worker_dead_mid_digest_and_back_after_the_nonce_window_posts_each_part_once(
    world: World, step: str, count: int
) -> None:
    with pytest.raises(WorkerDied):
        await world.run(START, dies_at(step, count))
    assert len(world.fake.created) == count
    world.clock[0] += NONCE_WINDOW_S + 1  # Discord has forgotten every nonce
    await world.run(RESTART)
    record = await world.record()
    assert record.state is DeliveryState.POSTED
    assert world.parts_in_channel(record.idempotency_key) == [0, 1]  # each part, once
    assert record.message_ids == tuple(m["id"] for m in world.top_messages())
    assert record.reason is not None
    assert "without its details thread" in record.reason


@pytest.mark.parametrize(
    ("step", "count", "clock"),
    [
        ("part-recorded", 1, NONCE_WINDOW_S + 1),  # part 1 recorded, no thread yet
        ("part-recorded", 2, NONCE_WINDOW_S + 1),  # the first thread reply recorded
        ("part-accepted", 2, NONCE_WINDOW_S - 10),  # reply 1 sent, not recorded: its nonce
        ("part-recorded", 3, NONCE_WINDOW_S + 1),  # every reply recorded, part 2 not sent
    ],
)
async def test_the_details_thread_gets_each_reply_once_across_a_crash(
    world: World, step: str, count: int, clock: float
) -> None:
    world.fake.create_threads = True
    with pytest.raises(WorkerDied):
        await world.run(START, dies_at(step, count))
    world.clock[0] += clock
    await world.run(RESTART)
    record = await world.record()
    assert record.state is DeliveryState.POSTED
    assert record.reason is None
    assert world.parts_in_channel(record.idempotency_key) == [0, 1]
    first = record.message_ids[0]
    assert list(world.fake.threads) == [first]  # the thread is on the digest's message
    replies = world.fake.thread_messages(first)
    titles = [e["title"] for m in replies for e in m["embeds"]]
    assert titles == [f"{n}. Paper {PAPERS + 1 - n}" for n in range(1, PAPERS + 1)]  # once each
    assert record.thread_replies[0] == len(replies) == 2


@pytest.mark.parametrize("step", ["part-recorded", "part-accepted"])
async def test_without_read_message_history_the_record_alone_covers_recorded_parts(
    world: World, step: str
) -> None:
    world.fake.read_history = False  # the README's invite has no Read Message History
    with pytest.raises(WorkerDied):
        await world.run(START, dies_at(step, 1))
    world.clock[0] += NONCE_WINDOW_S + 1
    await world.run(RESTART)
    record = await world.record()
    parts = world.parts_in_channel(record.idempotency_key)
    if step == "part-recorded":
        assert parts == [0, 1]
    else:  # accepted but not yet recorded: only the channel's history could have told
        assert parts == [0, 0, 1], "the limit the README states for this permission"


async def test_within_the_nonce_window_the_nonce_still_answers_without_history(
    world: World,
) -> None:
    world.fake.read_history = False
    with pytest.raises(WorkerDied):
        await world.run(START, dies_at("part-accepted", 1))
    world.clock[0] += NONCE_WINDOW_S - 10
    await world.run(RESTART)
    record = await world.record()
    assert world.parts_in_channel(record.idempotency_key) == [0, 1]
