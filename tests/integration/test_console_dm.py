"""The console and a person's own digest: `/papers me ...` typed at the prompt, then the DM
digest printed with every line marked `dm> `, apart from the channels' output."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from adapters.console import ConsolePlatform
from bot.commands.clicks import VoteService
from bot.commands.handler import Commands
from bot.commands.me import MeVerbs
from bot.config.load import DeliveryConfig
from bot.digest.service import PaperService
from bot.people.runner import PeopleRunner
from bot.records.clock import FixedClock
from bot.records.foryou import ForYouList, Pick
from bot.records.models import ChannelSettings, Paper, WeekdayPolicy
from bot.sources.sample import SampleSource
from bot.storage.sqlite.store import SqliteStore

MONDAY = date(2024, 5, 13)
TUESDAY_7 = datetime(2024, 5, 14, 7, 0, tzinfo=UTC)
DEFAULTS = ChannelSettings(time(7, 0), "UTC", weekday_policy=WeekdayPolicy.DAILY)


class NoRefresh:
    async def refresh_day(self, day: date) -> int:
        return 0


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    opened = await SqliteStore.open(tmp_path / "console.db")
    published = datetime(2024, 5, 13, tzinfo=UTC)
    await opened.upsert_papers(
        [
            Paper("2405.00001", "Agents that plan", "A.", ("A",), published, MONDAY, upvotes=3),
            Paper("2405.00002", "Diffusion", "A.", ("A",), published, MONDAY, upvotes=2),
        ]
    )
    try:
        yield opened
    finally:
        await opened.close()


async def test_me_at_the_prompt_then_the_dm_marked_dm(store: SqliteStore) -> None:
    clock = FixedClock(TUESDAY_7)
    sample = SampleSource()
    service = PaperService(store, sample, sample, clock, defaults=DEFAULTS)
    commands = Commands(service, [MeVerbs(store, clock, DEFAULTS, time(6, 0))])
    typed = io.StringIO("/papers me subscribe agents\n/papers me\nquit\n")
    out = io.StringIO()
    console = ConsolePlatform(out, typed, clock=clock)
    await console.start(commands.handle)
    shown = out.getvalue()
    assert "Your digest now follows: agents" in shown
    assert "Next digest:" in shown

    runner = PeopleRunner(store, NoRefresh(), {"console": console}, clock, DeliveryConfig())
    assert await runner.run_due() == {"posted": 1}
    dm = out.getvalue()[len(shown) :].splitlines()
    assert dm
    assert all(line.startswith("dm> ") for line in dm)
    assert any("Agents that plan" in line for line in dm)
    assert not any("Diffusion" in line for line in dm)


class OnePick:
    """A ForYouRanker (bot/records/foryou.py) picking the papers the topics do not match."""

    async def rank(self, user_key: str, papers: Sequence[Paper], limit: int) -> ForYouList:
        picks = [Pick(p, f'like "{p.title}", which you saved', 1.0) for p in papers]
        return ForYouList(tuple(p for p in picks if "Agents" not in p.paper.title), 0)


async def test_the_dm_pane_shows_for_you_as_its_own_section(store: SqliteStore) -> None:
    clock = FixedClock(TUESDAY_7)
    sample = SampleSource()
    service = PaperService(store, sample, sample, clock, defaults=DEFAULTS)
    commands = Commands(service, [MeVerbs(store, clock, DEFAULTS, time(6, 0))])
    out = io.StringIO()
    clicks = VoteService(store, clock)
    console = ConsolePlatform(
        out, io.StringIO("/papers me subscribe agents\nquit\n"), clock=clock, clicks=clicks.click
    )
    await console.start(commands.handle)
    shown = len(out.getvalue())
    config = DeliveryConfig()
    runner = PeopleRunner(store, NoRefresh(), {"console": console}, clock, config, ranker=OnePick())
    assert await runner.run_due() == {"posted": 1}
    dm = [line.removeprefix("dm> ") for line in out.getvalue()[shown:].splitlines()]
    heading = dm.index("For you")
    match = next(i for i, line in enumerate(dm) if "Agents that plan" in line)
    pick = next(i for i, line in enumerate(dm) if "Diffusion" in line)
    assert match < heading < pick
    assert any('why: like "Diffusion", which you saved' in line for line in dm[pick:])
    assert "[🔖 Save: save <n> · Not for me: notforme <n>]" in dm
