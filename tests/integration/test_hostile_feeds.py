"""A hostile or broken answer costs its own items, never the day: a property over every field.

Each example is a day's list from the loopback fake Hugging Face (real HTTP, the real
HuggingFaceSource), of good real items and hostile ones: every field the parser reads
(bot/sources/hf_parse.py), alone or a few at once, replaced by an absurd count, a wrong type,
a nesting, NUL, a lone surrogate or a huge string. The day goes through the real service into
a real store (SQLite; PostgreSQL for fewer examples), and the property is:

- no exception: the day is stored, every good item in it, each paper as it was parsed;
- every item is either stored or counted as skipped, and the count is in the log line, the
  fetch record and `/papers status`.

The arXiv feed (bot/sources/arxiv_parse.py) and the Hub's artifact lists
(bot/sources/hf_artifacts.py) get the same property: nothing but the SourceError tree leaves
the source, and what parses is stored. Example counts are kept moderate (the suite runs four
times in CI); the README of this change gives them.
"""

from __future__ import annotations

import asyncio
import copy
import itertools
import json
import logging
from collections import Counter
from collections.abc import AsyncIterator, Callable, Iterator
from contextlib import AbstractAsyncContextManager, asynccontextmanager, contextmanager
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from pathlib import Path
from typing import Any
from xml.sax.saxutils import escape

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from bot.commands.wording import status_text
from bot.config.load import ArxivConfig, HuggingFaceConfig
from bot.digest.service import PaperService
from bot.ports import Store
from bot.records.clock import FixedClock
from bot.records.errors import MalformedResponse, SourceError, UpstreamRejected
from bot.records.models import MAX_COUNT, ChannelRef, ChannelSettings, FetchRecord
from bot.sources import ArxivSource, HuggingFaceSource, bounds
from bot.sources.hf_artifacts import HfArtifactsSource
from bot.storage.postgres.store import PostgresStore
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.feed_server import FakeFeed, hf_fixture
from tests.pg_schema import fresh_schema, postgres_url

NOW = datetime(2026, 8, 22, 9, 0, tzinfo=UTC)
FIRST_DAY = date(2020, 1, 1)
CHANNEL = ChannelRef("slack", "C1", "T1")
GOOD = hf_fixture(date(2026, 8, 21))  # 17 real items

# Every field the parser reads, as a path into an item.
FIELDS: tuple[tuple[str | int, ...], ...] = (
    (),
    ("paper",),
    ("paper", "id"),
    ("paper", "title"),
    ("paper", "summary"),
    ("paper", "authors"),
    ("paper", "authors", 0),
    ("paper", "authors", 0, "name"),
    ("paper", "publishedAt"),
    ("publishedAt",),
    ("paper", "upvotes"),
    ("numComments",),
    ("paper", "githubRepo"),
    ("paper", "githubStars"),
    ("paper", "projectPage"),
    ("thumbnail",),
    ("paper", "ai_summary"),
    ("paper", "ai_keywords"),
    ("paper", "ai_keywords", 0),
    ("paper", "organization"),
    ("paper", "organization", "fullname"),
    ("organization",),
    ("organization", "name"),
)


def nested(depth: int) -> object:
    """A list nested `depth` deep: within what json.loads takes, a field's worth of it."""
    value: object = []
    for _ in range(depth):
        value = [value]
    return value


HUGE_COUNTS = (10**30, -(10**30), 2**63, 2**63 - 1, MAX_COUNT + 1, MAX_COUNT, -1)
# Characters a hostile feed sends: controls (NUL among them), lone surrogates, bidi
# overrides, separators, and letters and digits to make words of.
CHARACTERS = st.characters(categories=["Cc", "Cs", "Cf", "Zs", "Zl", "Lu", "Ll", "Lo", "Nd"])
HUGE_TEXT = st.builds(
    lambda unit, times: unit * times,
    st.sampled_from(["x", "word ", "\x00", "\ud800", "\u202e", " ", "2608.00001 "]),
    st.sampled_from([bounds.MAX_NAME + 1, bounds.MAX_TITLE + 1, 300_000]),
)
SCALARS = st.one_of(
    st.none(),
    st.booleans(),
    st.sampled_from(HUGE_COUNTS),
    st.integers(),
    st.floats(allow_nan=True, allow_infinity=True),
    st.text(CHARACTERS, max_size=40),
    HUGE_TEXT,
    st.sampled_from(
        ["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "javascript:alert(1)"]
    ),
)
HOSTILE = st.one_of(
    SCALARS,
    st.recursive(
        SCALARS,
        lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=8), inner),
        max_leaves=6,
    ),
    st.sampled_from([nested(500), [{"name": nested(300)}], {"fullname": 10**30}]),
)
CHANGES = st.lists(st.tuples(st.sampled_from(FIELDS), HOSTILE), min_size=1, max_size=3)


def hostile_item(base: dict[str, Any], changes: list[tuple[tuple[str | int, ...], object]]) -> Any:
    """`base` with each (path, value) set; a path through something that is no longer a
    container (an earlier change replaced it) is left alone."""
    item: Any = copy.deepcopy(base)
    for path, value in changes:
        if not path:
            item = copy.deepcopy(value)
            continue
        target = item
        for key in path[:-1]:
            try:
                target = target[key]
            except (KeyError, IndexError, TypeError):
                target = None
                break
        if isinstance(target, dict) or (isinstance(target, list) and path[-1] == 0 and target):
            target[path[-1]] = copy.deepcopy(value)  # type: ignore[index]
    return item


def with_id(item: dict[str, Any], number: int) -> dict[str, Any]:
    fresh = copy.deepcopy(item)
    fresh["paper"]["id"] = f"2001.{number:05d}"
    return fresh


@dataclass
class World:
    """One feed, one store and the service over them, alive for a whole property run."""

    feed: FakeFeed
    store: Store
    service: PaperService
    numbers: Iterator[int]
    days: Iterator[date]
    outcomes: Counter[str]  # how the examples went, so a run that never tried a case fails


@asynccontextmanager
async def world_on(
    store_opener: Callable[[], AbstractAsyncContextManager[Store]],
) -> AsyncIterator[World]:
    async with FakeFeed(fixtures=False) as feed, store_opener() as store:
        hf = HuggingFaceSource(HuggingFaceConfig(base_url=feed.url, retries=0), "t")
        arxiv = ArxivSource(ArxivConfig(base_url=feed.arxiv_url, min_interval_s=0, retries=0), "t")
        service = PaperService(store, hf, arxiv, FixedClock(NOW), defaults=ChannelSettings())
        days = (FIRST_DAY + timedelta(days=i) for i in itertools.count())
        try:
            yield World(feed, store, service, itertools.count(1), days, Counter())
        finally:
            await hf.aclose()
            await arxiv.aclose()


def sqlite_at(path: Path) -> Callable[[], AbstractAsyncContextManager[Store]]:
    @asynccontextmanager
    async def opened() -> AsyncIterator[Store]:
        store = await SqliteStore.open(path)
        try:
            yield store
        finally:
            await store.close()

    return opened


def postgres() -> Callable[[], AbstractAsyncContextManager[Store]]:
    url = postgres_url()

    @asynccontextmanager
    async def opened() -> AsyncIterator[Store]:
        async with fresh_schema(url) as pg:
            store = await PostgresStore.open(pg.url, schema=pg.schema)
            try:
                yield store
            finally:
                await store.close()

    return opened


@contextmanager
def running(
    opener: Callable[[], AbstractAsyncContextManager[Store]],
) -> Iterator[tuple[asyncio.Runner, World]]:
    """A world on one event loop that every example of a property run shares."""
    with asyncio.Runner() as runner:
        context = world_on(opener)
        world = runner.run(context.__aenter__())
        try:
            yield runner, world
        finally:
            runner.run(context.__aexit__(None, None, None))


async def a_hostile_day(
    world: World, good_count: int, hostile: list[list[tuple[tuple[str | int, ...], object]]]
) -> tuple[date, int]:
    """Serve good and hostile items for a new day, store the day, check the property."""
    day = next(world.days)
    good = [with_id(GOOD[i % len(GOOD)], next(world.numbers)) for i in range(good_count)]
    bad = [hostile_item(with_id(GOOD[0], next(world.numbers)), c) for c in hostile]
    items = [*good, *bad]
    world.feed.serve_day(day, items)
    good_ids = {item["paper"]["id"] for item in good}

    stored = await world.service.store_day(day)

    assert len(stored) + stored.skipped == len(items)
    assert good_ids <= {p.arxiv_id for p in stored}
    listed = await world.store.papers_listed_on(day)
    assert {p.arxiv_id for p in listed} == {p.arxiv_id for p in stored}
    for paper in stored:
        assert await world.store.get_paper(paper.arxiv_id) == paper
    assert await world.store.last_fetch() == FetchRecord(day, len(stored), NOW, stored.skipped)
    status = status_text(await world.service.status(CHANNEL), CHANNEL.key)
    fetch_line = next(line for line in status.splitlines() if line.startswith("Last fetch"))
    if stored.skipped:
        assert f"{len(stored)} papers ({stored.skipped} unreadable left out)" in fetch_line
    else:
        assert "unreadable" not in fetch_line
    world.outcomes["items skipped" if stored.skipped else "every item kept"] += 1
    world.outcomes["papers stored"] += len(stored)
    return day, stored.skipped


# The cases that once lost a day, run first on every backend: counts past SQLite's 64 bits
# and past PostgreSQL's INTEGER (which SQLite would take), a date whose conversion to UTC
# overflows, text past its bound.
KNOWN_CASES = [
    [[(("paper", "upvotes"), 10**30)]],
    [[(("paper", "githubStars"), MAX_COUNT + 1)], [(("numComments",), 2**63)]],
    [[(("paper", "publishedAt"), "0001-01-01T00:00:00+05:00")]],
    [[(("paper", "summary"), "word " * 300_000)], [(("paper", "authors", 0, "name"), "\x00")]],
]


def known_cases(check: Callable[..., None]) -> Callable[..., None]:
    for case in KNOWN_CASES:
        check = example(good=2, hostile=case)(check)
    return check


EXAMPLES_SQLITE = 150
EXAMPLES_POSTGRES = 15
PROPERTY = st.integers(min_value=0, max_value=3), st.lists(CHANGES, min_size=1, max_size=4)


def test_hostile_items_cost_only_themselves_on_sqlite(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.WARNING, logger="bot.sources.huggingface")
    with running(sqlite_at(tmp_path / "hostile.db")) as (runner, world):

        @settings(max_examples=EXAMPLES_SQLITE, suppress_health_check=list(HealthCheck))
        @known_cases
        @given(*PROPERTY)
        def check(good: int, hostile: list[Any]) -> None:
            caplog.clear()
            day, skipped = runner.run(a_hostile_day(world, good, hostile))
            logged = [r.getMessage() for r in caplog.records]
            said = f"huggingface {day}: skipped {skipped} malformed item(s)"
            assert logged == ([said] if skipped else [])

        check()
        assert world.outcomes["items skipped"] > 0
        assert world.outcomes["every item kept"] > 0


@pytest.mark.postgres
def test_hostile_items_cost_only_themselves_on_postgres() -> None:
    with running(postgres()) as (runner, world):

        @settings(max_examples=EXAMPLES_POSTGRES, suppress_health_check=list(HealthCheck))
        @known_cases
        @given(*PROPERTY)
        def check(good: int, hostile: list[Any]) -> None:
            runner.run(a_hostile_day(world, good, hostile))

        check()


# -- arXiv's Atom feed ----------------------------------------------------------------------

ENTRY_FIELDS = ("id", "title", "summary", "published", "name")
ATOM_TEXT = st.one_of(
    st.text(CHARACTERS, max_size=40),
    HUGE_TEXT,
    st.sampled_from(["0001-01-01T00:00:00+05:00", "9999-12-31T23:59:59-05:00", "2608.1", ""]),
    st.builds(lambda n: "<b>" * n + "x" + "</b>" * n, st.sampled_from([3, 5_000])),  # nesting
)
ENTRY_CHANGES = st.dictionaries(st.sampled_from(ENTRY_FIELDS), ATOM_TEXT, min_size=1)
QUERY = "hostile"


def entry(fields: dict[str, str], *, markup: bool = False) -> str:
    """One Atom entry; `fields` are escaped unless they are markup (a nesting case)."""

    def text(key: str) -> str:
        value = fields[key]
        return value if markup and value.startswith("<b>") else escape(value)

    return (
        f"<entry><id>{text('id')}</id><title>{text('title')}</title>"
        f"<summary>{text('summary')}</summary><published>{text('published')}</published>"
        f"<author><name>{text('name')}</name></author></entry>"
    )


def good_entry(number: int) -> dict[str, str]:
    return {
        "id": f"http://arxiv.org/abs/2002.{number:05d}v1",
        "title": f"Good paper {number}",
        "summary": "An abstract.",
        "published": "2026-08-20T00:00:00Z",
        "name": "Ada Lovelace",
    }


def xml_can_hold(text: str) -> bool:
    """Whether XML 1.0 can carry `text` at all (no NUL, no lone surrogate...)."""
    return all(
        c in "\t\n\r" or 0x20 <= ord(c) <= 0xD7FF or 0xE000 <= ord(c) <= 0xFFFD or ord(c) > 0xFFFF
        for c in text
    )


async def a_hostile_feed(world: World, hostile: list[dict[str, str]]) -> None:
    good = [good_entry(next(world.numbers)) for _ in range(2)]
    bad = [good_entry(next(world.numbers)) | changes for changes in hostile]
    entries = [entry(e) for e in good] + [entry(e, markup=True) for e in bad]
    body = '<feed xmlns="http://www.w3.org/2005/Atom">' + "".join(entries) + "</feed>"
    world.feed.serve_arxiv_search(body.encode("utf-8", "surrogatepass"), contains=QUERY)
    readable = all(xml_can_hold(v) for changes in hostile for v in changes.values())
    source = world.service.lookup
    try:
        found = await source.search(QUERY, limit=100)
    except MalformedResponse:
        assert not readable  # only a body XML cannot hold is refused whole
        world.outcomes["refused whole"] += 1
        return
    world.outcomes["entries skipped" if len(found) < len(entries) else "every entry kept"] += 1
    good_ids = {e["id"].split("/")[-1][:-2] for e in good}
    assert good_ids <= {p.arxiv_id for p in found}
    await world.store.upsert_papers(found)
    for paper in found:
        stored = await world.store.get_paper(paper.arxiv_id)
        assert stored is not None
        assert (stored.title, stored.authors) == (paper.title, paper.authors)


EXAMPLES_ARXIV = 80


def test_a_hostile_arxiv_feed_costs_only_its_entries(tmp_path: Path) -> None:
    with running(sqlite_at(tmp_path / "arxiv.db")) as (runner, world):

        @settings(max_examples=EXAMPLES_ARXIV, suppress_health_check=list(HealthCheck))
        @given(st.lists(ENTRY_CHANGES, min_size=1, max_size=3))
        def check(hostile: list[dict[str, str]]) -> None:
            runner.run(a_hostile_feed(world, hostile))

        check()
        assert set(world.outcomes) == {"entries skipped", "refused whole", "every entry kept"}


# -- the Hub's artifact lists -------------------------------------------------------------

REPO_ITEMS = st.lists(
    st.one_of(HOSTILE, st.fixed_dictionaries({"id": HOSTILE}), st.just({"id": "org/model"})),
    max_size=6,
)
ANSWERS = st.one_of(
    REPO_ITEMS.map(lambda items: json.dumps(items).encode()),
    HOSTILE.map(lambda value: json.dumps(value).encode()),
    st.sampled_from([b"[" * 200_000, b"[" * 200_000 + b"]" * 200_000, b"\xff\xfe", b"<html>"]),
)


async def hostile_artifacts(world: World, answers: list[bytes]) -> None:
    arxiv_id = f"2003.{next(world.numbers):05d}"
    for kind, body in zip(("models", "datasets", "spaces"), answers, strict=False):
        world.feed.fail_next(2, status=200, body=body, path=f"/api/{kind}")
    source = HfArtifactsSource(HuggingFaceConfig(base_url=world.feed.url), "t", sleep=no_sleep)
    try:
        found = await source.artifacts(arxiv_id)
    except SourceError:
        world.outcomes["refused"] += 1
        return
    finally:
        await source.aclose()
        world.feed.clear_script()
    await world.store.save_hf_artifacts([found], NOW)
    cached = await world.store.hf_artifacts([arxiv_id])
    assert cached[arxiv_id].artifacts == found
    assert all(len(ids) <= 50 for ids in (found.models, found.datasets, found.spaces))
    world.outcomes["found" if found.models or found.datasets or found.spaces else "none"] += 1


async def no_sleep(_: float) -> None:
    return None


EXAMPLES_ARTIFACTS = 60


def test_hostile_artifact_lists_never_raise_past_the_source(tmp_path: Path) -> None:
    with running(sqlite_at(tmp_path / "artifacts.db")) as (runner, world):

        @settings(max_examples=EXAMPLES_ARTIFACTS, suppress_health_check=list(HealthCheck))
        @given(st.lists(ANSWERS, min_size=1, max_size=3))
        def check(answers: list[bytes]) -> None:
            runner.run(hostile_artifacts(world, answers))

        check()
        assert set(world.outcomes) == {"refused", "none", "found"}


# -- the two findings, one by one -------------------------------------------------------------


async def test_a_day_with_a_count_of_ten_to_the_thirty_is_shown_without_that_paper(
    tmp_path: Path,
) -> None:
    """`/papers today` on such a day answered "Something went wrong" (the store's write
    raised OverflowError); it shows the day less the one paper."""
    day = date(2026, 8, 21)
    items = hf_fixture(day)
    items[2]["paper"]["upvotes"] = 10**30
    async with world_on(sqlite_at(tmp_path / "today.db")) as world:
        world.feed.serve_day(day, items)
        digest = await world.service.digest_for(CHANNEL, day)
        shown = {entry.paper.arxiv_id for entry in digest.entries}
        assert items[2]["paper"]["id"] not in shown
        assert len(await world.store.papers_listed_on(day)) == 16


async def test_json_nested_200000_deep_is_retried_then_one_malformed_answer(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    day = date(2026, 8, 21)
    async with FakeFeed(fixtures=False) as feed:
        feed.fail_next(3, status=200, body=b"[" * 200_000 + b"]" * 200_000, day=day)
        config = HuggingFaceConfig(base_url=feed.url, retries=2)
        source = HuggingFaceSource(config, "t", sleep=no_sleep)
        try:
            with pytest.raises(MalformedResponse) as raised:
                await source.daily(day)
        finally:
            await source.aclose()
        assert len(feed.requests) == 3
    assert str(raised.value) == (
        "huggingface 2026-08-21 page 0: response is JSON nested too deep to read after 3 attempt(s)"
    )
    retries = [r.getMessage() for r in caplog.records if "retry" in r.getMessage()]
    assert len(retries) == 2
    assert all("\n" not in line for line in retries)


async def test_a_refusal_with_a_body_nested_too_deep_is_still_one_short_refusal() -> None:
    day = date(2026, 8, 21)
    async with FakeFeed(fixtures=False) as feed:
        feed.fail_next(1, status=400, body=b'{"error": ' * 200_000, day=day)
        source = HuggingFaceSource(HuggingFaceConfig(base_url=feed.url, retries=2), "t")
        try:
            with pytest.raises(UpstreamRejected) as raised:
                await source.daily(day)
        finally:
            await source.aclose()
    assert str(raised.value) == "Hugging Face refused the request (HTTP 400)"
