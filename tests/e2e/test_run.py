"""`paperbot run`, the bot's main job, as a real process: feed, store, scheduler and Slack.

The Hugging Face feed and the Slack Web API are loopback fakes in this test's process; the
bot is a subprocess with its own config, exactly as an operator starts it.
"""

from __future__ import annotations

import asyncio
import signal
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
from tests.fakes.feed_server import FakeFeed
from tests.fakes.slack_api import FakeSlackApi

pytestmark = pytest.mark.slow
CHANNEL = ChannelRef("slack", "C0PAPERS", "T0TEAM")
SLACK_SECRETS = {"TEST_SLACK_BOT": "xoxb-test-token", "TEST_SLACK_APP": "xapp-test-token"}


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlackApi]:
    fake = FakeSlackApi()
    await fake.start()
    fake.add_channel(CHANNEL.channel_id)
    yield fake
    await fake.close()


def _config(tmp_path: Path, feed: FakeFeed, slack: FakeSlackApi) -> Path:
    return write_config(
        tmp_path,
        feed,
        f"""[slack]
enabled = true
mode = "socket"
bot_token_env = "TEST_SLACK_BOT"
app_token_env = "TEST_SLACK_APP"
api_base_url = "{slack.base_url}"
""",
    )


async def test_run_catches_up_a_missed_digest_once_and_stops_cleanly_on_sigterm(
    tmp_path: Path, feed: FakeFeed, slack: FakeSlackApi
) -> None:
    config = _config(tmp_path, feed, slack)
    await subscribe_with_a_post_time_an_hour_ago(tmp_path / "run.db", CHANNEL)
    bot = await start_paperbot(config, SLACK_SECRETS, "run")
    await until(lambda: slack.top_level(CHANNEL.channel_id), bot)
    bot.send_signal(signal.SIGTERM)
    async with asyncio.timeout(WAIT_S):
        _, stderr = await bot.communicate()
    log = stderr.decode()
    assert bot.returncode == 0, log
    assert "Traceback" not in log, log  # was: SchedulerNotRunningError at ERROR
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
    bot = await start_paperbot(config, SLACK_SECRETS, "run")
    async with asyncio.timeout(WAIT_S):
        _, stderr = await bot.communicate()
    assert bot.returncode == 2
    assert "enable [slack] or [discord]" in stderr.decode()


async def test_run_with_a_rejected_app_token_exits_non_zero_with_one_line(
    tmp_path: Path, feed: FakeFeed, slack: FakeSlackApi
) -> None:
    slack.valid_tokens = {SLACK_SECRETS["TEST_SLACK_BOT"]}  # the app token is not valid
    bot = await start_paperbot(_config(tmp_path, feed, slack), SLACK_SECRETS, "run")
    async with asyncio.timeout(WAIT_S):
        _, stderr = await bot.communicate()
    log = stderr.decode()
    assert bot.returncode == 2, log  # a config error: restarting will not help
    assert log.count("Slack rejected the app token (invalid_auth)") == 1, log
    assert "Traceback" not in log, log
    assert "xapp-test-token" not in log
