"""Crash test for the digest's life after it is posted: settling (the edit, the late
additions reply) and follow-ups, in a real subprocess SIGKILLed at chosen and at random
points, restarted once the dead worker's leases ran out.

The posts are made first by a clean sweep (which also plans the settle tasks and records
the follow-ups' baseline). Then the day moves on in the store: every posted paper gains
upvotes, a paper joins the day's list late, and one posted paper gets a GitHub repository
with 150 stars. The next sweep, killed at a step, and its restart must leave every channel
with its one digest edited to the new counts, one late-additions reply, and one follow-up
reply naming both events (code released, 100 stars), each event in exactly one reply.

The fake platform (tests/fakes/ratelimited_platform.py) answers a post or reply whose key
it already accepted with the earlier message, as Slack (metadata) and Discord (nonce) let
the adapters do; a control run without that memory shows the test can see a duplicate.
"""

from __future__ import annotations

import asyncio
import os
import random
import sys
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import datetime, timedelta
from pathlib import Path

import pytest

from bot.delivery.worker import DEFAULT_LEASE
from bot.records.followups import FollowupKind
from bot.records.settle import SettleState
from bot.storage.sqlite.store import SqliteStore
from tests.e2e.lifecycle_worker import SETTLE_AFTER_HOURS
from tests.e2e.test_crash_delivery import CHANNELS, MONDAY, RUN_LIMIT_S, START, channel, seed
from tests.fakes.ratelimited_platform import FakePlatformServer, serve

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
SETTLE_AT = START + timedelta(hours=SETTLE_AFTER_HOURS, minutes=5)
RESTART_AT = SETTLE_AT + DEFAULT_LEASE + timedelta(seconds=1)  # the dead worker's leases ran out
REPO = "https://github.com/lab/paper-one"
LATE_TITLE = "A Late Paper"
PER_CHANNEL = (  # steps reached once per channel in a sweep
    "settle-claimed",
    "edited",
    "edit-recorded",
    "late-decided",
    "late-accepted",
    "late-recorded",
    "settle-done",
    "followup-keyed",
    "followup-claimed",
    "followup-accepted",
    "followup-sent",
)
CHOSEN = [(step, 1) for step in PER_CHANNEL] + [
    ("followup-recorded", 1),
    ("late-accepted", 7),
    ("edited", CHANNELS),
    ("followup-accepted", CHANNELS),
]
# Random points: another seed picks others (PAPERBOT_CRASH_SEED=n); the ids name each point.
SEED = int(os.environ.get("PAPERBOT_CRASH_SEED", "20261128"))
_pick = random.Random(SEED)
RANDOM = [(step, _pick.randint(1, CHANNELS)) for step in _pick.sample(PER_CHANNEL, 6)]


async def run_worker(db: Path, url: str, now: datetime, *crash: str) -> int:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.e2e.lifecycle_worker",
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


async def posted_and_then_moved_on(db: Path, url: str, server: FakePlatformServer) -> None:
    """A clean sweep posts every digest; then the day's list changes in the store."""
    await seed(db)
    assert await run_worker(db, url, START) == 0
    assert [server.count(channel(n).key) for n in range(CHANNELS)] == [1] * CHANNELS
    store = await SqliteStore.open(db)
    try:
        papers = await store.papers_listed_on(MONDAY)
        risen = [replace(p, upvotes=p.upvotes + 100) for p in papers]
        risen[0] = replace(risen[0], github_repo=REPO, github_stars=150)
        late = replace(papers[0], arxiv_id="2405.00099", title=LATE_TITLE, upvotes=40)
        await store.upsert_papers([*risen, late])
    finally:
        await store.close()


async def assert_settled_and_followed_up_once(db: Path, server: FakePlatformServer) -> None:
    store = await SqliteStore.open(db)
    try:
        for n in range(CHANNELS):
            ref = channel(n)
            [top] = server.top(ref.key)
            assert top.edits, f"{ref.key}: the digest was never edited"
            assert "101 upvotes" in top.edits[-1]  # paper 1: 1 upvote at post time, +100
            replies = server.replies(ref.key)
            late = [r for r in replies if LATE_TITLE in r.text]
            code = [r for r in replies if REPO in r.text]
            stars = [r for r in replies if "passed 100 GitHub stars" in r.text]
            assert (len(late), len(code), len(stars)) == (1, 1, 1), [r.text for r in replies]
            assert len(replies) == 2, "the two follow-up events share one reply"
            assert {r.thread_of for r in replies} == {top.id}
            [task] = await store.settle_tasks_of(ref, MONDAY)
            assert task.state is SettleState.DONE
            assert task.edited_at is not None
            assert task.late_message_id == late[0].id
        events = await store.followup_events_since(START)
        assert {(e.kind, e.message_id is not None) for e in events} == {
            (FollowupKind.REPO, True),
            (FollowupKind.STARS, True),
        }
        assert len(events) == 2 * CHANNELS
    finally:
        await store.close()


@pytest.mark.parametrize(
    ("step", "count"), CHOSEN + RANDOM, ids=[f"{s}-{c}" for s, c in CHOSEN + RANDOM]
)
async def test_a_killed_sweep_restarted_settles_and_follows_up_each_post_once(
    tmp_path: Path, platform: tuple[FakePlatformServer, str], step: str, count: int
) -> None:
    server, url = platform
    db = tmp_path / "crash.db"
    await posted_and_then_moved_on(db, url, server)
    assert await run_worker(db, url, SETTLE_AT, step, str(count)) == -9
    assert await run_worker(db, url, RESTART_AT) == 0
    await assert_settled_and_followed_up_once(db, server)
    if step in ("late-accepted", "followup-accepted"):
        assert server.duplicates_refused >= 1, "the retry must have met the platform's memory"


async def test_two_crashes_in_a_row_still_reply_once(
    tmp_path: Path, platform: tuple[FakePlatformServer, str]
) -> None:
    server, url = platform
    db = tmp_path / "crash.db"
    await posted_and_then_moved_on(db, url, server)
    assert await run_worker(db, url, SETTLE_AT, "late-accepted", "3") == -9
    assert await run_worker(db, url, RESTART_AT, "followup-accepted", "5") == -9
    assert await run_worker(db, url, RESTART_AT + DEFAULT_LEASE + timedelta(seconds=1)) == 0
    await assert_settled_and_followed_up_once(db, server)


async def test_two_workers_at_once_without_platform_idempotency_reply_once(
    tmp_path: Path, platform: tuple[FakePlatformServer, str]
) -> None:
    """Two live workers (a leader handing over): only the leases keep them apart here."""
    server, url = platform
    db = tmp_path / "crash.db"
    await posted_and_then_moved_on(db, url, server)
    server.dedupe = False
    first, second = await asyncio.gather(
        run_worker(db, url, SETTLE_AT), run_worker(db, url, SETTLE_AT)
    )
    assert (first, second) == (0, 0)
    await assert_settled_and_followed_up_once(db, server)


async def test_control_without_platform_idempotency_a_duplicate_reply_is_seen(
    tmp_path: Path, platform: tuple[FakePlatformServer, str]
) -> None:
    server, url = platform
    db = tmp_path / "crash.db"
    await posted_and_then_moved_on(db, url, server)
    server.dedupe = False
    assert await run_worker(db, url, SETTLE_AT, "followup-accepted", "1") == -9
    assert await run_worker(db, url, RESTART_AT) == 0
    counts = [len(server.replies(channel(n).key)) for n in range(CHANNELS)]
    assert max(counts) == 3, "the test would see a second reply if the key were ignored"


def test_the_crash_points_cover_every_settle_and_follow_up_step() -> None:
    named = {step for step, _ in CHOSEN}
    assert named == {*PER_CHANNEL, "followup-recorded"}
