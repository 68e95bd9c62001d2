"""`paperbot run` on Discord, as a real process: the gateway session, the scheduler's catch-up
through discord.py's REST client, SIGTERM, a rejected token (a non-zero exit), and either
platform unreachable while the other keeps posting.

The Hugging Face feed and Discord (REST and gateway) are loopback fakes in this test's process.
"""

from __future__ import annotations

import asyncio
import signal
import socket
from asyncio.subprocess import PIPE
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.records.delivery import DeliveryState
from bot.records.models import ChannelRef
from bot.storage.sqlite.store import SqliteStore
from tests.e2e.run_support import (
    WAIT_S,
    start_paperbot,
    subscribe_with_a_post_time_an_hour_ago,
    until,
    write_config,
)
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.feed_server import FakeFeed
from tests.fakes.slack_api import FakeSlackApi

pytestmark = pytest.mark.slow
TOKEN_ENV = "TEST_DISCORD_TOKEN"


@pytest.fixture
async def discord() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    await fake.start()
    yield fake
    await fake.close()


def _channel(fake: FakeDiscord) -> ChannelRef:
    return ChannelRef("discord", str(fake.guild.channel_id), str(fake.guild.id))


def _config(tmp_path: Path, feed: FakeFeed, fake: FakeDiscord) -> Path:
    return write_config(
        tmp_path,
        feed,
        f"""[discord]
enabled = true
token_env = "{TOKEN_ENV}"
api_base_url = "{fake.base_url}"
gateway_url = "{fake.gateway_url}"
""",
    )


async def test_run_on_discord_catches_up_once_and_stops_cleanly_on_sigterm(
    tmp_path: Path, feed: FakeFeed, discord: FakeDiscord
) -> None:
    channel = _channel(discord)
    await subscribe_with_a_post_time_an_hour_ago(tmp_path / "run.db", channel)
    bot = await start_paperbot(_config(tmp_path, feed, discord), {TOKEN_ENV: discord.token}, "run")
    async with asyncio.timeout(WAIT_S):
        await discord.wait_for(lambda fake: bool(fake.messages()) and fake.connected)
    bot.send_signal(signal.SIGTERM)
    async with asyncio.timeout(WAIT_S):
        _, stderr = await bot.communicate()
    log = stderr.decode()
    assert bot.returncode == 0, log
    assert discord.token not in log
    # SIGTERM came after the first message: the post in flight was finished, once
    tops = [m for m in discord.created if m["channel_id"] == str(discord.guild.channel_id)]
    [top] = tops  # a usual day is one message, its header in the content
    assert str(top["content"]).startswith("**Trending papers for Friday 21 August 2026**")
    assert "EnvHarness" in str(top["embeds"])  # the day's top paper
    replies = discord.thread_messages(str(top["id"]))  # the details, in its thread
    assert replies
    assert "EnvHarness" in str(replies[0]["embeds"])
    store = await SqliteStore.open(tmp_path / "run.db")
    [record] = await store.latest_deliveries(channel, 1)
    await store.close()
    assert record.state is DeliveryState.POSTED, log
    assert record.message_ids == (str(top["id"]),)
    assert record.thread_replies == (len(replies),)


async def test_run_with_a_rejected_discord_token_exits_non_zero(
    tmp_path: Path, feed: FakeFeed, discord: FakeDiscord
) -> None:
    bot = await start_paperbot(
        _config(tmp_path, feed, discord), {TOKEN_ENV: "not-the-token"}, "run"
    )
    async with asyncio.timeout(WAIT_S):
        _, stderr = await bot.communicate()
    log = stderr.decode()
    assert bot.returncode == 2, log  # a config error: restarting will not help
    assert log.count("Discord rejected the bot token") == 1, log
    assert "Traceback" not in log, log
    assert "not-the-token" not in log


async def test_an_unreachable_slack_is_retried_while_discord_posts_and_status_shows_it(
    tmp_path: Path, feed: FakeFeed, discord: FakeDiscord
) -> None:
    with socket.socket() as probe:  # a port nothing listens on: Slack is unreachable
        probe.bind(("127.0.0.1", 0))
        slack_url = f"http://127.0.0.1:{probe.getsockname()[1]}/api/"
    config = write_config(
        tmp_path,
        feed,
        f"""[discord]
enabled = true
token_env = "{TOKEN_ENV}"
api_base_url = "{discord.base_url}"
gateway_url = "{discord.gateway_url}"
[slack]
enabled = true
bot_token_env = "TEST_SLACK_BOT"
app_token_env = "TEST_SLACK_APP"
api_base_url = "{slack_url}"
""",
    )
    channel = _channel(discord)
    await subscribe_with_a_post_time_an_hour_ago(tmp_path / "run.db", channel)
    secrets = {TOKEN_ENV: discord.token, "TEST_SLACK_BOT": "xoxb-t", "TEST_SLACK_APP": "xapp-t"}
    bot = await start_paperbot(config, secrets, "run", "--console", stdin=PIPE)
    assert bot.stdin is not None
    assert bot.stderr is not None
    log: list[str] = []
    async with asyncio.timeout(WAIT_S):
        while sum("Slack: cannot connect (attempt" in line for line in log) < 2:
            log.append((await bot.stderr.readline()).decode())
        await discord.wait_for(lambda fake: bool(fake.messages()))  # Discord keeps posting
    bot.stdin.write(b"/papers status\n")
    bot.stdin.close()  # end of input ends the run
    async with asyncio.timeout(WAIT_S):
        stdout, stderr = await bot.communicate()
    text = "".join(log) + stderr.decode()
    assert bot.returncode == 0, text
    assert "Slack: reconnecting (attempt " in stdout.decode()
    assert f"last error: cannot reach {slack_url.split('/')[2]}" in stdout.decode()
    assert "Traceback" not in text, text
    assert "attempt 1: cannot reach" in text


async def test_an_unreachable_discord_is_retried_while_slack_posts_and_status_shows_it(
    tmp_path: Path, feed: FakeFeed
) -> None:
    with socket.socket() as probe:  # a port nothing listens on: Discord is unreachable
        probe.bind(("127.0.0.1", 0))
        dead = f"127.0.0.1:{probe.getsockname()[1]}"
    slack = FakeSlackApi()
    await slack.start()
    slack.add_channel("C0PAPERS")
    config = write_config(
        tmp_path,
        feed,
        f"""[discord]
enabled = true
token_env = "{TOKEN_ENV}"
api_base_url = "http://{dead}/api/v10"
gateway_url = "ws://{dead}/gateway"
[slack]
enabled = true
bot_token_env = "TEST_SLACK_BOT"
app_token_env = "TEST_SLACK_APP"
api_base_url = "{slack.base_url}"
""",
    )
    await subscribe_with_a_post_time_an_hour_ago(
        tmp_path / "run.db", ChannelRef("slack", "C0PAPERS", "T0TEAM")
    )
    secrets = {TOKEN_ENV: "discord-t", "TEST_SLACK_BOT": "xoxb-t", "TEST_SLACK_APP": "xapp-t"}
    try:
        bot = await start_paperbot(config, secrets, "run", "--console", stdin=PIPE)
        assert bot.stdin is not None
        assert bot.stderr is not None
        log: list[str] = []
        async with asyncio.timeout(WAIT_S):
            while sum("Discord: cannot connect (attempt" in line for line in log) < 2:
                log.append((await bot.stderr.readline()).decode())
                if not log[-1]:  # the bot exited
                    pytest.fail("paperbot exited:\n" + "".join(log))
        await until(lambda: slack.top_level("C0PAPERS"), bot)  # Slack keeps posting
        bot.stdin.write(b"/papers status\n")
        bot.stdin.close()  # end of input ends the run
        async with asyncio.timeout(WAIT_S):
            stdout, stderr = await bot.communicate()
    finally:
        await slack.close()
    text = "".join(log) + stderr.decode()
    assert bot.returncode == 0, text
    assert "Discord: reconnecting (attempt " in stdout.decode()
    assert f"last error: cannot reach {dead}" in stdout.decode()
    assert "attempt 1: cannot reach" in text
    assert "Traceback" not in text, text
    assert "discord-t" not in text
