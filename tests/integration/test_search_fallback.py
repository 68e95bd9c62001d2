"""`/papers search` on a store that knows nothing asks arXiv: through the real ArxivSource
against the loopback FakeFeed, a real SQLite file and the command handler.

arXiv matches by its own rules (and the fake by none at all: it answers every search with
the feed it was given), so what is shown must pass the query itself: the query sent is
arXiv's syntax for it, and the papers shown hold it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path
from xml.sax.saxutils import escape

import pytest

from bot.commands.handler import Commands
from bot.config.load import DEFAULT_USER_AGENT, ArxivConfig
from bot.digest.service import PaperService
from bot.records.chat import CommandContext
from bot.records.clock import FixedClock
from bot.records.models import ChannelRef, ChannelSettings
from bot.sources import ArxivSource
from bot.sources.arxiv import build_search_query
from bot.sources.sample import SampleSource
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.feed_server import ARXIV_PATH, FakeFeed

NOW = datetime(2026, 8, 22, 10, 0, tzinfo=UTC)
DEFAULTS = ChannelSettings()
ALICE = CommandContext(ChannelRef("console", "c1", "team"), user_id="U1", can_manage=True)

# (id, title, abstract, authors): what arXiv's search might answer, right and wrong alike.
ENTRIES = [
    ("2608.00001", "Agents that plan", "A world model for agents.", ["Chengsong Huang"]),
    ("2608.00002", "Agents on a benchmark", "We benchmark agents.", ["Ada Lovelace"]),
    ("2608.00003", "Agents in the wild", "Agents that act in a world of models.", ["Wei Huang"]),
    ("2608.00004", "Planning", "Agents, again, with a world model.", ["Alan Turing"]),
]


def atom_feed(entries: list[tuple[str, str, str, list[str]]]) -> bytes:
    parts = ['<feed xmlns="http://www.w3.org/2005/Atom">']
    for arxiv_id, title, abstract, authors in entries:
        names = "".join(f"<author><name>{escape(n)}</name></author>" for n in authors)
        parts.append(
            f"<entry><id>http://arxiv.org/abs/{arxiv_id}v1</id>"
            f"<published>2026-08-20T00:00:00Z</published><title>{escape(title)}</title>"
            f"<summary>{escape(abstract)}</summary>{names}</entry>"
        )
    return ("".join(parts) + "</feed>").encode()


class FakeTime:
    def __init__(self) -> None:
        self.now = 100.0

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


@pytest.fixture
async def feed() -> AsyncIterator[FakeFeed]:
    async with FakeFeed(fixtures=False) as fake:
        fake.serve_arxiv_search(atom_feed(ENTRIES))
        yield fake


@pytest.fixture
async def commands(feed: FakeFeed, tmp_path: Path) -> AsyncIterator[Commands]:
    clock = FakeTime()
    config = ArxivConfig(base_url=feed.arxiv_url, min_interval_s=3.0, timeout_s=5.0, retries=0)
    arxiv = ArxivSource(config, DEFAULT_USER_AGENT, sleep=clock.sleep, monotonic=clock.monotonic)
    store = await SqliteStore.open(tmp_path / "paperbot.db")
    try:
        clock_now = FixedClock(NOW)
        yield Commands(PaperService(store, SampleSource(), arxiv, clock_now, defaults=DEFAULTS))
    finally:
        await arxiv.aclose()
        await store.close()


def _sent(feed: FakeFeed) -> list[str]:
    return [r.query["search_query"] for r in feed.requests_to(ARXIV_PATH)]


@pytest.mark.parametrize(
    ("query", "sent", "shown"),
    [
        (
            "agents -benchmark",
            "(all:agents) ANDNOT (all:benchmark)",
            ["2608.00001", "2608.00003", "2608.00004"],
        ),
        ('"world model"', 'all:"world model"', ["2608.00001", "2608.00004"]),
        (
            'agents -"world model"',
            '(all:agents) ANDNOT (all:"world model")',
            ["2608.00002", "2608.00003"],
        ),
        ('author:"Chengsong Huang"', 'au:"chengsong huang"', ["2608.00001"]),
        ("agents author:huang", "all:agents AND au:huang", ["2608.00001", "2608.00003"]),
    ],
)
async def test_the_fallback_sends_the_query_and_shows_only_what_holds_it(
    commands: Commands, feed: FakeFeed, query: str, sent: str, shown: list[str]
) -> None:
    reply = await commands.handle(ALICE, f"search {query}")
    assert _sent(feed) == [sent]
    assert [p.arxiv_id for p in reply.papers] == shown


async def test_what_the_fallback_showed_is_kept_and_found_again_in_the_store(
    commands: Commands, feed: FakeFeed
) -> None:
    await commands.handle(ALICE, "search agents -benchmark")
    again = await commands.handle(ALICE, "search agents -benchmark")
    assert len(_sent(feed)) == 1  # the store answered the second time
    assert sorted(p.arxiv_id for p in again.papers) == ["2608.00001", "2608.00003", "2608.00004"]
    assert await commands.service.store.get_paper("2608.00002") is None  # not shown: not kept


@pytest.mark.parametrize("query", ["-agents", '-"world model"', "-agents -world", "org:google"])
async def test_nothing_to_look_for_is_refused_and_arxiv_is_not_asked(
    commands: Commands, feed: FakeFeed, query: str
) -> None:
    reply = await commands.handle(ALICE, f"search {query}")
    assert reply.is_error
    assert "add a word to search for" in reply.text
    assert "Usage: /papers search" in reply.text
    assert _sent(feed) == []


async def test_filters_arxiv_cannot_answer_ask_it_nothing(
    commands: Commands, feed: FakeFeed
) -> None:
    reply = await commands.handle(ALICE, 'search agents kw:"world model" org:google')
    assert reply.papers == ()
    assert reply.text.startswith("No papers found")
    assert _sent(feed) == []


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("software testing", "all:software AND all:testing"),
        ("ANDNOT agents OR", "all:andnot AND all:agents"),  # words, never operators
        ('ti:x) OR (au:"y', "all:ti AND all:x AND all:au AND all:y"),  # no syntax passes
        ("mixture of experts", "all:mixture AND all:experts"),
        ('-"a b" c -d', '(all:c) ANDNOT (all:"a b" OR all:d)'),
        ("kw:diffusion agents", ""),
        ("-agents", ""),
    ],
)
def test_arxiv_syntax(query: str, expected: str) -> None:
    assert build_search_query(query) == expected
