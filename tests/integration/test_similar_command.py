"""`/papers similar` through the real service, a real SQLite file and the shipped sample, and
its reply as Slack, Discord and the console render it."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from adapters.console import ConsolePlatform
from adapters.console.render import render_reply as console_reply
from adapters.discord.render import render_reply as discord_reply
from adapters.slack.render import render_reply as slack_reply
from bot.commands.handler import Commands
from bot.digest.service import PaperService
from bot.records.chat import CommandContext, Reply
from bot.records.clock import FixedClock
from bot.records.models import ChannelRef, ChannelSettings
from bot.sources.sample import SampleSource
from bot.storage.sqlite.store import SqliteStore

NOW = datetime(2026, 8, 22, 10, 0, tzinfo=UTC)
ALICE = CommandContext(ChannelRef("console", "c1", "team"), user_id="U1", user_name="alice")
DEFAULTS = ChannelSettings(post_time=time(8, 30), timezone="Europe/Paris")
ENVHARNESS = "2608.19880"


@pytest.fixture
async def commands(tmp_path: Path) -> AsyncIterator[Commands]:
    store = await SqliteStore.open(tmp_path / "paperbot.db")
    sample = SampleSource()
    await store.upsert_papers(await sample.daily(date(2026, 8, 21)))
    yield Commands(PaperService(store, sample, sample, FixedClock(NOW), defaults=DEFAULTS))
    await store.close()


async def similar(commands: Commands, text: str) -> Reply:
    reply = await commands.handle(ALICE, text)
    assert not reply.is_error, reply
    return reply


@pytest.mark.parametrize("given", [ENVHARNESS, f"https://arxiv.org/abs/{ENVHARNESS}v2"])
async def test_similar_lists_other_stored_papers_each_with_what_it_shares(
    commands: Commands, given: str
) -> None:
    reply = await similar(commands, f"similar {given}")
    ids = [p.arxiv_id for p in reply.papers]
    assert reply.text.startswith(f"{len(ids)} papers like {ENVHARNESS} (EnvHarness: ")
    assert 1 < len(ids) <= 10
    assert ENVHARNESS not in ids
    assert len(reply.why) == len(ids)
    assert all(why.startswith("shares: ") for why in reply.why)
    assert "agent" in reply.why[0]  # EnvHarness is about agents learning in environments


async def test_similar_of_an_unknown_paper_says_where_it_looked(commands: Commands) -> None:
    reply = await similar(commands, "similar 2608.99999")
    assert reply.papers == ()
    assert reply.text == "No paper 2608.99999 in the offline sample (arXiv was not asked)."


@pytest.mark.parametrize(
    ("text", "says"),
    [("similar", "Similar needs an arXiv id"), ("similar nope", "Bad arXiv id: 'nope'")],
)
async def test_similar_bad_ids_get_the_usage(commands: Commands, text: str, says: str) -> None:
    reply = await commands.handle(ALICE, text)
    assert reply.is_error
    assert says in reply.text
    assert "Usage: /papers similar <arXiv id or URL>" in reply.text


async def test_every_platform_shows_each_papers_why_line(commands: Commands) -> None:
    reply = await similar(commands, f"similar {ENVHARNESS}")
    first_why, first = reply.why[0], reply.papers[0]
    console = console_reply(reply)
    assert f"why: {first_why}" in " ".join(console.split())
    slack = json.dumps([m.blocks for m in slack_reply(reply)], ensure_ascii=False)
    assert "_Why:_ " + first_why in slack
    discord_fields = [
        (field.name, field.value)
        for message in discord_reply(reply)
        for embed in message.embeds
        if embed.title and first.title[:40] in embed.title
        for field in embed.fields
    ]
    assert ("Why this paper", f"• {first_why}") in discord_fields


async def test_similar_typed_at_the_console(commands: Commands) -> None:
    out = io.StringIO()
    lines = io.StringIO(f"/papers similar {ENVHARNESS}\n")
    await ConsolePlatform(out, lines).start(commands.handle)
    printed = out.getvalue()
    reply = await similar(commands, f"similar {ENVHARNESS}")
    assert reply.papers[0].title in printed
    assert f"why: {reply.why[0]}" in " ".join(printed.split())
    assert f"arxiv.org/abs/{ENVHARNESS}" not in printed  # not its own answer (header names it)
