"""A weekly digest in `paperbot run`, as a real process SIGKILLed mid-post: Slack accepted the
digest's first message but the bot died before it heard so. The restarted bot (after the dead
one's lease expired) finds the message by its metadata and finishes the digest: the week is
posted once.

The week is the fixture day's ISO week (2026-W34, 17 to 23 August); the bot's clock stands on
the Monday after it, an hour past the channel's weekly post time.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.delivery.worker import DEFAULT_LEASE
from bot.records.delivery import DeliveryState
from bot.records.models import Cadence, ChannelRef, ChannelSettings, Subscription
from bot.storage.sqlite.store import SqliteStore
from tests.e2e.click_support import stop_cleanly
from tests.e2e.run_support import WAIT_S, start_paperbot, until, write_config
from tests.fakes.feed_server import FakeFeed
from tests.fakes.slack_api import FakeSlackApi

pytestmark = pytest.mark.slow
CHANNEL = ChannelRef("slack", "C0WEEKLY", "T0TEAM")
SECRETS = {"TEST_SLACK_BOT": "xoxb-test-token", "TEST_SLACK_APP": "xapp-test-token"}
MONDAY_AFTER = datetime(2026, 8, 24, 10, 0, tzinfo=UTC)  # W34's weekly post was at 09:00
HEADING = "Best papers of week 34 of 2026"


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlackApi]:
    fake = FakeSlackApi()
    await fake.start()
    fake.add_channel(CHANNEL.channel_id)
    yield fake
    await fake.close()


async def subscribe_weekly(db: Path) -> None:
    settings = ChannelSettings(post_time=time(9, 0), cadences=(Cadence.WEEKLY,), weekly_day=0)
    store = await SqliteStore.open(db)
    try:
        await store.save_subscription(Subscription(CHANNEL, settings=settings))
    finally:
        await store.close()


async def weekly_state(db: Path) -> DeliveryState | None:
    store = await SqliteStore.open(db)
    try:
        records = await store.latest_deliveries(CHANNEL, 1, Cadence.WEEKLY)
    finally:
        await store.close()
    return records[0].state if records else None


def digests(slack: FakeSlackApi) -> list[str]:
    return [m["ts"] for m in slack.top_level(CHANNEL.channel_id) if HEADING in str(m)]


async def test_a_weekly_digest_is_posted_once_across_a_sigkill_mid_post(
    tmp_path: Path, feed: FakeFeed, slack: FakeSlackApi
) -> None:
    config = write_config(
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
    db = tmp_path / "run.db"
    await subscribe_weekly(db)
    gate = slack.held["chat.postMessage"] = asyncio.Event()  # the post arrives, unanswered
    bot = await start_paperbot(config, SECRETS, "run", now=MONDAY_AFTER)
    await until(lambda: slack.calls("chat.postMessage"), bot)
    bot.send_signal(signal.SIGKILL)  # no cleanup: as a machine losing power
    async with asyncio.timeout(WAIT_S):
        await bot.wait()
    assert bot.returncode == -signal.SIGKILL
    assert "2026-W34" in {r.query.get("week") for r in feed.requests}  # the week's own list
    gate.set()  # Slack accepts the post the dead bot sent
    await slack.wait_until(digests)
    assert await weekly_state(db) is DeliveryState.POSTING  # the bot never heard back

    restart = MONDAY_AFTER + DEFAULT_LEASE + timedelta(minutes=1)  # the dead lease expired
    again = await start_paperbot(config, SECRETS, "run", now=restart)
    async with asyncio.timeout(WAIT_S):
        while await weekly_state(db) is not DeliveryState.POSTED:
            assert again.returncode is None, "paperbot exited"
            await asyncio.sleep(0.05)
    await stop_cleanly(again, *SECRETS.values())
    assert await weekly_state(db) is DeliveryState.POSTED
    [ts] = digests(slack)  # once
    tops = [c for c in slack.calls("chat.postMessage") if "thread_ts" not in c]
    assert len(tops) == 1, "the restarted bot found the post; it did not send it again"
    assert slack.calls("conversations.history"), "by looking for it"
    assert slack.replies(CHANNEL.channel_id, ts), "then finished the digest in its thread"
    assert "EnvHarness" in str(slack.top_level(CHANNEL.channel_id))  # the week's top paper
    store = await SqliteStore.open(db)
    try:
        [record] = await store.latest_deliveries(CHANNEL, 1, Cadence.WEEKLY)
    finally:
        await store.close()
    assert record.cadence is Cadence.WEEKLY
    assert record.message_ids[0] == ts
