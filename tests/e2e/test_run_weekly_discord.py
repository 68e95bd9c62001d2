"""A weekly digest in `paperbot run` on Discord, as a real process SIGKILLed mid-post: Discord
accepted the digest's first message but the bot died before it heard so. The restarted bot
(after the dead one's lease expired, and past Discord's nonce window, so a resent nonce would
not be recognised) finds the message by the mark in its footer, in the channel's history, and
finishes the digest: the week is posted once.

The week is the fixture day's ISO week (2026-W34, 17 to 23 August); the bot's clock stands on
the Monday after it, an hour past the channel's weekly post time. The real discord.py client
talks to the loopback fake (tests/fakes/discord_api.py).
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.delivery.worker import DEFAULT_LEASE
from bot.records.delivery import DeliveryState
from bot.records.models import Cadence, ChannelRef, ChannelSettings, Subscription
from bot.storage.sqlite.store import SqliteStore
from tests.e2e.run_support import WAIT_S, start_paperbot, until, write_config
from tests.fakes.discord_api import NONCE_WINDOW_S, FakeDiscord
from tests.fakes.feed_server import FakeFeed
from tests.fakes.pacing import VirtualTime

pytestmark = pytest.mark.slow
TOKEN_ENV = "TEST_DISCORD_TOKEN"
MONDAY_AFTER = datetime(2026, 8, 24, 10, 0, tzinfo=UTC)  # W34's weekly post was at 09:00
# The dead one's lease expired, and Discord's nonce window (longer) closed
RESTART = (
    MONDAY_AFTER + max(DEFAULT_LEASE, timedelta(seconds=NONCE_WINDOW_S)) + timedelta(minutes=1)
)
HEADING = "Best papers of week 34 of 2026"


@pytest.fixture
async def discord_time() -> VirtualTime:
    """The fake's clock for its nonce window: it moves only when the test moves it."""
    return VirtualTime()


@pytest.fixture
async def discord(discord_time: VirtualTime) -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord(clock=discord_time.monotonic)
    await fake.start()
    yield fake
    await fake.close()


def _channel(fake: FakeDiscord) -> ChannelRef:
    return ChannelRef("discord", str(fake.guild.channel_id), str(fake.guild.id))


async def subscribe_weekly(db: Path, channel: ChannelRef) -> None:
    settings = ChannelSettings(post_time=time(9, 0), cadences=(Cadence.WEEKLY,), weekly_day=0)
    store = await SqliteStore.open(db)
    try:
        await store.save_subscription(Subscription(channel, settings=settings))
    finally:
        await store.close()


async def weekly_state(db: Path, channel: ChannelRef) -> DeliveryState | None:
    store = await SqliteStore.open(db)
    try:
        records = await store.latest_deliveries(channel, 1, Cadence.WEEKLY)
    finally:
        await store.close()
    return records[0].state if records else None


def digests(fake: FakeDiscord) -> list[dict[str, Any]]:
    """Top-level messages in the channel showing the week's heading."""
    channel_id = str(fake.guild.channel_id)
    return [m for m in fake.created if m["channel_id"] == channel_id and HEADING in str(m)]


async def test_a_weekly_digest_is_posted_once_on_discord_across_a_sigkill_mid_post(
    tmp_path: Path, feed: FakeFeed, discord: FakeDiscord, discord_time: VirtualTime
) -> None:
    channel = _channel(discord)
    config = write_config(
        tmp_path,
        feed,
        f"""[discord]
enabled = true
token_env = "{TOKEN_ENV}"
api_base_url = "{discord.base_url}"
gateway_url = "{discord.gateway_url}"
""",
    )
    secrets = {TOKEN_ENV: discord.token}
    db = tmp_path / "run.db"
    await subscribe_weekly(db, channel)
    posts = rf"^/channels/{channel.channel_id}/messages$"
    gate = discord.hold("POST", posts)  # the first part arrives, unanswered
    bot = await start_paperbot(config, secrets, "run", now=MONDAY_AFTER)
    await until(discord.messages, bot)
    bot.send_signal(signal.SIGKILL)  # no cleanup: as a machine losing power
    async with asyncio.timeout(WAIT_S):
        await bot.wait()
    assert bot.returncode == -signal.SIGKILL
    assert "2026-W34" in {r.query.get("week") for r in feed.requests}  # the week's own list
    gate.set()  # Discord accepts the message the dead bot sent
    async with asyncio.timeout(WAIT_S):
        await discord.wait_for(lambda fake: bool(digests(fake)))
    assert await weekly_state(db, channel) is DeliveryState.POSTING  # never heard back
    [sent] = discord.messages()
    assert sent.body["nonce"]
    assert sent.body["enforce_nonce"] is True

    # Discord's clock moves as the bot's does: past the nonce window, a resent nonce is new.
    discord_time.now += (RESTART - MONDAY_AFTER).total_seconds()
    assert discord_time.now > NONCE_WINDOW_S
    history_before = len(discord.requests)
    again = await start_paperbot(config, secrets, "run", now=RESTART)
    async with asyncio.timeout(WAIT_S):
        while await weekly_state(db, channel) is not DeliveryState.POSTED:
            assert again.returncode is None, "paperbot exited"
            await asyncio.sleep(0.05)
    again.send_signal(signal.SIGTERM)
    async with asyncio.timeout(WAIT_S):
        _, stderr = await again.communicate()
    log = stderr.decode()
    assert again.returncode == 0, log
    assert discord.token not in log

    [top] = digests(discord)  # once
    assert len(discord.messages()) == 1, "the restarted bot found the post; it did not resend"
    looked = [
        r
        for r in discord.requests[history_before:]
        if r.method == "GET" and r.path == f"/channels/{channel.channel_id}/messages"
    ]
    assert looked, "by reading the channel's history"
    replies = discord.thread_messages(str(top["id"]))
    assert replies, "then finished the digest in its thread"
    assert "EnvHarness" in str(top["embeds"])  # the week's top paper
    store = await SqliteStore.open(db)
    try:
        [record] = await store.latest_deliveries(channel, 1, Cadence.WEEKLY)
    finally:
        await store.close()
    assert record.state is DeliveryState.POSTED, log
    assert record.cadence is Cadence.WEEKLY
    assert record.message_ids[0] == str(top["id"])
    assert record.message_ids == (str(top["id"]),)
    assert record.thread_replies[0] == len(replies)
