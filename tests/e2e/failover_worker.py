"""One paperbot worker on PostgreSQL, for the failover test: `python -m tests.e2e.failover_worker`.

Arguments: PG_URL SCHEMA PLATFORM_URL START_ISO ORIGIN NAME [DIE_AT].

Like `paperbot run` on PostgreSQL: the worker polls the leader election; only the leader
plans (creates the delivery records, the scheduler's job); every worker claims due records
and posts them. It prints "ready", waits for "go" on stdin (so the test starts all workers
together), then prints "leader NAME" when it takes the role. With DIE_AT=N the worker
SIGKILLs itself, if it was the leader from the start, right after the platform accepted its
N-th post (before the store recorded it: the hardest moment to die).

Its clock reads START at the monotonic instant ORIGIN (CLOCK_MONOTONIC is one clock for
every process of the machine, so all workers agree) and runs SPEED times faster, so a dead
worker's 10-minute lease expires after 5 s of real time.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from datetime import date, datetime, timedelta

from bot.config.load import DeliveryConfig
from bot.delivery.runner import DeliveryRunner, StepHook
from bot.records.delivery import Delivery
from bot.storage.postgres.leader import PostgresLeaderElection
from bot.storage.postgres.store import PostgresStore
from tests.fakes.ratelimited_platform import HttpChatPlatform

SPEED = 120.0  # a 10-minute lease lasts 5 s: longer than any rate-limit wait here
LEASE = timedelta(minutes=10)
POLL_S = 0.05


async def fast_sleep(seconds: float) -> None:
    """Sleep `seconds` of the worker's clock, which runs SPEED times faster."""
    await asyncio.sleep(seconds / SPEED)


class FastClock:
    """Reads `start` at monotonic `origin` and runs SPEED times faster than real time."""

    def __init__(self, start: datetime, origin: float) -> None:
        self._start = start
        self._origin = origin

    def now(self) -> datetime:
        return self._start + timedelta(seconds=(time.monotonic() - self._origin) * SPEED)


class WorkerStore(PostgresStore):
    """The store, plus this worker's role: only the leader plans; every worker claims."""

    planning = False
    first_leader = False  # leader from the first poll: the one DIE_AT applies to


class StoredListOnly:
    async def refresh_day(self, day: date) -> int:
        return 0


def die_at(store: WorkerStore, accepted: int) -> StepHook:
    seen = 0

    def hook(step: str, delivery: Delivery | None) -> None:
        nonlocal seen
        if step == "accepted" and store.planning and store.first_leader:
            seen += 1
            if seen == accepted:
                os.kill(os.getpid(), signal.SIGKILL)

    return hook


async def main(argv: list[str]) -> None:
    url, schema, platform_url, start_text, origin, name = argv[:6]
    store = await WorkerStore.open(url, schema=schema, pool_size=3)
    assert isinstance(store, WorkerStore)
    election = PostgresLeaderElection(url, schema=schema)
    platform = HttpChatPlatform("slack", platform_url)
    clock = FastClock(datetime.fromisoformat(start_text), float(origin))
    config = DeliveryConfig(concurrency=2)
    hook = die_at(store, int(argv[6])) if len(argv) > 6 else None
    runner = DeliveryRunner(
        store,
        StoredListOnly(),
        {"slack": platform},
        clock,
        config,
        worker=name,
        on_step=hook,
        lease=LEASE,
        sleep=fast_sleep,  # the lease is renewed on the same fast clock it is measured on
    )
    print("ready", flush=True)
    await asyncio.to_thread(sys.stdin.readline)
    store.first_leader = await election.acquire()
    while True:
        was_leader = store.planning
        store.planning = await (election.held() if was_leader else election.acquire())
        if store.planning and not was_leader:
            print(f"leader {name}", flush=True)
        await (runner.run_due() if store.planning else runner.drain())
        await asyncio.sleep(POLL_S)


if __name__ == "__main__":
    asyncio.run(main(sys.argv[1:]))
