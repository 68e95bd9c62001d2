"""Hugging Face artifacts on both platforms, through the real clients against the fakes: the
real slack-sdk AsyncWebClient against the fake Slack Web API and the real discord.py client
against the fake Discord, the real HfArtifactsSource against the fake Hub lists, real runners
on a real SQLite file.

The post counts the repos linked when it went out, with links, and its details thread lists
them; a first model (dataset, Space) linked days later is one short follow-up reply in the
digest's thread, once per kind, never twice.
"""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.discord import DiscordPlatform
from adapters.slack.platform import SlackPlatform
from bot.config.load import DEFAULT_USER_AGENT, DeliveryConfig, HuggingFaceConfig, SlackConfig
from bot.delivery.runner import DeliveryRunner
from bot.lifecycle.artifacts import ArtifactsRunner
from bot.lifecycle.followups import FollowupRunner
from bot.lifecycle.settle import SettleRunner
from bot.ports import ChatPlatform
from bot.records.clock import FixedClock
from bot.records.models import ChannelRef, ChannelSettings, Paper, Subscription, WeekdayPolicy
from bot.sources.hf_artifacts import HfArtifactsSource
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.discord_setup import config_for, fake_discord
from tests.fakes.discord_setup import no_sleep as discord_no_sleep
from tests.fakes.feed_server import FakeFeed
from tests.fakes.pacing import slack_pacing
from tests.fakes.slack_api import FakeSlackApi

DAY = date(2024, 5, 13)
POST_AT = datetime(2024, 5, 14, 7, 0, tzinfo=UTC)
TOP, SECOND = "2405.00002", "2405.00001"
HUB = "https://huggingface.co/"


def paper(arxiv_id: str, title: str, upvotes: int) -> Paper:
    published = datetime.combine(DAY, time(0, 0), tzinfo=UTC)
    return Paper(arxiv_id, title, "Abstract.", ("A. Author",), published, DAY, upvotes=upvotes)


PAPERS = [paper(SECOND, "Agents that plan", 40), paper(TOP, "Agents that remember", 280)]


class Source:
    def __init__(self, store: SqliteStore) -> None:
        self.store = store

    async def refresh_day(self, day: date) -> int:
        return await self.store.upsert_papers(PAPERS)


async def no_sleep(_seconds: float) -> None:
    return None


@dataclass
class World:
    platform: ChatPlatform
    channel: ChannelRef
    store: SqliteStore
    clock: FixedClock
    feed: FakeFeed
    artifacts: ArtifactsRunner
    top_message: Callable[[str], dict[str, Any]]  # the digest's first message, by id
    thread: Callable[[str], list[dict[str, Any]]]  # the messages in its thread

    async def post(self) -> str:
        platforms = {self.channel.platform: self.platform}
        runner = DeliveryRunner(
            self.store,
            Source(self.store),
            platforms,
            self.clock,
            DeliveryConfig(),
            artifacts=self.artifacts.for_papers,
        )
        assert await runner.run_due() == {"posted": 1}
        record = await self.store.get_delivery(self.channel, DAY)
        assert record is not None
        return record.message_ids[0]

    async def sweep(self) -> dict[str, int]:
        """The sweep's after-the-digests order: artifacts, then follow-ups."""
        await self.artifacts.run_due()
        platforms = {self.channel.platform: self.platform}
        runner = FollowupRunner(self.store, platforms, self.clock, DeliveryConfig())
        return dict(await runner.run_due())

    def settler(self) -> SettleRunner:
        platforms = {self.channel.platform: self.platform}
        config = DeliveryConfig(settle_concurrency=1)
        return SettleRunner(self.store, Source(self.store), platforms, self.clock, config)

    def followups(self, message_id: str) -> list[str]:
        found = [json.dumps(m, ensure_ascii=False) for m in self.thread(message_id)]
        return [m for m in found if "on Hugging Face for" in m]


@pytest.fixture(params=["slack", "discord"])
async def world(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[World]:
    async with FakeFeed(fixtures=False) as feed:
        store = await SqliteStore.open(tmp_path / "paperbot.db")
        clock = FixedClock(POST_AT)
        source = HfArtifactsSource(HuggingFaceConfig(base_url=feed.url), DEFAULT_USER_AGENT)
        artifacts = ArtifactsRunner(store, source, clock, DeliveryConfig())
        settings = ChannelSettings(time(7, 0), "UTC", weekday_policy=WeekdayPolicy.DAILY)
        try:
            if request.param == "slack":
                async with slack_world(store, clock, feed, artifacts) as world:
                    await store.save_subscription(Subscription(world.channel, (), settings))
                    yield world
            else:
                async with discord_world(store, clock, feed, artifacts) as world:
                    await store.save_subscription(Subscription(world.channel, (), settings))
                    yield world
        finally:
            await source.aclose()
            await store.close()


class slack_world:  # an async context manager, used like a function
    def __init__(
        self, store: SqliteStore, clock: FixedClock, feed: FakeFeed, artifacts: ArtifactsRunner
    ) -> None:
        self.args = (store, clock, feed, artifacts)
        self.fake = FakeSlackApi()

    async def __aenter__(self) -> World:
        await self.fake.start()
        channel = ChannelRef("slack", "C0PAPERS", "T0TEAM")
        self.fake.add_channel(channel.channel_id)
        store, clock, feed, artifacts = self.args
        config = SlackConfig(
            enabled=True, bot_token="xoxb-test", app_token="xapp-x", api_base_url=self.fake.base_url
        )
        platform = SlackPlatform(
            config, clock=clock, sleep=no_sleep, timeout_s=2.0, pacing=slack_pacing()
        )
        fake = self.fake

        def top(ts: str) -> dict[str, Any]:
            return next(m for m in fake.top_level(channel.channel_id) if m["ts"] == ts)

        def thread(ts: str) -> list[dict[str, Any]]:
            return fake.replies(channel.channel_id, ts)

        return World(platform, channel, store, clock, feed, artifacts, top, thread)

    async def __aexit__(self, *_exc: object) -> None:
        await self.fake.close()


class discord_world:  # an async context manager, used like a function
    def __init__(
        self, store: SqliteStore, clock: FixedClock, feed: FakeFeed, artifacts: ArtifactsRunner
    ) -> None:
        self.args = (store, clock, feed, artifacts)
        self.fake_cm = fake_discord()
        self.platform: DiscordPlatform | None = None

    async def __aenter__(self) -> World:
        fake = await self.fake_cm.__aenter__()
        store, clock, feed, artifacts = self.args
        self.platform = DiscordPlatform(
            config_for(fake), sleep=discord_no_sleep, attempts=3, clock=clock
        )
        channel = ChannelRef("discord", str(fake.guild.channel_id), str(fake.guild.id))

        def top(message_id: str) -> dict[str, Any]:
            return next(m for m in fake.created if m["id"] == message_id)

        return World(
            self.platform, channel, store, clock, feed, artifacts, top, fake.thread_messages
        )

    async def __aexit__(self, *exc: object) -> None:
        if self.platform is not None:
            await self.platform.stop()
        await self.fake_cm.__aexit__(None, None, None)


async def test_the_post_counts_the_linked_repos_with_links_and_its_thread_lists_them(
    world: World,
) -> None:
    world.feed.serve_artifacts(
        TOP, models=["org/remember-7b"], datasets=["org/traces", "org/traces-2"]
    )
    message_id = await world.post()
    post = json.dumps(world.top_message(message_id), ensure_ascii=False)
    assert "1 model" in post
    assert HUB + "org/remember-7b" in post
    assert "2 datasets" in post
    assert HUB + f"datasets?other=arxiv:{TOP}" in post
    assert "Space" not in post  # none linked: not shown
    details = json.dumps(world.thread(message_id), ensure_ascii=False)
    assert HUB + "datasets/org/traces-2" in details


async def test_a_first_model_then_a_first_space_are_one_reply_each_and_never_again(
    world: World,
) -> None:
    message_id = await world.post()  # looked up before it: none linked (the baseline)
    assert await world.sweep() == {}
    world.feed.serve_artifacts(SECOND, models=["org/planner-7b", "org/planner-70b"])
    world.clock.set(POST_AT + timedelta(hours=6))  # the look-ups are due again
    assert await world.sweep() == {"events": 1, "replies": 1}
    [reply] = world.followups(message_id)
    assert "First model on Hugging Face for" in reply
    assert HUB + "org/planner-7b" in reply

    world.feed.serve_artifacts(SECOND, models=["org/planner-7b", "org/more"], spaces=["o/demo"])
    world.clock.set(POST_AT + timedelta(hours=12))
    assert await world.sweep() == {"events": 1, "replies": 1}  # the Space; not the 3rd model
    _, second = world.followups(message_id)
    assert "First Space on Hugging Face" in second
    assert HUB + "spaces/o/demo" in second
    world.clock.set(POST_AT + timedelta(hours=18))
    assert await world.sweep() == {}
    assert len(world.followups(message_id)) == 2


async def test_a_model_linked_after_the_post_shows_in_the_settled_post(world: World) -> None:
    message_id = await world.post()
    assert await world.settler().run_due() == {}  # plans the 24 h and 7 d edits
    assert "model" not in json.dumps(world.top_message(message_id), ensure_ascii=False)
    world.feed.serve_artifacts(TOP, models=["org/remember-7b"])
    world.clock.set(POST_AT + timedelta(hours=24))
    await world.sweep()  # artifacts first, as the scheduler's sweep runs them
    assert await world.settler().run_due() == {"done": 1}
    edited = json.dumps(world.top_message(message_id), ensure_ascii=False)
    assert "1 model" in edited
    assert HUB + "org/remember-7b" in edited
