"""Crash test: a real subprocess posting a fan-out is SIGKILLed at chosen points, restarted,
and every channel ends with exactly one digest for the day.

The fake platform runs here, outside the victim, and remembers every message it accepted. Like
Slack (metadata look-up) and Discord (nonce + enforce_nonce) it answers a post whose
idempotency key it has already accepted with the earlier message. A control run against a
platform without that memory shows the test can see a duplicate.
"""

from __future__ import annotations

import asyncio
import sys
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.delivery.worker import DEFAULT_LEASE
from bot.records.delivery import DeliveryState
from bot.records.models import ChannelRef, ChannelSettings, Paper, Subscription
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.ratelimited_platform import FakePlatformServer, serve

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
CHANNELS = 12
MONDAY = date(2024, 5, 13)
START = datetime(2024, 5, 14, 7, 0, tzinfo=UTC)
RUN_LIMIT_S = 60.0  # a bound on one run, so a hang fails the test instead of blocking CI

# (step, count): the count-th time any worker reaches step. Together they cover every state
# a record can be in when the process dies: pending, posting before the post, posting after
# the platform accepted it, recorded but not marked posted, and posted; early, mid and late
# in the fan-out, with several posts in flight.
CRASH_POINTS = [
    ("planned", 1),
    ("claimed", 1),
    ("claimed", 7),
    ("frozen", 1),
    ("frozen", 9),
    ("accepted", 1),
    ("accepted", 5),
    ("accepted", 12),
    ("recorded", 1),
    ("recorded", 8),
    ("done", 1),
    ("done", 6),
    ("done", 12),
]


def channel(n: int) -> ChannelRef:
    return ChannelRef("slack", f"C{n:02}", "T1")


async def seed(db: Path) -> None:
    store = await SqliteStore.open(db)
    try:
        papers = [
            Paper(
                arxiv_id=f"2405.{n:05d}",
                title=f"Paper {n}",
                abstract="It works.",
                authors=("A. Author",),
                published_at=datetime.combine(MONDAY, time(0, 0), tzinfo=UTC),
                listed_on=MONDAY,
                upvotes=n,
            )
            for n in range(1, 6)
        ]
        await store.upsert_papers(papers)
        settings = ChannelSettings(post_time=time(7, 0), timezone="UTC")
        for n in range(CHANNELS):
            await store.save_subscription(Subscription(channel(n), settings=settings))
    finally:
        await store.close()


async def run_worker(db: Path, url: str, now: datetime, *crash: str) -> int:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.e2e.crash_worker",
        str(db),
        url,
        now.isoformat(),
        *crash,
        cwd=ROOT,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    async with asyncio.timeout(RUN_LIMIT_S):
        _, err = await process.communicate()
    assert process.returncode is not None
    if process.returncode not in (0, -9):
        pytest.fail(f"worker exited {process.returncode}: {err.decode()[-2000:]}")
    return process.returncode


@pytest.fixture
async def platform() -> AsyncIterator[tuple[FakePlatformServer, str]]:
    server = FakePlatformServer()
    runner, url = await serve(server)
    try:
        yield server, url
    finally:
        await runner.cleanup()


async def records(db: Path) -> dict[ChannelRef, DeliveryState]:
    store = await SqliteStore.open(db)
    try:
        found = {}
        for n in range(CHANNELS):
            record = await store.get_delivery(channel(n), MONDAY)
            assert record is not None
            found[channel(n)] = record.state
            assert len(await store.posted_paper_ids(channel(n))) == 5
        return found
    finally:
        await store.close()


@pytest.mark.parametrize(("step", "count"), CRASH_POINTS, ids=[f"{s}-{c}" for s, c in CRASH_POINTS])
async def test_a_killed_run_restarted_posts_each_digest_exactly_once(
    tmp_path: Path, platform: tuple[FakePlatformServer, str], step: str, count: int
) -> None:
    server, url = platform
    db = tmp_path / "crash.db"
    await seed(db)
    assert await run_worker(db, url, START, step, str(count)) == -9
    restart = START + DEFAULT_LEASE + timedelta(seconds=1)  # the dead worker's leases expired
    assert await run_worker(db, url, restart) == 0
    assert [server.count(channel(n).key) for n in range(CHANNELS)] == [1] * CHANNELS
    assert set((await records(db)).values()) == {DeliveryState.POSTED}
    if step == "accepted":
        assert server.duplicates_refused >= 1, "the retry must have met the platform's memory"


async def test_two_crashes_in_a_row_still_post_once(
    tmp_path: Path, platform: tuple[FakePlatformServer, str]
) -> None:
    server, url = platform
    db = tmp_path / "crash.db"
    await seed(db)
    later = START + DEFAULT_LEASE + timedelta(seconds=1)
    assert await run_worker(db, url, START, "accepted", "3") == -9
    assert await run_worker(db, url, later, "accepted", "2") == -9
    assert await run_worker(db, url, later + DEFAULT_LEASE + timedelta(seconds=1)) == 0
    assert [server.count(channel(n).key) for n in range(CHANNELS)] == [1] * CHANNELS


async def test_control_without_platform_idempotency_a_duplicate_is_seen(
    tmp_path: Path, platform: tuple[FakePlatformServer, str]
) -> None:
    server, url = platform
    server.dedupe = False
    db = tmp_path / "crash.db"
    await seed(db)
    assert await run_worker(db, url, START, "accepted", "1") == -9
    assert await run_worker(db, url, START + DEFAULT_LEASE + timedelta(seconds=1)) == 0
    counts = [server.count(channel(n).key) for n in range(CHANNELS)]
    assert sorted(counts)[-1] == 2, "the test would see a second post if the key were ignored"
