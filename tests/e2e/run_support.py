"""What the `paperbot run` end-to-end tests share: a feed with the fixture day's list, a
channel whose post time has just passed, and the bot started as a real process with its own
config and its own clock.

The bot's process runs under libfaketime at `BOT_NOW`, whatever the wall clock says: a
process reads the wall clock, and the day it covers decides what it posts (on a real Sunday
the covered day is a Saturday, which has no list). The test's own process keeps its clock.
"""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import libfaketime
import pytest

from bot.records.models import ChannelRef, ChannelSettings, Subscription, WeekdayPolicy
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.feed_server import FakeFeed, hf_fixture

WAIT_S = 60.0  # a bound on waiting for the subprocess, never a sleep
FIXTURE_DAY = date(2026, 8, 21)  # a Friday
# The bot's clock: Saturday morning, when the latest closed list is the fixture day's.
BOT_NOW = datetime(2026, 8, 22, 10, 0, tzinfo=UTC)


def serve_fixture_day(feed: FakeFeed) -> None:
    """The fixture day's real list, on its own day: the day the bot's schedule covers."""
    feed.serve_day(FIXTURE_DAY, hf_fixture(FIXTURE_DAY))


def without_faked_clock(env: Mapping[str, str]) -> dict[str, str]:
    """`env` less libfaketime's variables (`make faketime` sets them for the whole suite)."""
    _, preload = libfaketime.get_reload_information()
    return {k: v for k, v in env.items() if k not in preload and not k.startswith("FAKETIME")}


def bot_clock_env(now: datetime = BOT_NOW) -> dict[str, str]:
    """Environment that starts a process's wall clock at `now` (it then ticks as usual)."""
    _, preload = libfaketime.get_reload_information()
    start = now.astimezone(UTC).strftime("%Y-%m-%d %H:%M:%S")
    return {**preload, "FAKETIME": f"@{start}", "TZ": "UTC"}


def write_config(tmp_path: Path, feed: FakeFeed, platform_section: str) -> Path:
    path = tmp_path / "paperbot.toml"
    path.write_text(
        f"""
[bot]
database_url = "sqlite:///{tmp_path / "run.db"}"
[huggingface]
base_url = "{feed.url}"
[arxiv]
base_url = "{feed.arxiv_url}"
{platform_section}
""",
        encoding="utf-8",
    )
    return path


async def subscribe_with_a_post_time_an_hour_ago(db: Path, channel: ChannelRef) -> None:
    post_at = BOT_NOW - timedelta(hours=1)
    settings = ChannelSettings(
        post_time=post_at.time().replace(second=0, microsecond=0),
        timezone="UTC",
        weekday_policy=WeekdayPolicy.DAILY,
    )
    store = await SqliteStore.open(db)
    await store.save_subscription(Subscription(channel, settings=settings))
    await store.close()


async def start_paperbot(
    config: Path,
    secrets: Mapping[str, str],
    *args: str,
    stdin: int = asyncio.subprocess.DEVNULL,
    now: datetime = BOT_NOW,
) -> asyncio.subprocess.Process:
    """`python -m bot --config CONFIG ARGS...` with its wall clock starting at `now`."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOT_")}
    env |= bot_clock_env(now) | dict(secrets)
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "--config",
        str(config),
        *args,
        stdin=stdin,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )


async def until(condition: Callable[[], object], process: asyncio.subprocess.Process) -> None:
    """Poll `condition()` until true; fail early if the bot exits."""
    async with asyncio.timeout(WAIT_S):
        while not condition():
            if process.returncode is not None:
                pytest.fail(f"paperbot exited with {process.returncode}")
            await asyncio.sleep(0.05)
