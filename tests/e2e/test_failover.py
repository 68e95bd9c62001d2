"""Failover: three worker processes share one PostgreSQL database and a rate-limited fake
platform; the leader is SIGKILLed mid fan-out; another worker takes the role within seconds,
the dead worker's claimed records are claimed again when their leases expire, and every
channel still ends with exactly one digest.

Waits are polling loops with deadlines on the monotonic clock, never fixed sleeps.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from datetime import time as clock_time
from pathlib import Path

import pytest

from bot.records.delivery import Delivery, DeliveryState
from bot.records.models import ChannelRef, ChannelSettings, Paper, Subscription
from bot.storage.postgres.store import PostgresStore
from tests.fakes.ratelimited_platform import FakePlatformServer, serve
from tests.pg_schema import PgSchema, fresh_schema, postgres_url

pytestmark = [pytest.mark.slow, pytest.mark.postgres]

ROOT = Path(__file__).resolve().parents[2]
WORKERS = 3
CHANNELS = 30
MONDAY = date(2024, 5, 13)
START = datetime(2024, 5, 14, 7, 0, tzinfo=UTC)
KILL_AFTER_POSTS = 8  # of CHANNELS: the leader dies with most of the fan-out still to do
DEADLINE_S = 60.0


@dataclass
class Worker:
    name: str
    process: asyncio.subprocess.Process
    lines: asyncio.Queue[str] = field(default_factory=asyncio.Queue)

    async def pump(self) -> None:
        assert self.process.stdout is not None
        async for raw in self.process.stdout:
            await self.lines.put(raw.decode().strip())

    async def expect(self, prefix: str) -> str:
        async with asyncio.timeout(DEADLINE_S):
            while not (line := await self.lines.get()).startswith(prefix):
                pass
        return line


def channel(n: int) -> ChannelRef:
    return ChannelRef("slack", f"C{n:02}", "T1")


async def seed(store: PostgresStore) -> None:
    published = datetime.combine(MONDAY, clock_time(0, 0), tzinfo=UTC)
    await store.upsert_papers(
        [
            Paper(f"2405.{n:05d}", f"Paper {n}", "It works.", ("A. Author",), published, MONDAY)
            for n in range(1, 6)
        ]
    )
    settings = ChannelSettings(post_time=clock_time(7, 0), timezone="UTC")
    for n in range(CHANNELS):
        await store.save_subscription(Subscription(channel(n), settings=settings))


async def until(condition: Callable[[], Awaitable[bool]], what: str) -> float:
    started = time.monotonic()
    while not await condition():
        assert time.monotonic() - started < DEADLINE_S, f"timed out waiting for {what}"
        await asyncio.sleep(0.05)
    return time.monotonic() - started


@pytest.fixture
async def pg() -> AsyncIterator[PgSchema]:
    async with fresh_schema(postgres_url()) as schema:
        yield schema


async def start_workers(
    pg: PgSchema, platform_url: str, origin: float, *die_at: str
) -> list[Worker]:
    workers = []
    for n in range(WORKERS):
        process = await asyncio.create_subprocess_exec(
            sys.executable,
            *("-m", "tests.e2e.failover_worker", pg.url, pg.schema, platform_url),
            *(START.isoformat(), str(origin), f"w{n}", *die_at),
            cwd=ROOT,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
        )
        workers.append(Worker(f"w{n}", process))
    return workers


async def fan_out_losing_the_leader(
    pg: PgSchema, server: FakePlatformServer, *, die_at: int | None = None
) -> list[Delivery]:
    """Run WORKERS workers until every record is posted, the leader dying on the way:
    SIGKILLed from here after KILL_AFTER_POSTS posts, or by itself after its `die_at`-th
    accepted post. Returns the records; checks a survivor took the leader's role."""
    runner, platform_url = await serve(server)
    store = await PostgresStore.open(pg.url, schema=pg.schema)
    await seed(store)
    extra = (str(die_at),) if die_at else ()
    workers = await start_workers(pg, platform_url, time.monotonic(), *extra)
    pumps = [asyncio.create_task(w.pump()) for w in workers]
    try:
        for worker in workers:
            await worker.expect("ready")
        for worker in workers:
            assert worker.process.stdin is not None
            worker.process.stdin.write(b"go\n")
            await worker.process.stdin.drain()
            worker.process.stdin.close()  # an open pipe to a dead process delays its wait()
        first_leader = await first_line_among(workers, "leader")
        leader = next(w for w in workers if first_leader == f"leader {w.name}")
        if die_at is None:

            async def posted_some() -> bool:
                return len(server.messages) >= KILL_AFTER_POSTS

            await until(posted_some, "the fan-out to start")
            os.kill(leader.process.pid, signal.SIGKILL)
            assert len(server.messages) < CHANNELS, "the leader dies mid fan-out"
        async with asyncio.timeout(DEADLINE_S):
            assert await leader.process.wait() == -signal.SIGKILL
        await first_line_among([w for w in workers if w is not leader], "leader")

        async def all_posted() -> bool:
            records = [await store.get_delivery(channel(n), MONDAY) for n in range(CHANNELS)]
            return all(r is not None and r.state is DeliveryState.POSTED for r in records)

        await until(all_posted, "every record to be posted")
        return [r for n in range(CHANNELS) if (r := await store.get_delivery(channel(n), MONDAY))]
    finally:
        for worker in workers:
            if worker.process.returncode is None:
                worker.process.kill()
                await worker.process.wait()
        for pump in pumps:
            pump.cancel()
        await store.close()
        await runner.cleanup()


def digests_per_channel(server: FakePlatformServer) -> list[int]:
    return [server.count(channel(n).key) for n in range(CHANNELS)]


async def test_a_leader_killed_mid_fan_out_loses_and_repeats_nothing(pg: PgSchema) -> None:
    server = FakePlatformServer(global_rate=10.0, global_burst=2.0)
    records = await fan_out_losing_the_leader(pg, server)
    assert digests_per_channel(server) == [1] * CHANNELS
    assert any(r.attempts > 1 for r in records), "the dead leader's claims were taken over"


async def test_a_leader_dying_right_after_a_post_was_accepted_posts_it_once(
    pg: PgSchema,
) -> None:
    server = FakePlatformServer(global_rate=10.0, global_burst=2.0)
    await fan_out_losing_the_leader(pg, server, die_at=3)
    assert digests_per_channel(server) == [1] * CHANNELS
    assert server.duplicates_refused >= 1, "the retry met the platform's memory of the key"


async def test_control_without_platform_idempotency_the_test_sees_the_duplicate(
    pg: PgSchema,
) -> None:
    server = FakePlatformServer(global_rate=10.0, global_burst=2.0, dedupe=False)
    await fan_out_losing_the_leader(pg, server, die_at=3)
    counts = digests_per_channel(server)
    assert max(counts) == 2, "without the key the dead leader's accepted post is posted again"
    assert min(counts) == 1


async def first_line_among(workers: list[Worker], prefix: str) -> str:
    """The first line starting with `prefix` that any of `workers` prints."""
    waits = [asyncio.create_task(w.expect(prefix)) for w in workers]
    done, pending = await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
    for task in pending:
        task.cancel()
    return next(iter(done)).result()
