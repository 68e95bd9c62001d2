"""`paperbot run` on Discord, as a real process: the gateway session, the scheduler's catch-up
through discord.py's REST client, SIGTERM, and a rejected token (a non-zero exit).

The Hugging Face feed and Discord (REST and gateway) are loopback fakes in this test's process.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from bot.delivery_state import DeliveryState
from bot.models import ChannelRef, ChannelSettings, Subscription, WeekdayPolicy
from bot.storage.sqlite import SqliteStore
from tests.e2e.test_run import FIXTURE_DAY, WAIT_S
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.feed_server import FakeFeed, hf_fixture

pytestmark = pytest.mark.slow
TOKEN_ENV = "TEST_DISCORD_TOKEN"


@pytest.fixture
async def feed() -> AsyncIterator[FakeFeed]:
    async with FakeFeed() as running:
        today = datetime.now(UTC).date()
        for back in range(5):  # whatever day the schedule covers has a real list
            running.serve_day(today - timedelta(days=back), hf_fixture(FIXTURE_DAY))
        yield running


@pytest.fixture
async def discord() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    await fake.start()
    yield fake
    await fake.close()


def _channel(fake: FakeDiscord) -> ChannelRef:
    return ChannelRef("discord", str(fake.guild.channel_id), str(fake.guild.id))


def _config(tmp_path: Path, feed: FakeFeed, fake: FakeDiscord) -> Path:
    path = tmp_path / "paperbot.toml"
    path.write_text(
        f"""
[bot]
database_url = "sqlite:///{tmp_path / "run.db"}"
[huggingface]
base_url = "{feed.url}"
[arxiv]
base_url = "{feed.arxiv_url}"
[discord]
enabled = true
token_env = "{TOKEN_ENV}"
api_base_url = "{fake.base_url}"
gateway_url = "{fake.gateway_url}"
""",
        encoding="utf-8",
    )
    return path


async def _subscribe_with_a_post_time_an_hour_ago(db: Path, channel: ChannelRef) -> None:
    post_at = datetime.now(UTC) - timedelta(hours=1)
    settings = ChannelSettings(
        post_time=post_at.time().replace(second=0, microsecond=0),
        timezone="UTC",
        weekday_policy=WeekdayPolicy.DAILY,
    )
    store = await SqliteStore.open(db)
    await store.save_subscription(Subscription(channel, settings=settings))
    await store.close()


async def _start(config: Path, token: str) -> asyncio.subprocess.Process:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOT_")}
    env[TOKEN_ENV] = token
    return await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "bot",
        "--config",
        str(config),
        "run",
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env,
    )


async def test_run_on_discord_catches_up_once_and_stops_cleanly_on_sigterm(
    tmp_path: Path, feed: FakeFeed, discord: FakeDiscord
) -> None:
    channel = _channel(discord)
    await _subscribe_with_a_post_time_an_hour_ago(tmp_path / "run.db", channel)
    bot = await _start(_config(tmp_path, feed, discord), discord.token)
    async with asyncio.timeout(WAIT_S):
        await discord.wait_for(lambda fake: bool(fake.messages()) and fake.connected)
    bot.send_signal(signal.SIGTERM)
    async with asyncio.timeout(WAIT_S):
        _, stderr = await bot.communicate()
    log = stderr.decode()
    assert bot.returncode == 0, log
    assert discord.token not in log
    # SIGTERM came after the first message: the post in flight was finished, once
    parts = [str(m["content"]) for m in discord.created]
    assert [p.rsplit("(part ", 1)[-1] for p in parts] == [
        f"{n} of {len(parts)})" for n in range(1, len(parts) + 1)
    ]
    assert "EnvHarness" in str(discord.created[0]["embeds"])  # the day's top paper
    store = await SqliteStore.open(tmp_path / "run.db")
    [record] = await store.latest_deliveries(channel, 1)
    await store.close()
    assert record.state is DeliveryState.POSTED, log
    assert record.message_ids == tuple(str(m["id"]) for m in discord.created)


async def test_run_with_a_rejected_discord_token_exits_non_zero(
    tmp_path: Path, feed: FakeFeed, discord: FakeDiscord
) -> None:
    bot = await _start(_config(tmp_path, feed, discord), "not-the-token")
    async with asyncio.timeout(WAIT_S):
        _, stderr = await bot.communicate()
    log = stderr.decode()
    assert bot.returncode == 2, log  # a config error: restarting will not help
    assert "Discord rejected the bot token" in log
    assert "not-the-token" not in log
