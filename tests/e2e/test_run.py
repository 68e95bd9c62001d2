"""`paperbot run`, the bot's main job, as a real process: feed, store, scheduler and Slack.

The Hugging Face feed and the Slack Web API are loopback fakes in this test's process; the
bot is a subprocess with its own config, exactly as an operator starts it.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator, Callable
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.delivery_state import DeliveryState
from bot.models import ChannelRef, ChannelSettings, Subscription, WeekdayPolicy
from bot.storage.sqlite import SqliteStore
from tests.fakes.feed_server import FakeFeed, hf_fixture
from tests.fakes.slack_api import FakeSlackApi

pytestmark = pytest.mark.slow
CHANNEL = ChannelRef("slack", "C0PAPERS", "T0TEAM")
WAIT_S = 60.0  # a bound on waiting for the subprocess, never a sleep
FIXTURE_DAY = date(2026, 8, 21)


@pytest.fixture
async def feed() -> AsyncIterator[FakeFeed]:
    async with FakeFeed() as running:
        today = datetime.now(UTC).date()
        for back in range(5):  # whatever day the schedule covers has a real list
            running.serve_day(today - timedelta(days=back), hf_fixture(FIXTURE_DAY))
        yield running


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlackApi]:
    fake = FakeSlackApi()
    await fake.start()
    fake.add_channel(CHANNEL.channel_id)
    yield fake
    await fake.close()


def _config(tmp_path: Path, feed: FakeFeed, slack: FakeSlackApi) -> Path:
    path = tmp_path / "paperbot.toml"
    path.write_text(
        f"""
[bot]
database_url = "sqlite:///{tmp_path / "run.db"}"
[huggingface]
base_url = "{feed.url}"
[arxiv]
base_url = "{feed.arxiv_url}"
[slack]
enabled = true
mode = "socket"
bot_token_env = "TEST_SLACK_BOT"
app_token_env = "TEST_SLACK_APP"
api_base_url = "{slack.base_url}"
""",
        encoding="utf-8",
    )
    return path


async def _subscribe_with_a_post_time_an_hour_ago(db: Path) -> None:
    post_at = datetime.now(UTC) - timedelta(hours=1)
    settings = ChannelSettings(
        post_time=post_at.time().replace(second=0, microsecond=0),
        timezone="UTC",
        weekday_policy=WeekdayPolicy.DAILY,
    )
    store = await SqliteStore.open(db)
    await store.save_subscription(Subscription(CHANNEL, settings=settings))
    await store.close()


async def _start(config: Path, *args: str) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOT_")}
    env |= {"TEST_SLACK_BOT": "xoxb-test-token", "TEST_SLACK_APP": "xapp-test-token"}
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


async def _until(condition: Callable[[], object], process: asyncio.subprocess.Process) -> None:
    """Poll `condition()` until true; fail early if the bot exits."""
    async with asyncio.timeout(WAIT_S):
        while not condition():
            if process.returncode is not None:
                pytest.fail(f"paperbot exited with {process.returncode}")
            await asyncio.sleep(0.05)


async def test_run_catches_up_a_missed_digest_once_and_stops_cleanly_on_sigterm(
    tmp_path: Path, feed: FakeFeed, slack: FakeSlackApi
) -> None:
    config = _config(tmp_path, feed, slack)
    await _subscribe_with_a_post_time_an_hour_ago(tmp_path / "run.db")
    bot = await _start(config, "run")
    await _until(lambda: slack.top_level(CHANNEL.channel_id), bot)
    bot.send_signal(signal.SIGTERM)
    async with asyncio.timeout(WAIT_S):
        _, stderr = await bot.communicate()
    log = stderr.decode()
    assert bot.returncode == 0, log
    assert "xoxb-test-token" not in log
    assert "xapp-test-token" not in log
    [message] = slack.top_level(CHANNEL.channel_id)
    assert "EnvHarness" in str(message["blocks"])  # the day's top paper
    assert slack.replies(CHANNEL.channel_id, message["ts"]), "abstracts go in the thread"
    store = await SqliteStore.open(tmp_path / "run.db")
    [record] = await store.latest_deliveries(CHANNEL, 1)
    await store.close()
    assert record.state is DeliveryState.POSTED
    assert record.message_ids == (message["ts"],)


async def test_run_with_no_platform_says_what_to_enable(tmp_path: Path) -> None:
    config = tmp_path / "paperbot.toml"
    config.write_text(f'[bot]\ndatabase_url = "sqlite:///{tmp_path / "x.db"}"\n')
    bot = await _start(config, "run")
    async with asyncio.timeout(WAIT_S):
        _, stderr = await bot.communicate()
    assert bot.returncode == 2
    assert "enable [slack] or [discord]" in stderr.decode()
