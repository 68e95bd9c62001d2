"""`/papers` while the sources are down: answered at once, from the store where it can be,
saying since when the source has not answered; `status` shows the failed attempt.

The real sources, HTTP client and breakers against loopback ports nobody listens on (a
FakeFeed that served a day and then closed), the real service, commands and SQLite file.
"""

from __future__ import annotations

import socket
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.commands.handler import Commands
from bot.config.load import DEFAULT_USER_AGENT, ArxivConfig, HuggingFaceConfig
from bot.digest.service import PaperService
from bot.records.chat import CommandContext
from bot.records.clock import FixedClock
from bot.records.instants import as_plain
from bot.records.models import ChannelRef, ChannelSettings
from bot.sources import ArxivSource, HuggingFaceSource
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.feed_server import FakeFeed

NOW = datetime(2026, 8, 24, 10, 0, tzinfo=UTC)  # Monday; the latest closed day is Sunday
STORED = date(2026, 8, 21)  # a fixture day the feed served before it went away
CHANNEL = ChannelRef("console", "c1", "team")
ALICE = CommandContext(CHANNEL, user_id="U1", user_name="alice", can_manage=True)
HF_DOWN = "Hugging Face has not answered since 10:00 UTC (connection refused); " + (
    "try again in a few minutes."
)
ARXIV_DOWN = "arXiv has not answered since 10:00 UTC (connection refused); " + (
    "try again in a few minutes."
)


class RecordingSleep:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@dataclass
class World:
    commands: Commands
    service: PaperService
    sleep: RecordingSleep
    hf_host: str


def refused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


async def open_world(store: SqliteStore, hf_url: str, clock: FixedClock) -> World:
    sleep = RecordingSleep()
    hf = HuggingFaceSource(
        HuggingFaceConfig(base_url=hf_url), DEFAULT_USER_AGENT, sleep=sleep, wall_clock=clock.now
    )
    arxiv_config = ArxivConfig(base_url=f"http://127.0.0.1:{refused_port()}/api/query")
    arxiv = ArxivSource(arxiv_config, DEFAULT_USER_AGENT, sleep=sleep, wall_clock=clock.now)
    defaults = ChannelSettings(post_time=time(8, 30), timezone="UTC")
    service = PaperService(store, hf, arxiv, clock, defaults=defaults)
    return World(Commands(service), service, sleep, hf_url.removeprefix("http://"))


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    opened = await SqliteStore.open(tmp_path / "paperbot.db")
    yield opened
    await opened.close()


@pytest.fixture
async def world(store: SqliteStore) -> AsyncIterator[World]:
    clock = FixedClock(NOW - timedelta(hours=1))
    async with FakeFeed() as feed:  # served one day, then gone: its port now refuses
        opened = await open_world(store, feed.url, clock)
        await opened.service.refresh_day(STORED)
    clock.set(NOW)
    yield opened
    await opened.service.daily.aclose()
    await opened.service.lookup.aclose()


async def test_today_answers_with_the_newest_stored_list_saying_the_source_is_down(
    world: World,
) -> None:
    reply = await world.commands.handle(ALICE, "today")
    assert as_plain(reply.text) == f"{HF_DOWN} The newest list stored is Friday 21 August 2026's:"
    assert reply.digest is not None
    assert reply.digest.day == STORED
    assert reply.digest.entries
    again = await world.commands.handle(ALICE, "today")  # the breaker is open: not asked
    assert again.text == reply.text
    assert world.sleep.waits == []


async def test_a_day_the_store_lacks_is_an_error_saying_since_when(world: World) -> None:
    reply = await world.commands.handle(ALICE, "today 2026-08-20")
    assert reply.is_error
    assert as_plain(reply.text) == HF_DOWN
    assert world.sleep.waits == []


async def test_search_and_show_answer_from_the_store_and_else_say_arxiv_is_down(
    world: World,
) -> None:
    stored = (await world.service.store.papers_listed_on(STORED))[0]
    shown = await world.commands.handle(ALICE, f"show {stored.arxiv_id}")
    assert shown.papers == (stored,)
    found = await world.commands.handle(ALICE, "search " + stored.title.split()[0])
    assert found.papers
    missing = await world.commands.handle(ALICE, "show 2608.00001")
    assert (missing.is_error, as_plain(missing.text)) == (True, ARXIV_DOWN)
    nothing = await world.commands.handle(ALICE, "search zzyzxqwv")
    assert (nothing.is_error, as_plain(nothing.text)) == (True, ARXIV_DOWN)
    assert world.sleep.waits == []


async def test_status_shows_the_failed_attempt_beside_the_last_success(world: World) -> None:
    await world.commands.handle(ALICE, "today")
    lines = as_plain((await world.commands.handle(ALICE, "status")).text).splitlines()
    assert lines[1] == (
        "Last fetch: the list for 2026-08-21, 17 papers, Mon 24 Aug 2026 09:00 UTC (1 h ago)"
    )
    assert lines[2] == (
        "Last attempt: the list for 2026-08-23, Mon 24 Aug 2026 10:00 UTC (now), failed: "
        f"huggingface ({world.hf_host}): connection refused"
    )


async def test_a_source_never_reached_is_named_in_status_not_only_never(
    store: SqliteStore,
) -> None:
    dead = await open_world(store, f"http://127.0.0.1:{refused_port()}", FixedClock(NOW))
    try:
        assert as_plain((await dead.commands.handle(ALICE, "today")).text) == HF_DOWN
        lines = as_plain((await dead.commands.handle(ALICE, "status")).text).splitlines()
    finally:
        await dead.service.daily.aclose()
        await dead.service.lookup.aclose()
    assert lines[1:3] == [
        "Last fetch: never.",
        "Last attempt: the list for 2026-08-23, Mon 24 Aug 2026 10:00 UTC (now), failed: "
        f"huggingface ({dead.hf_host}): connection refused",
    ]
