"""A scheduler under a fast wall clock: `python -m tests.e2e.clock_step_worker DB`.

Started by tests/e2e/test_scheduler_clock_step.py with libfaketime running the wall clock
240 times faster than real time (the monotonic clock stays real), as a wall clock that keeps
stepping forward does. A channel is due three wall-clock minutes after start; the worker
prints "posted" once the scheduler has posted it, or "asleep" after three real seconds.
"""

from __future__ import annotations

import asyncio
import sys
from datetime import date, timedelta
from pathlib import Path

from bot.app.scheduler import PaperScheduler
from bot.config.load import DeliveryConfig
from bot.delivery.runner import DeliveryRunner
from bot.records.clock import SystemClock
from bot.records.models import ChannelRef, ChannelSettings, Subscription, WeekdayPolicy
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.memory_platform import MemoryPlatform

REAL_WAIT_S = 3.0


class NoRefresh:
    async def refresh_day(self, day: date) -> int:
        return 0


async def main(db: Path) -> str:
    clock = SystemClock()
    store = await SqliteStore.open(db)
    due = (clock.now() + timedelta(minutes=3)).astimezone().replace(tzinfo=None)
    channel = ChannelRef("slack", "C1", "T")
    settings = ChannelSettings(
        post_time=due.time().replace(second=0, microsecond=0),
        timezone="UTC",
        weekday_policy=WeekdayPolicy.DAILY,
    )
    await store.save_subscription(Subscription(channel, settings=settings))
    runner = DeliveryRunner(
        store, NoRefresh(), {"slack": MemoryPlatform()}, clock, DeliveryConfig(), worker="w"
    )
    scheduler = PaperScheduler(runner, store, clock, sweep_every=timedelta(days=1))
    await scheduler.start(catch_up=False)
    loop = asyncio.get_running_loop()
    until = loop.time() + REAL_WAIT_S
    outcome = "asleep"
    while loop.time() < until:
        if await store.latest_deliveries(channel, 1):
            outcome = "posted"
            break
        await asyncio.sleep(0.05)
    await scheduler.shutdown(wait=True)
    await store.close()
    return outcome


if __name__ == "__main__":
    print(asyncio.run(main(Path(sys.argv[1]))), flush=True)
