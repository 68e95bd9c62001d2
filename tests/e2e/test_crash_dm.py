"""Crash test for the DM digest (issue 21): a real subprocess running the PeopleRunner with
the real Slack (slack_sdk) or Discord (discord.py) client against the fakes served here is
SIGKILLed at chosen points, restarted, and every person ends with exactly one DM digest.

Slack's retry finds a part already posted by its metadata in the DM's history; Discord's,
by the nonce the fake honours for five minutes and the footer mark in the DM's history.
"""

from __future__ import annotations

import asyncio
import sys
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.delivery.worker import DEFAULT_LEASE
from bot.records.delivery import DeliveryState
from bot.records.models import ChannelSettings, Paper, Topic, TopicKind, WeekdayPolicy
from bot.records.people import Person, person_ref
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_setup import fake_discord
from tests.fakes.slack_api import FakeSlackApi

pytestmark = pytest.mark.slow

ROOT = Path(__file__).resolve().parents[2]
PEOPLE = 4
MONDAY = date(2024, 5, 13)
START = datetime(2024, 5, 14, 7, 0, tzinfo=UTC)
RESTART = START + DEFAULT_LEASE + timedelta(seconds=1)  # the dead worker's leases expired
RUN_LIMIT_S = 60.0
SETTINGS = ChannelSettings(time(7, 0), "UTC", weekday_policy=WeekdayPolicy.DAILY)

# (step, count): before the DM is opened, before the post, after the platform accepted a
# message but before it was recorded (the retry must meet the platform's memory), after it
# was recorded, after the whole post, and once the record is final.
CRASH_POINTS = [
    ("claimed", 2),
    ("frozen", 1),
    ("part-accepted", 1),
    ("part-accepted", 3),
    ("part-recorded", 2),
    ("accepted", 1),
    ("done", 2),
]


def user(n: int) -> str:
    return f"30000000000000000{n}"


async def seed(db: Path, platform: str) -> None:
    store = await SqliteStore.open(db)
    try:
        published = datetime.combine(MONDAY, time(0, 0), tzinfo=UTC)
        await store.upsert_papers(
            [
                Paper(
                    f"2405.{n:05d}",
                    f"Agents {n}",
                    "It works.",
                    ("A. Author",),
                    published,
                    MONDAY,
                    upvotes=n,
                )
                for n in range(1, 6)
            ]
        )
        topics = (Topic(TopicKind.TERM, "agents"),)
        for n in range(PEOPLE):
            ref = person_ref(platform, "T0TEAM", user(n) if platform == "discord" else f"U{n}")
            await store.save_person(Person(ref, SETTINGS, topics))
    finally:
        await store.close()


async def run_worker(
    db: Path, platform: str, api: str, gateway: str, now: datetime, *crash: str
) -> int:
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.e2e.dm_crash_worker",
        str(db),
        platform,
        api,
        gateway,
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


async def final_states(db: Path) -> set[DeliveryState]:
    store = await SqliteStore.open(db)
    try:
        latest = await store.latest_personal_delivery_per_person()
        assert len(latest) == PEOPLE
        return {record.state for record in latest.values()}
    finally:
        await store.close()


@dataclass
class Api:
    url: str
    gateway: str
    fake: Any


@pytest.fixture
async def slack_api() -> AsyncIterator[Api]:
    fake = FakeSlackApi()
    await fake.start()
    try:
        yield Api(fake.base_url, "", fake)
    finally:
        await fake.close()


@pytest.fixture
async def discord_api() -> AsyncIterator[Api]:
    async with fake_discord() as fake:
        yield Api(fake.base_url, fake.gateway_url, fake)


def slack_posts(fake: FakeSlackApi) -> list[tuple[int, ...]]:
    """Per person: how many times each distinct message was posted in their DM (roots and
    thread replies alike); all ones means nothing was posted twice."""
    found = []
    for n in range(PEOPLE):
        dm = fake.channels.get(f"DU{n}")
        messages = dm.messages if dm is not None else []
        texts = Counter((m.get("thread_ts") is not None, m.get("text")) for m in messages)
        roots = sum(1 for m in messages if "thread_ts" not in m)
        found.append((roots, *sorted(set(texts.values()))))
    return found


def discord_posts(fake: FakeDiscord) -> list[int]:
    return [len(fake.dm_messages(user(n))) for n in range(PEOPLE)]


@pytest.mark.parametrize(("step", "count"), CRASH_POINTS, ids=[f"{s}-{c}" for s, c in CRASH_POINTS])
async def test_slack_a_killed_dm_run_restarted_posts_each_dm_once(
    tmp_path: Path, slack_api: Api, step: str, count: int
) -> None:
    db = tmp_path / "dm.db"
    await seed(db, "slack")
    assert await run_worker(db, "slack", slack_api.url, "", START, step, str(count)) == -9
    assert await run_worker(db, "slack", slack_api.url, "", RESTART) == 0
    assert slack_posts(slack_api.fake) == [(1, 1)] * PEOPLE
    assert await final_states(db) == {DeliveryState.POSTED}


@pytest.mark.parametrize(("step", "count"), CRASH_POINTS, ids=[f"{s}-{c}" for s, c in CRASH_POINTS])
async def test_discord_a_killed_dm_run_restarted_posts_each_dm_once(
    tmp_path: Path, discord_api: Api, step: str, count: int
) -> None:
    db = tmp_path / "dm.db"
    await seed(db, "discord")
    api, gateway = discord_api.url, discord_api.gateway
    assert await run_worker(db, "discord", api, gateway, START, step, str(count)) == -9
    assert await run_worker(db, "discord", api, gateway, RESTART) == 0
    assert discord_posts(discord_api.fake) == [1] * PEOPLE
    assert await final_states(db) == {DeliveryState.POSTED}


async def test_control_a_platform_without_memory_shows_a_duplicate(
    tmp_path: Path, slack_api: Api
) -> None:
    """The Slack retry looks for the part in the DM's history: with a history that forgets
    (every message dropped from it), the same crash posts twice, so the test can see one."""
    db = tmp_path / "dm.db"
    await seed(db, "slack")
    assert await run_worker(db, "slack", slack_api.url, "", START, "part-accepted", "1") == -9
    for n in range(PEOPLE):
        dm = slack_api.fake.channels.get(f"DU{n}")
        for message in dm.messages if dm is not None else []:
            message.pop("metadata", None)  # the key the retry looks for is gone
    assert await run_worker(db, "slack", slack_api.url, "", RESTART) == 0
    roots = [row[0] for row in slack_posts(slack_api.fake)]
    assert max(roots) == 2, "the test would see a second post if the key were ignored"
