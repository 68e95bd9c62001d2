"""Digests ahead of settling (bot/delivery/lanes.py, bot/app/scheduler.py): a channel's wake-up
posts its digest while a settling pass is held mid-edit (it used to wait for the whole pass), and
settling steps aside while a digest run is in flight.

The injected clock is years ahead of the wall clock, so APScheduler never fires by itself;
nothing waits on the clock: only on events (the timeouts only end a hang as a failure).
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.app.scheduler import PaperScheduler
from bot.config.load import DeliveryConfig
from bot.delivery.lanes import DigestLane
from bot.delivery.runner import DeliveryRunner
from bot.lifecycle.settle import SettleRunner
from bot.records.clock import FixedClock
from bot.records.digest import Digest
from bot.records.models import ChannelRef, ChannelSettings, Paper, Subscription, WeekdayPolicy
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.memory_platform import MemoryPlatform

NOW = datetime(2031, 5, 14, 6, 0, tzinfo=UTC)  # a Wednesday, far ahead of any wall clock
TUESDAY, WEDNESDAY = date(2031, 5, 13), date(2031, 5, 14)
CHANNEL = ChannelRef("slack", "C1", "T")
HANG_S = 30.0  # only ends a hang (the old behaviour) as a failure


class HeldEdits(MemoryPlatform):
    """Edits wait for `edit_gate`; `editing` is set when the first one starts."""

    def __init__(self, clock: FixedClock) -> None:
        super().__init__(clock=clock)
        self.edit_gate, self.editing = asyncio.Event(), asyncio.Event()

    async def edit_digest(
        self,
        channel: ChannelRef,
        message_ids: Sequence[str],
        posted: Digest,
        settled: Digest,
        *,
        idempotency_key: str,
        votes: Mapping[str, int] | None = None,
    ) -> None:
        self.editing.set()
        await self.edit_gate.wait()
        await super().edit_digest(
            channel, message_ids, posted, settled, idempotency_key=idempotency_key, votes=votes
        )


class SeenLane(DigestLane):
    """The real lane; `waiting` is set when something first steps aside in it."""

    def __init__(self) -> None:
        super().__init__()
        self.waiting = asyncio.Event()

    async def behind_digests(self) -> None:
        if self.busy:
            self.waiting.set()
        await super().behind_digests()


class NoRefresh:
    async def refresh_day(self, day: date) -> int:
        return 0


@dataclass
class Rig:
    store: SqliteStore
    clock: FixedClock
    platform: HeldEdits
    scheduler: PaperScheduler
    lane: SeenLane


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    """One channel whose Tuesday digest is posted, and a day later due for settling just as
    its Wednesday digest is due."""
    store = await SqliteStore.open(tmp_path / "lanes.db")
    clock = FixedClock(NOW)
    platform = HeldEdits(clock)
    config = DeliveryConfig(concurrency=1, settle_after_hours=(24,), settle_concurrency=1)
    platforms = {"slack": platform}
    runner = DeliveryRunner(store, NoRefresh(), platforms, clock, config, worker="w")
    settler = SettleRunner(store, NoRefresh(), platforms, clock, config, worker="w")
    lane = SeenLane()
    scheduler = PaperScheduler(runner, store, clock, settler=settler, lane=lane)
    assert settler.lane is lane  # the scheduler puts settling in its lane
    settings = ChannelSettings(
        post_time=time(5, 0), timezone="UTC", weekday_policy=WeekdayPolicy.DAILY
    )
    await store.save_subscription(Subscription(CHANNEL, settings=settings))
    await store.upsert_papers([_paper("2405.00001", TUESDAY), _paper("2405.00002", WEDNESDAY)])
    try:
        await scheduler.sweep()  # the Tuesday digest, and its settle task planned
        assert platform.posted_channels == [CHANNEL.key]
        clock.advance(timedelta(hours=24))
        yield Rig(store, clock, platform, scheduler, lane)
    finally:
        platform.edit_gate.set()
        await scheduler.shutdown(wait=True)
        await store.close()


def _paper(arxiv_id: str, day: date) -> Paper:
    published = datetime.combine(day, time(0, 0), tzinfo=UTC)
    return Paper(arxiv_id, f"Paper {arxiv_id}", "It works.", ("A",), published, day, upvotes=3)


async def test_a_wakeup_posts_its_digest_while_a_settling_pass_is_held_mid_edit(
    rig: Rig,
) -> None:
    settling = asyncio.create_task(rig.scheduler.settle_and_follow_up())
    async with asyncio.timeout(HANG_S):
        await rig.platform.editing.wait()  # the pass is inside its edit, held there
    async with asyncio.timeout(HANG_S):
        await rig.scheduler.fire(CHANNEL.key)  # used to wait for the whole settling pass
    assert rig.platform.posted_channels == [CHANNEL.key, CHANNEL.key]  # Wednesday's is out
    assert not settling.done()
    assert rig.platform.edits == []
    rig.platform.edit_gate.set()
    await settling
    assert [ids for ids, _ in rig.platform.edits] == [("m1",)]


async def test_settling_steps_aside_while_a_digest_run_is_in_flight(rig: Rig) -> None:
    async with rig.lane.digests():  # a digest run in flight
        settling = asyncio.create_task(rig.scheduler.settle_and_follow_up())
        async with asyncio.timeout(HANG_S):
            await rig.lane.waiting.wait()  # the settle worker waits behind it
        assert not rig.platform.editing.is_set()
        assert not settling.done()
    rig.platform.edit_gate.set()
    async with asyncio.timeout(HANG_S):
        await settling
    assert [ids for ids, _ in rig.platform.edits] == [("m1",)]
