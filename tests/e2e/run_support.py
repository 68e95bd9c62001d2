"""What the `paperbot run` end-to-end tests share: a feed with recent days, a channel whose
post time has just passed, and the bot started as a real process with its own config."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import Callable, Mapping
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.models import ChannelRef, ChannelSettings, Subscription, WeekdayPolicy
from bot.storage.sqlite import SqliteStore
from tests.fakes.feed_server import FakeFeed, hf_fixture

WAIT_S = 60.0  # a bound on waiting for the subprocess, never a sleep
FIXTURE_DAY = date(2026, 8, 21)


def serve_recent_days(feed: FakeFeed) -> None:
    """Whatever day the schedule covers now has a real list (the fixture day's)."""
    today = datetime.now(UTC).date()
    for back in range(5):
        feed.serve_day(today - timedelta(days=back), hf_fixture(FIXTURE_DAY))


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
    post_at = datetime.now(UTC) - timedelta(hours=1)
    settings = ChannelSettings(
        post_time=post_at.time().replace(second=0, microsecond=0),
        timezone="UTC",
        weekday_policy=WeekdayPolicy.DAILY,
    )
    store = await SqliteStore.open(db)
    await store.save_subscription(Subscription(channel, settings=settings))
    await store.close()


async def start_paperbot(
    config: Path, secrets: Mapping[str, str], *args: str
) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOT_")}
    env |= secrets
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "--config",
        str(config),
        *args,
        stdin=asyncio.subprocess.DEVNULL,
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
