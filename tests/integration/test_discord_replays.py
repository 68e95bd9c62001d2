"""An interaction Discord delivers twice is handled once: the real discord.py client against
the fake gateway, the real replay guard and votes on a SQLite file shared by two workers."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.discord import DiscordPlatform
from bot.chat.replays import ReplayGuard
from bot.commands.clicks import VoteService
from bot.records.clock import FixedClock
from bot.records.models import Subscription
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.discord_payloads import MANAGER_PERMISSIONS, component_click
from tests.fakes.discord_setup import config_for, fake_discord, no_sleep, serving
from tests.fakes.slack_digests import real_papers
from tests.integration.test_discord_clicks import ADA, GRACE, NOW, answer, here, post_digest
from tests.integration.test_discord_commands import FakeCore, Served


@pytest.fixture
async def fake() -> AsyncIterator[FakeDiscord]:
    async with fake_discord() as made:
        yield made


def guarded(fake: FakeDiscord, store: SqliteStore, core: FakeCore) -> DiscordPlatform:
    clock = FixedClock(NOW)
    return DiscordPlatform(
        config_for(fake),
        sleep=no_sleep,
        guild_ready_timeout=0.0,
        clicks=VoteService(store, clock).click,
        first_time=ReplayGuard(store, clock).first_time,
    )


async def test_a_command_delivered_twice_is_answered_once(
    fake: FakeDiscord, tmp_path: Path
) -> None:
    store = await SqliteStore.open(tmp_path / "bot.db")
    core = FakeCore()
    platform = guarded(fake, store, core)
    try:
        async with serving(platform, core.handle):
            served = Served(fake, core, platform)
            payload = served.interaction(700_000_000_000_900_001, "help", MANAGER_PERMISSIONS, {})
            await fake.dispatch("INTERACTION_CREATE", payload)
            await served.replies_to(700_000_000_000_900_001, 1)
            await fake.dispatch("INTERACTION_CREATE", payload)  # again, as after a RESUME
            [reply] = await served.command("help", topic="x")  # the next one is answered...
            assert reply.body["data"]["content"] == "ok: help"
            assert len(await served.replies_to(700_000_000_000_900_001, 1)) == 1  # ...not it
    finally:
        await store.close()
    assert len(core.calls) == 2


async def test_a_click_delivered_twice_counts_once(fake: FakeDiscord, tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "bot.db")
    await store.upsert_papers(real_papers())
    await store.save_subscription(Subscription(here(fake)))
    core = FakeCore()
    platform = guarded(fake, store, core)
    paper = real_papers()[1].arxiv_id
    try:
        async with serving(platform, core.handle):
            message = await post_digest(fake, platform)
            click = component_click(
                interaction_id=800_000_000_000_000_001,
                app_id=fake.app_id,
                guild=fake.guild,
                user=ADA,
                message=message,
                custom_id=f"pb:v:{paper}",
            )
            for _ in range(3):  # the click, then twice again (as after a RESUME)
                await fake.dispatch("INTERACTION_CREATE", click)
            await answer(fake, str(click["token"]))
            # another click after them, answered once the copies before it were checked
            await answer(fake, await fake.click(message, f"pb:v:{paper}", GRACE))
            assert await store.vote_counts(here(fake).key, [paper]) == {paper: 2}
            callbacks = [r for r in fake.interaction_replies() if "800000000000000001" in r.path]
            assert len(callbacks) == 1
    finally:
        await store.close()
