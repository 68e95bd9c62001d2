"""End to end on Discord: `/papers subscribe` through the fake gateway into the real discord.py
client and the real Commands, SQLite store and sources (the fake Hugging Face feed serving the
fixture day plus one hostile paper), then the day's digest posted by the real DeliveryRunner
through discord.py's REST client to the fake Discord, whose recorded embeds are checked.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from adapters.discord import DiscordPlatform
from bot.commands.handler import Commands
from bot.commands.wording import MANAGERS_ONLY
from bot.config.load import ArxivConfig, DeliveryConfig, HuggingFaceConfig
from bot.delivery.runner import DeliveryRunner
from bot.digest.service import PaperService
from bot.records.clock import FixedClock
from bot.records.delivery import DeliveryState
from bot.records.models import ChannelRef, ChannelSettings, Topic, TopicKind
from bot.sources.arxiv import ArxivSource
from bot.sources.huggingface import HuggingFaceSource
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.discord_api import Failure, FakeDiscord, Recorded
from tests.fakes.discord_checks import all_text, assert_nothing_live, assert_within_limits
from tests.fakes.discord_payloads import (
    MANAGER_PERMISSIONS,
    MEMBER_PERMISSIONS,
    FakeUser,
    slash_command,
)
from tests.fakes.discord_setup import WAIT_S, config_for, fake_discord, serving
from tests.fakes.feed_server import FakeFeed, hf_fixture

DAY = date(2026, 8, 21)
NOW = datetime(2026, 8, 22, 10, 0, tzinfo=UTC)  # the list for 2026-08-21 has closed
HOSTILE_TITLE = "Agents @everyone <@123456789012345678> **bold** [link](https://evil) `code`"
ADA = FakeUser(666_666_666_666_666_666, "ada")
_ids = itertools.count(800_000_000_000_000_001)


def hostile_item(template: dict[str, Any]) -> dict[str, Any]:
    item = copy.deepcopy(template)
    item["paper"].update(
        id="2608.99999",
        title=HOSTILE_TITLE,
        summary="We study @here agents. " + item["paper"]["summary"],
        upvotes=10_000,
        ai_summary="Agents ping <@&123456789012345678> and **shout**.",
    )
    item["paper"]["authors"] = [{"name": "@everyone"}, {"name": "`Ann`"}]
    item["title"] = HOSTILE_TITLE
    return item


@dataclass
class World:
    discord: FakeDiscord
    platform: DiscordPlatform
    service: PaperService
    runner: DeliveryRunner
    channel: ChannelRef

    async def slash(
        self,
        subcommand: str,
        permissions: int = MANAGER_PERMISSIONS,
        *,
        replies: int = 1,
        **options: Any,
    ) -> list[Recorded]:
        interaction_id = next(_ids)
        focused = options.pop("_focused", None)
        payload = slash_command(
            interaction_id=interaction_id,
            app_id=self.discord.app_id,
            guild=self.discord.guild,
            user=ADA,
            permissions=permissions,
            subcommand=subcommand,
            options=options,
            focused=focused,
        )
        await self.discord.dispatch("INTERACTION_CREATE", payload)
        token = f"interaction-token-{interaction_id}"

        def answers(fake: FakeDiscord) -> list[Recorded]:
            return [r for r in fake.interaction_replies() if token in r.path]

        async with asyncio.timeout(WAIT_S):
            await self.discord.wait_for(lambda f: len(answers(f)) >= replies)
        return answers(self.discord)


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with FakeFeed() as feed, fake_discord() as discord:
        items = hf_fixture(DAY)
        feed.serve_day(DAY, [*items, hostile_item(items[0])])
        store = await SqliteStore.open(tmp_path / "paperbot.db")
        hf = HuggingFaceSource(HuggingFaceConfig(base_url=feed.url), "paperbot-test")
        arxiv = ArxivSource(ArxivConfig(base_url=feed.arxiv_url, min_interval_s=0), "paperbot-test")
        clock = FixedClock(NOW)
        service = PaperService(store, hf, arxiv, clock, defaults=ChannelSettings(max_papers=10))

        async def topics_for(channel: ChannelRef) -> list[str]:
            subscription = await service.get_subscription(channel)
            return [str(t) for t in subscription.topics] if subscription else []

        platform = DiscordPlatform(
            config_for(discord), topics_for=topics_for, clock=clock, guild_ready_timeout=0.0
        )
        runner = DeliveryRunner(store, service, {"discord": platform}, clock, DeliveryConfig())
        channel = ChannelRef("discord", str(discord.guild.channel_id), str(discord.guild.id))
        try:
            async with serving(platform, Commands(service).handle):
                yield World(discord, platform, service, runner, channel)
        finally:
            await hf.aclose()
            await arxiv.aclose()
            await store.close()


async def test_subscribe_by_slash_command_then_the_digest_arrives_escaped(world: World) -> None:
    defer, answer = await world.slash("subscribe", replies=2, topics="agents")
    assert defer.body == {"type": 5}  # acked before the store: a public "thinking..."
    data = answer.body
    assert "agents" in data["content"]
    assert not data.get("flags")  # the channel sees who subscribed it
    assert data["allowed_mentions"] == {"parse": []}
    subscription = await world.service.get_subscription(world.channel)
    assert subscription is not None
    assert subscription.topics == (Topic(TopicKind.TERM, "agents"),)

    delivery = await world.runner.post_now(world.channel)
    assert delivery is not None
    assert delivery.state is DeliveryState.POSTED
    posts = world.discord.messages()
    channel_id = str(world.discord.guild.channel_id)
    tops = [m for m in world.discord.created if m["channel_id"] == channel_id]
    assert delivery.message_ids == tuple(m["id"] for m in tops)
    assert len(posts) == len(delivery.message_ids) >= 1
    for post in posts:
        assert post.body["allowed_mentions"] == {"parse": []}
        assert_within_limits(post.body)
        assert_nothing_live(post.body)
    text = "\n".join(all_text(p.body) for p in posts)
    assert "1. Agents @\u200beveryone \\<@\u200b123456789012345678> \\*\\*bold\\*\\*" in text
    assert "\\[link\\](https://evil) \\`code\\`" in text
    embeds = [e for p in posts for e in p.body["embeds"]]
    papers = [e for e in embeds if e.get("url")]
    assert [e["url"].rsplit("/", 1)[1] for e in papers] == list(delivery.paper_ids)
    for embed in papers:
        assert "\n*Why:* " in embed["description"]  # every paper here matched "agents"
        assert "[arXiv](https://arxiv.org/abs/" in embed["description"]
    replies = world.discord.thread_messages(delivery.message_ids[0])
    for reply in replies:  # the abstracts and authors, escaped as carefully
        assert_within_limits(reply)
        assert_nothing_live(reply)
    assert len(replies) == delivery.thread_replies[0] >= 1


async def test_a_resend_of_the_same_delivery_posts_nothing_new(world: World) -> None:
    await world.slash("subscribe", replies=2, topics="agents")
    delivery = await world.runner.post_now(world.channel)
    assert delivery is not None
    created = len(world.discord.created)
    digest = await world.service.digest_for(world.channel, DAY)
    again = await world.platform.post_digest(
        world.channel, digest, idempotency_key=delivery.idempotency_key
    )
    assert again.message_ids == delivery.message_ids
    assert len(world.discord.created) == created


async def test_a_member_without_manage_channels_cannot_subscribe(world: World) -> None:
    defer, answer = await world.slash("subscribe", MEMBER_PERMISSIONS, replies=2, topics="agents")
    assert defer.body == {"type": 5, "data": {"flags": 64}}  # private from the start
    data = answer.body
    assert data["content"].startswith(MANAGERS_ONLY.split()[0])
    assert data["flags"] == 64
    assert await world.service.get_subscription(world.channel) is None


async def test_today_is_deferred_then_the_digest_follows_privately(world: World) -> None:
    defer, *follow_ups = await world.slash("today", replies=2)
    assert defer.body == {"type": 5, "data": {"flags": 64}}
    first = follow_ups[0].body
    assert first["flags"] == 64
    assert "**Trending papers for Friday 21 August 2026**" in first["content"]
    assert_within_limits(first)
    assert_nothing_live(first)


async def test_unsubscribe_autocompletes_the_channels_stored_topics(world: World) -> None:
    await world.slash("subscribe", replies=2, topics='agents "world model"')
    [answer] = await world.slash("unsubscribe", topic="", _focused="topic")
    values = [c["value"] for c in answer.body["data"]["choices"]]
    assert values == ["agents", '"world model"', "all"]


async def test_missing_permissions_pauses_the_channel(world: World) -> None:
    await world.slash("subscribe", replies=2, topics="agents")
    world.discord.fail_next("POST", r"^/channels/\d+/messages$", Failure.discord_error(50013))
    delivery = await world.runner.post_now(world.channel)
    assert delivery is not None
    assert delivery.state is DeliveryState.PAUSED
    subscription = await world.service.get_subscription(world.channel)
    assert subscription is not None
    assert subscription.paused_reason is not None
    assert "50013" in subscription.paused_reason


async def test_similar_answers_with_the_papers_like_one_and_why(world: World) -> None:
    await world.slash("today", replies=2)  # the day's papers are fetched and stored
    twin = hf_fixture(DAY)[0]["paper"]  # the hostile paper's abstract is this one's
    defer, *answers = await world.slash("similar", replies=2, paper="2608.99999")
    assert defer.body == {"type": 5, "data": {"flags": 64}}
    body = answers[0].body
    assert body["flags"] == 64
    text = all_text(body)
    assert twin["title"][:40] in text
    fields = [f for embed in body.get("embeds", []) for f in embed.get("fields", [])]
    assert any(f["name"] == "Why this paper" and "shares" in f["value"] for f in fields)
    assert "arxiv.org/abs/2608.99999" not in text  # not its own answer (the header names it)
    assert_within_limits(body)
    assert_nothing_live(body)
