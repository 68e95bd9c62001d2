"""`/papers me ...` through the real Commands (with its MoreVerbs) and a real SQLite file:
a person's own topics and settings, pause and resume, status, and `me forget`, which takes
their votes out of the channels' counts. Every answer is private."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from bot.commands.handler import Commands
from bot.commands.me import MeVerbs
from bot.digest.service import PaperService
from bot.records.chat import CommandContext, Reply, Visibility
from bot.records.clock import FixedClock
from bot.records.instants import as_plain
from bot.records.models import Cadence, ChannelRef, ChannelSettings, Paper
from bot.sources import SampleSource
from bot.storage.sqlite.store import SqliteStore

NOW = datetime(2024, 5, 14, 10, 0, tzinfo=UTC)
DEFAULTS = ChannelSettings(time(9, 0), "UTC")
CHANNEL = ChannelRef("slack", "C0PAPERS", "T0TEAM")
ADA = CommandContext(CHANNEL, "U1", can_manage=False)  # me needs no manager
ADA_IN_DM = CommandContext(ChannelRef("slack", "D0ADA", "T0TEAM"), "U1", can_manage=False)


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    opened = await SqliteStore.open(tmp_path / "me.db")
    try:
        yield opened
    finally:
        await opened.close()


@pytest.fixture
def commands(store: SqliteStore) -> Commands:
    clock = FixedClock(NOW)
    sample = SampleSource()
    service = PaperService(store, sample, sample, clock, defaults=DEFAULTS)
    return Commands(service, [MeVerbs(store, clock, DEFAULTS, time(6, 0))])


async def ask(commands: Commands, text: str, ctx: CommandContext = ADA) -> Reply:
    reply = await commands.handle(ctx, text)
    assert reply.visibility is Visibility.PRIVATE, text
    return reply


async def test_subscribe_topics_settings_from_a_channel_and_a_dm(
    commands: Commands, store: SqliteStore
) -> None:
    assert "no digest of your own" in (await ask(commands, "me")).text
    reply = await ask(commands, 'me subscribe agents "world model"')
    assert 'agents, "world model"' in reply.text
    again = await ask(commands, "me subscribe agents", ADA_IN_DM)  # the same person in a DM
    assert "already follow" in again.text
    reply = await ask(commands, "me settings time 07:30 tz Europe/Paris cadence weekly fri max 5")
    assert "time 07:30 tz Europe/Paris max 5 cadence weekly fri" in reply.text
    person = await store.get_person("slack:T0TEAM:U1")
    assert person is not None
    assert person.home == "T0TEAM"
    assert person.settings.cadences == (Cadence.WEEKLY,)
    assert person.settings.max_papers == 5
    assert await store.get_subscription(CHANNEL) is None, "the channel is untouched"

    status = as_plain((await ask(commands, "me")).text)  # as the console shows it
    assert 'agents, "world model"' in status
    assert "Next digest: Fri 17 May 2024 07:30 Europe/Paris." in status  # in the person's zone

    dropped = await ask(commands, "me unsubscribe agents")
    assert 'Your digest follows: "world model"' in dropped.text
    missing = await ask(commands, "me unsubscribe diffusion")
    assert missing.is_error
    off = await ask(commands, "me unsubscribe all")
    assert "no more direct messages" in off.text
    assert await store.get_person("slack:T0TEAM:U1") is None


async def test_pause_and_resume(commands: Commands) -> None:
    assert (await ask(commands, "me pause")).is_error  # nothing to pause yet
    await ask(commands, "me subscribe")
    await ask(commands, "me pause")
    assert "Paused by you" in (await ask(commands, "me")).text
    await ask(commands, "me resume")
    assert "Next digest:" in (await ask(commands, "me")).text


async def test_a_mistake_gets_the_usage_line(commands: Commands) -> None:
    reply = await ask(commands, "me settings weekdays daily")
    assert reply.is_error
    assert "Usage: /papers me" in reply.text


async def test_forget_asks_first_then_deletes_all_and_the_counts_drop(
    commands: Commands, store: SqliteStore
) -> None:
    paper = Paper("2405.00001", "P", "A.", ("A",), NOW, date(2024, 5, 13))
    await store.upsert_papers([paper])
    await ask(commands, "me subscribe agents")
    await store.toggle_vote(CHANNEL.key, paper.arxiv_id, "slack:T0TEAM:U1", NOW)
    await store.toggle_vote(CHANNEL.key, paper.arxiv_id, "slack:T0TEAM:U2", NOW)
    await store.toggle_save("slack:T0TEAM:U1", paper.arxiv_id, NOW)

    ask_first = (await ask(commands, "me forget")).text
    assert "your digest's topics and settings, 1 👍 vote and 1 saved paper" in ask_first
    assert "/papers me forget confirm" in ask_first
    assert await store.get_person("slack:T0TEAM:U1") is not None, "nothing deleted yet"

    done = (await ask(commands, "me forget confirm")).text
    assert "Deleted your digest's topics and settings, 1 👍 vote and 1 saved paper." in done
    assert "Your votes are taken out of the channels' counts." in done
    assert await store.vote_counts(CHANNEL.key, [paper.arxiv_id]) == {paper.arxiv_id: 1}
    assert await store.saved_papers("slack:T0TEAM:U1", 10) == []
    assert "nothing to forget" in (await ask(commands, "me forget")).text


async def test_forget_counts_not_for_me_marks_when_they_are_all_there_is(
    commands: Commands, store: SqliteStore
) -> None:
    papers = [Paper(f"2405.0000{n}", "P", "A.", ("A",), NOW, date(2024, 5, 13)) for n in (1, 2)]
    await store.upsert_papers(papers)
    for one in papers:
        await store.toggle_not_for_me("slack:T0TEAM:U1", one.arxiv_id, NOW)

    ask_first = (await ask(commands, "me forget")).text
    assert "nothing to forget" not in ask_first
    assert "This deletes 2 “Not for me” marks." in ask_first

    done = (await ask(commands, "me forget confirm")).text
    assert "Deleted 2 “Not for me” marks." in done
    assert await store.not_for_me_papers("slack:T0TEAM:U1", 10) == []
    assert "nothing to forget" in (await ask(commands, "me forget")).text
