"""`/papers` from a DM with the bot (issue 21), as Discord sends it (no guild, a user, a DM
channel), through the real discord.py client against the fake gateway, to the real
Commands and MeVerbs on a SQLite file: `me` works there; a verb that needs a server
channel gets a short private line and the core is not asked."""

from __future__ import annotations

import asyncio
import itertools
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time
from pathlib import Path
from typing import Any

import pytest

from adapters.discord import DiscordPlatform
from bot.commands.handler import Commands
from bot.commands.me import MeVerbs
from bot.digest.service import PaperService
from bot.records.clock import FixedClock
from bot.records.models import ChannelRef, ChannelSettings, WeekdayPolicy
from bot.sources import SampleSource
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.discord_api import FakeDiscord, Recorded
from tests.fakes.discord_payloads import MEMBER_PERMISSIONS, FakeUser, slash_command
from tests.fakes.discord_setup import WAIT_S, config_for, fake_discord, no_sleep, serving

NOW = datetime(2024, 5, 14, 9, 0, tzinfo=UTC)
DEFAULTS = ChannelSettings(time(7, 0), "UTC", weekday_policy=WeekdayPolicy.DAILY)
ADA = FakeUser(666_666_666_666_666_666, "ada")
DM_CHANNEL = "555555555555555555"
EPHEMERAL = 64
_ids = itertools.count(900_000)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    opened = await SqliteStore.open(tmp_path / "dm-commands.db")
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
async def fake(store: SqliteStore) -> AsyncIterator[FakeDiscord]:
    clock = FixedClock(NOW)
    sample = SampleSource()
    service = PaperService(store, sample, sample, clock, defaults=DEFAULTS)
    commands = Commands(service, [MeVerbs(store, clock, DEFAULTS, time(6, 0))])
    async with fake_discord() as gateway:
        platform = DiscordPlatform(config_for(gateway), sleep=no_sleep, guild_ready_timeout=0.0)
        async with serving(platform, commands.handle):
            yield gateway


async def in_our_dm(fake: FakeDiscord, subcommand: str, **options: Any) -> Recorded:
    """`/papers <subcommand>` typed in Ada's DM with the bot; the first answer to it."""
    interaction_id = next(_ids)
    payload = slash_command(
        interaction_id=interaction_id,
        app_id=fake.app_id,
        guild=fake.guild,
        user=ADA,
        permissions=MEMBER_PERMISSIONS,
        subcommand=subcommand,
        options=options,
    )
    await fake.command_in_dm(payload, ADA, DM_CHANNEL)
    token = f"interaction-token-{interaction_id}"

    def answers(f: FakeDiscord) -> list[Recorded]:
        return [r for r in f.interaction_replies() if token in r.path and r.body]

    async with asyncio.timeout(WAIT_S):
        await fake.wait_for(lambda f: any(_said(r) for r in answers(f)))
    return next(r for r in answers(fake) if _said(r))


def _said(recorded: Recorded) -> bool:
    """A reply with words in it (a deferral, type 5, has none)."""
    data = recorded.body.get("data", recorded.body)
    return bool(data.get("content") or data.get("embeds"))


def _text(recorded: Recorded) -> str:
    data = recorded.body.get("data", recorded.body)
    return str(data.get("content") or "")


def _private(recorded: Recorded) -> bool:
    data = recorded.body.get("data", recorded.body)
    return bool((data.get("flags") or 0) & EPHEMERAL)


async def test_me_works_in_a_dm_with_the_bot(fake: FakeDiscord, store: SqliteStore) -> None:
    answer = await in_our_dm(fake, "me", action="subscribe", words="agents")
    assert "Your digest now follows: agents" in _text(answer)
    assert _private(answer)
    person = await store.get_person(f"discord::{ADA.id}")
    assert person is not None, "kept under the person's global key"
    assert [str(t) for t in person.topics] == ["agents"]
    status = await in_our_dm(fake, "me")
    assert "Next digest:" in _text(status)


async def test_a_verb_that_needs_a_server_channel_says_where_it_works(
    fake: FakeDiscord, store: SqliteStore
) -> None:
    answer = await in_our_dm(fake, "subscribe", topics="agents")
    assert "/papers subscribe works in a server channel" in _text(answer)
    assert "/papers me" in _text(answer)
    assert _private(answer)
    assert answer.body["type"] == 4, "answered at once, never deferred to the core"
    assert await store.get_subscription(ChannelRef("discord", DM_CHANNEL, "")) is None
