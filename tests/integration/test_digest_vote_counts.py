"""A digest posted by the real DeliveryRunner shows the channel's 👍 counts on its buttons:
a paper voted on before the post (in `/papers today`, say) reads "👍 2", on Slack (blocks
sent to the fake Web API) and on Discord (components sent to the fake REST API), with the
platforms given `vote_counts` as bot/app/bootstrap.py gives it, a real SQLite file, and votes
cast through VoteService.click.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time
from pathlib import Path
from typing import Any

import pytest

from adapters.discord import DiscordPlatform
from adapters.slack.platform import SlackPlatform
from bot.commands.clicks import VoteService
from bot.config.load import DeliveryConfig, SlackConfig
from bot.delivery.runner import DeliveryRunner
from bot.ports import ChatPlatform
from bot.records.chat import Click
from bot.records.clock import FixedClock
from bot.records.errors import StoreError
from bot.records.models import ChannelRef, ChannelSettings, Paper, Subscription, WeekdayPolicy
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.discord_setup import config_for, fake_discord, no_sleep
from tests.fakes.pacing import slack_pacing
from tests.fakes.slack_api import FakeSlackApi

MONDAY = date(2024, 5, 13)
TUESDAY_7 = datetime(2024, 5, 14, 7, 0, tzinfo=UTC)
VOTED = "2405.00002"


class NoRefresh:
    async def refresh_day(self, day: date) -> int:
        return 0  # the day's list is already in the store


def paper(n: int, upvotes: int) -> Paper:
    published = datetime.combine(MONDAY, time(0, 0), tzinfo=UTC)
    return Paper(
        f"2405.{n:05d}", f"Paper {n}", "Abstract.", ("A. Author",), published, MONDAY, upvotes
    )


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    opened = await SqliteStore.open(tmp_path / "paperbot.db")
    await opened.upsert_papers([paper(1, 30), paper(2, 20), paper(3, 10)])
    yield opened
    await opened.close()


async def subscribe_and_vote(store: SqliteStore, votes: VoteService, channel: ChannelRef) -> None:
    settings = ChannelSettings(time(7, 0), "UTC", weekday_policy=WeekdayPolicy.DAILY)
    await store.save_subscription(Subscription(channel, (), settings))
    for user in ("U1", "U2"):
        answer = await votes.click(Click(channel, user, f"pb:v:{VOTED}"))
        assert answer.vote_count is not None


async def deliver(store: SqliteStore, platform: ChatPlatform) -> None:
    runner = DeliveryRunner(
        store,
        NoRefresh(),
        {platform.name: platform},
        FixedClock(TUESDAY_7),
        DeliveryConfig(concurrency=1),
    )
    assert await runner.run_due() == {"posted": 1}


def slack_vote_labels(blocks: list[dict[str, Any]]) -> dict[str, str]:
    return {
        e["action_id"].removeprefix("pb:v:"): e["text"]["text"]
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith("pb:v:")
    }


def discord_vote_labels(components: list[dict[str, Any]]) -> dict[str, str]:
    return {
        b["custom_id"].removeprefix("pb:v:"): b["label"]
        for row in components
        for b in row["components"]
        if b["custom_id"].startswith("pb:v:")
    }


async def test_a_slack_digest_shows_the_votes_cast_before_it_was_posted(
    store: SqliteStore,
) -> None:
    fake = FakeSlackApi()
    await fake.start()
    channel = ChannelRef("slack", "C0PAPERS", "T0TEAM")
    fake.add_channel(channel.channel_id)
    votes = VoteService(store, FixedClock(TUESDAY_7))
    config = SlackConfig(
        enabled=True, bot_token="xoxb-test", app_token="xapp-x", api_base_url=fake.base_url
    )
    platform = SlackPlatform(
        config, sleep=no_sleep, timeout_s=2.0, vote_counts=votes.counts, pacing=slack_pacing()
    )
    try:
        await subscribe_and_vote(store, votes, channel)
        await deliver(store, platform)
        [top] = fake.top_level(channel.channel_id)
        labels = slack_vote_labels(top["blocks"])
    finally:
        await fake.close()
    assert labels == {"2405.00001": "👍", VOTED: "👍 2", "2405.00003": "👍"}


async def test_a_discord_digest_shows_the_votes_cast_before_it_was_posted(
    store: SqliteStore,
) -> None:
    async with fake_discord() as fake:
        channel = ChannelRef("discord", str(fake.guild.channel_id), str(fake.guild.id))
        votes = VoteService(store, FixedClock(TUESDAY_7))
        platform = DiscordPlatform(config_for(fake), sleep=no_sleep, vote_counts=votes.counts)
        try:
            await subscribe_and_vote(store, votes, channel)
            await deliver(store, platform)
        finally:
            await platform.stop()
        [post] = fake.messages()
    labels = discord_vote_labels(post.body["components"])
    assert labels == {"2405.00001": "1. 👍", VOTED: "2. 👍 2", "2405.00003": "3. 👍"}


async def test_a_store_that_cannot_count_votes_does_not_hold_up_the_post(
    store: SqliteStore,
) -> None:
    async def failing_counts(channel: ChannelRef, arxiv_ids: object) -> dict[str, int]:
        raise StoreError("database is locked")

    async with fake_discord() as fake:
        channel = ChannelRef("discord", str(fake.guild.channel_id), str(fake.guild.id))
        votes = VoteService(store, FixedClock(TUESDAY_7))
        platform = DiscordPlatform(config_for(fake), sleep=no_sleep, vote_counts=failing_counts)
        try:
            await subscribe_and_vote(store, votes, channel)
            await deliver(store, platform)
        finally:
            await platform.stop()
        [post] = fake.messages()
    assert set(discord_vote_labels(post.body["components"]).values()) == {
        "1. 👍",
        "2. 👍",
        "3. 👍",
    }
