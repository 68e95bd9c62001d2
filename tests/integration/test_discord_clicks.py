"""👍 and 🔖 clicks as MESSAGE_COMPONENT interactions from the fake gateway through the real
discord.py client (its DynamicItem dispatch) to the real VoteService on a SQLite file:
a vote edits the clicked message's buttons (UPDATE_MESSAGE), a save answers privately, a
forged id gets nothing, and a click on a message posted before a restart still counts.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from adapters.discord import DiscordPlatform
from bot.commands.clicks import PAUSED, VoteService
from bot.records.chat import CommandContext, Reply
from bot.records.clock import FixedClock
from bot.records.models import ChannelRef, Subscription
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.discord_api import FakeDiscord, Recorded
from tests.fakes.discord_payloads import FakeUser
from tests.fakes.discord_setup import WAIT_S, config_for, fake_discord, no_sleep, serving
from tests.fakes.slack_digests import digest_of, real_papers

NOW = datetime(2026, 8, 22, 9, 0, tzinfo=UTC)
ADA = FakeUser(666_666_666_666_666_666, "ada")
GRACE = FakeUser(777_777_777_777_777_777, "grace")
EPHEMERAL = 64


async def no_commands(ctx: CommandContext, text: str) -> Reply:
    return Reply("unused")


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with fake_discord() as made:
        yield made


@pytest.fixture
async def store(tmp_path: Path, fake: FakeDiscord) -> AsyncIterator[SqliteStore]:
    opened = await SqliteStore.open(tmp_path / "votes.db")
    await opened.upsert_papers(real_papers())
    await opened.save_subscription(Subscription(here(fake)))
    yield opened
    await opened.close()


def here(fake: FakeDiscord) -> ChannelRef:
    return ChannelRef("discord", str(fake.guild.channel_id), str(fake.guild.id))


def platform_for(fake: FakeDiscord, store: SqliteStore) -> DiscordPlatform:
    votes = VoteService(store, FixedClock(NOW))
    return DiscordPlatform(
        config_for(fake), sleep=no_sleep, guild_ready_timeout=0.0, clicks=votes.click
    )


@pytest.fixture
async def platform(fake: FakeDiscord, store: SqliteStore) -> AsyncIterator[DiscordPlatform]:
    made = platform_for(fake, store)
    async with serving(made, no_commands):
        yield made


async def post_digest(fake: FakeDiscord, platform: DiscordPlatform) -> dict[str, Any]:
    """A three-paper digest posted through the platform; the message as the fake holds it."""
    digest = digest_of(real_papers()[:3])
    await platform.post_digest(here(fake), digest, idempotency_key="clicks", first_attempt=True)
    [message] = [m for m in fake.created if m["channel_id"] == str(fake.guild.channel_id)]
    return message


async def answer(fake: FakeDiscord, token: str) -> Recorded:
    """The interaction callback answering the click with `token`."""

    def answers(f: FakeDiscord) -> list[Recorded]:
        return [r for r in f.interaction_replies() if token in r.path]

    async with asyncio.timeout(WAIT_S):
        await fake.wait_for(lambda f: bool(answers(f)))
    [reply] = answers(fake)
    return reply


def labels(components: list[dict[str, Any]]) -> list[str]:
    return [b["label"] for row in components for b in row["components"]]


async def test_a_vote_updates_the_buttons_in_place_and_a_second_click_takes_it_back(
    fake: FakeDiscord, platform: DiscordPlatform
) -> None:
    message = await post_digest(fake, platform)
    assert labels(message["components"])[:4] == ["1. 👍", "1. 🔖 Save", "2. 👍", "2. 🔖 Save"]
    vote = f"pb:v:{real_papers()[1].arxiv_id}"
    reply = await answer(fake, await fake.click(message, vote, ADA))
    assert reply.body["type"] == 7  # UPDATE_MESSAGE
    assert labels(reply.body["data"]["components"])[2] == "2. 👍 1"
    assert labels(message["components"])[2] == "2. 👍 1"  # the fake applied the update
    await answer(fake, await fake.click(message, vote, GRACE))
    assert labels(message["components"])[2] == "2. 👍 2"
    reply = await answer(fake, await fake.click(message, vote, ADA))
    assert labels(reply.body["data"]["components"]) == labels(message["components"])
    assert labels(message["components"])[:4] == ["1. 👍", "1. 🔖 Save", "2. 👍 1", "2. 🔖 Save"]
    assert len(fake.messages()) == 1  # a click never posts in the channel


async def test_a_save_answers_privately_and_leaves_the_message_alone(
    fake: FakeDiscord, platform: DiscordPlatform, store: SqliteStore
) -> None:
    message = await post_digest(fake, platform)
    before = labels(message["components"])
    paper = real_papers()[0]
    reply = await answer(fake, await fake.click(message, f"pb:s:{paper.arxiv_id}", ADA))
    assert reply.body["type"] == 4
    assert reply.body["data"]["flags"] & EPHEMERAL
    assert reply.body["data"]["content"].startswith("Saved “")
    assert labels(message["components"]) == before
    saved = await store.saved_papers(f"discord::{ADA.id}", 10)
    assert [p.arxiv_id for p in saved] == [paper.arxiv_id]


async def test_a_forged_custom_id_gets_no_answer_and_no_traceback(
    fake: FakeDiscord, platform: DiscordPlatform, caplog: pytest.LogCaptureFixture
) -> None:
    message = await post_digest(fake, platform)
    forged = {**message, "components": [_row("pb:v:../../etc"), _row("pb:x:2608.19880")]}
    with caplog.at_level(logging.DEBUG):
        await fake.click(forged, "pb:v:../../etc", ADA)
        await fake.click(forged, "pb:x:2608.19880", ADA)
        # a click matching our template comes after them: when it is answered, they were seen
        await answer(fake, await fake.click(message, f"pb:s:{real_papers()[0].arxiv_id}", ADA))
    assert len(fake.interaction_replies()) == 1
    assert not [r for r in caplog.records if r.exc_info]


async def test_a_vote_in_a_paused_channel_gets_the_short_private_line(
    fake: FakeDiscord, platform: DiscordPlatform, store: SqliteStore
) -> None:
    message = await post_digest(fake, platform)
    subscription = await store.get_subscription(here(fake))
    assert subscription is not None
    await store.save_subscription(replace(subscription, paused_reason="Missing Access"))
    reply = await answer(fake, await fake.click(message, f"pb:v:{real_papers()[0].arxiv_id}", ADA))
    assert reply.body["type"] == 4
    assert reply.body["data"]["content"] == PAUSED
    assert reply.body["data"]["flags"] & EPHEMERAL
    assert labels(message["components"])[0] == "1. 👍"


async def test_a_vote_survives_a_restart(fake: FakeDiscord, store: SqliteStore) -> None:
    """A new client (no view in memory) answers a click on a message the first posted:
    the DynamicItem registered at start matches the custom_id."""
    first = platform_for(fake, store)
    async with serving(first, no_commands):
        message = await post_digest(fake, first)
    vote = f"pb:v:{real_papers()[2].arxiv_id}"
    second = platform_for(fake, store)
    async with serving(second, no_commands):
        reply = await answer(fake, await fake.click(message, vote, ADA))
    assert reply.body["type"] == 7
    assert labels(message["components"])[4] == "3. 👍 1"
    paper = real_papers()[2].arxiv_id
    assert await store.vote_counts(await store.vote_key(here(fake).key), [paper]) == {paper: 1}


def _row(custom_id: str) -> dict[str, Any]:
    return {
        "type": 1,
        "components": [{"type": 2, "style": 1, "label": "👍", "custom_id": custom_id}],
    }
