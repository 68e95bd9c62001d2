"""How many digests the shipped config posts at once: each platform's own figure, derived
from its documented rate limits, unless `[delivery] concurrency` names one."""

from __future__ import annotations

import asyncio
import contextlib
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest

from adapters.discord.pacing import DiscordLimits
from adapters.slack.pacing import SlackLimits
from bot.chat.pacing import Limit, digests_at_once
from bot.config.load import DeliveryConfig, load_config
from bot.delivery.runner import DeliveryRunner
from bot.records.clock import FixedClock
from bot.records.digest import Digest
from bot.records.errors import ConfigError
from bot.records.models import ChannelRef, ChannelSettings, Paper, PostReceipt, Subscription
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.memory_platform import MemoryPlatform

DAY = date(2024, 5, 13)
NOW = datetime(2024, 5, 14, 7, 0, tzinfo=UTC)


class CountingPlatform(MemoryPlatform):
    """Counts the posts in flight at once. Posts wait (as behind a rate limit) until `expect`
    are in flight, so every worker there is gets to post; a bounded wait ends the test with
    a failed assertion, not a hang, when fewer come."""

    def __init__(self, width: int, expect: int) -> None:
        super().__init__("slack")
        self.digests_at_once = width
        self.expect = expect
        self.in_flight = 0
        self.most = 0
        self.crowd = asyncio.Event()

    async def post_digest(self, channel: ChannelRef, digest: Digest, **kwargs: Any) -> PostReceipt:
        self.in_flight += 1
        self.most = max(self.most, self.in_flight)
        if self.in_flight >= self.expect:
            self.crowd.set()
        try:
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.crowd.wait(), 3.0)
            return await super().post_digest(channel, digest, **kwargs)
        finally:
            self.in_flight -= 1


class Listed:
    async def refresh_day(self, day: date) -> int:
        return 0


async def _fan_out(
    tmp_path: Path, config: DeliveryConfig, width: int, expect: int
) -> CountingPlatform:
    store = await SqliteStore.open(tmp_path / "fanout.db")
    try:
        paper = Paper(
            arxiv_id="2405.00001",
            title="Agents that plan",
            abstract="We study things.",
            authors=("A. Author",),
            published_at=datetime.combine(DAY, time(0, 0), tzinfo=UTC),
            listed_on=DAY,
            upvotes=10,
        )
        await store.upsert_papers([paper])
        await store.record_fetch(DAY, 1, NOW)
        settings = ChannelSettings(post_time=time(7, 0), timezone="UTC")
        for n in range(30):
            channel = ChannelRef("slack", f"C{n:03}", "T1")
            await store.save_subscription(Subscription(channel, settings=settings))
        platform = CountingPlatform(width, expect)
        runner = DeliveryRunner(store, Listed(), {"slack": platform}, FixedClock(NOW), config)
        outcomes = await runner.run_due()
        assert outcomes["posted"] == 30
        return platform
    finally:
        await store.close()


async def test_the_shipped_config_posts_as_many_at_once_as_the_platform_says(
    tmp_path: Path,
) -> None:
    assert load_config("", {}).delivery.concurrency == 0  # the shipped default: derived
    platform = await _fan_out(tmp_path, DeliveryConfig(), width=12, expect=12)
    assert platform.most == 12


async def test_a_configured_concurrency_overrides_the_platforms_figure(tmp_path: Path) -> None:
    platform = await _fan_out(tmp_path, DeliveryConfig(concurrency=3), width=12, expect=3)
    assert platform.most == 3


def test_the_config_accepts_0_and_refuses_below() -> None:
    text = "[delivery]\nconcurrency = {}\n"
    assert load_config(text.format(0), {}).delivery.concurrency == 0
    with pytest.raises(ConfigError, match="from 0 to 256"):
        load_config(text.format(-1), {})


def test_workers_keep_the_global_limit_the_bound() -> None:
    """The global rate over a channel's, times the messages a digest sends to a channel."""
    assert digests_at_once(Limit(50.0), Limit(1.0), 2) == 100
    assert digests_at_once(Limit(10.0), Limit(5.0), 3) == 6
    assert digests_at_once(Limit(0.5), Limit(1.0), 1) == 1  # never 0 workers


def test_both_platforms_default_to_more_workers_than_their_limit_needs() -> None:
    """Slack: 47.5 posts/s per workspace at 1/s per channel, top message and thread reply;
    Discord: 47.5 requests/s per bot, at most 1/s sustained per channel, message and thread
    start. Each well above the 64 the benchmarks measured at 0.9 of the allowed rate or
    more (docs/benchmarks.md, "Fan-out through the real adapters at the shipped defaults")."""
    assert SlackLimits().digests_at_once == 96
    assert DiscordLimits().digests_at_once == 96
    assert DeliveryConfig().concurrency == 0
