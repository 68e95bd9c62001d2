"""ArxivSource against the loopback FakeFeed serving the real Atom fixtures."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest

from bot.config.load import DEFAULT_USER_AGENT, ArxivConfig
from bot.records.errors import MalformedResponse, SourceUnavailable, UpstreamRejected
from bot.sources import ArxivSource
from tests.fakes.feed_server import ARXIV_PATH, FakeFeed, atom_versions


class FakeTime:
    """A monotonic clock that only moves when the code under test sleeps (or a test says)."""

    def __init__(self) -> None:
        self.now = 100.0
        self.waits: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds


@pytest.fixture
async def feed() -> AsyncIterator[FakeFeed]:
    async with FakeFeed() as fake:
        yield fake


@pytest.fixture
def clock() -> FakeTime:
    return FakeTime()


@pytest.fixture
async def arxiv(feed: FakeFeed, clock: FakeTime) -> AsyncIterator[ArxivSource]:
    config = ArxivConfig(base_url=feed.arxiv_url, min_interval_s=3.0, timeout_s=5.0, retries=2)
    source = ArxivSource(config, DEFAULT_USER_AGENT, sleep=clock.sleep, monotonic=clock.monotonic)
    yield source
    await source.aclose()


async def test_get_reads_the_2016_shape_and_stores_the_bare_id(
    arxiv: ArxivSource, feed: FakeFeed
) -> None:
    paper = await arxiv.get("1111.2011")
    assert paper is not None
    assert paper.arxiv_id == "1111.2011"
    assert paper.authors == ("James M. Murray", "Adrian Del Maestro", "Zlatko Tesanovic")
    assert paper.published_at == datetime(2011, 11, 8, 18, 48, 36, tzinfo=UTC)
    assert (paper.source, paper.listed_on) == ("arxiv", None)
    (request,) = feed.requests
    assert request.path == ARXIV_PATH
    assert request.query["id_list"] == "1111.2011"
    assert request.headers["user-agent"] == DEFAULT_USER_AGENT


async def test_get_ignores_a_version_suffix(arxiv: ArxivSource, feed: FakeFeed) -> None:
    paper = await arxiv.get("1111.2011v2")
    assert paper is not None
    assert paper.arxiv_id == "1111.2011"
    assert feed.requests[0].query["id_list"] == "1111.2011"


async def test_get_reads_the_2026_shape_and_old_style_ids(arxiv: ArxivSource) -> None:
    old_style = await arxiv.get("astro-ph/0601001")
    new_style = await arxiv.get("1707.08567")
    assert old_style is not None
    assert old_style.arxiv_id == "astro-ph/0601001"
    assert new_style is not None
    assert new_style.arxiv_id == "1707.08567"


async def test_an_unknown_id_is_none(arxiv: ArxivSource) -> None:
    assert await arxiv.get("0808.05394") is None
    assert await arxiv.get("0000.0000") is None


async def test_the_error_feed_becomes_arxivs_own_words(arxiv: ArxivSource, clock: FakeTime) -> None:
    with pytest.raises(UpstreamRejected) as caught:
        await arxiv.get("abc")
    assert str(caught.value) == "arXiv says: incorrect id format for abc"
    assert clock.waits == [], "a 400 is an answer, not a reason to retry"


async def test_a_bare_400_without_an_error_feed_is_still_a_rejection(
    arxiv: ArxivSource, feed: FakeFeed
) -> None:
    feed.fail_next(1, status=400, body=b"Bad Request")
    with pytest.raises(UpstreamRejected, match=r"^arXiv refused the request \(HTTP 400\)$"):
        await arxiv.get("1111.2011")


async def test_search_sends_every_word_and_cuts_to_the_limit(
    arxiv: ArxivSource, feed: FakeFeed
) -> None:
    papers = await arxiv.search("software testing", limit=7)
    assert len(papers) == 7
    query = feed.requests[0].query
    assert query["search_query"] == "all:software AND all:testing"
    assert (query["max_results"], query["sortBy"]) == ("7", "relevance")
    assert len(await arxiv.search("testing", limit=500)) == 100
    assert feed.requests[1].query["max_results"] == "100"


async def test_search_reads_the_2016_shape(arxiv: ArxivSource) -> None:
    papers = await arxiv.search("del maestro")
    assert len(papers) == 10
    assert papers[0].arxiv_id == "1201.4869"


async def test_an_empty_search_asks_nothing(arxiv: ArxivSource, feed: FakeFeed) -> None:
    assert await arxiv.search("  ?! ") == []
    assert await arxiv.search("testing", limit=0) == []
    assert feed.requests == []


async def test_requests_are_spaced_by_the_minimum_interval(
    arxiv: ArxivSource, feed: FakeFeed, clock: FakeTime
) -> None:
    start = clock.now
    for _ in range(3):
        await arxiv.get("1111.2011")
    assert clock.waits == [3.0, 3.0]
    assert clock.now - start == 6.0
    assert len(feed.requests) == 3


async def test_time_already_passed_counts_toward_the_interval(
    arxiv: ArxivSource, clock: FakeTime
) -> None:
    await arxiv.get("1111.2011")
    clock.now += 2.0
    await arxiv.get("1111.2011")
    clock.now += 5.0
    await arxiv.get("1111.2011")
    assert clock.waits == [pytest.approx(1.0)]


async def test_concurrent_callers_queue_behind_one_another(
    arxiv: ArxivSource, feed: FakeFeed, clock: FakeTime
) -> None:
    ids = ["1111.2011", "astro-ph/0601001", "1707.08567", "0808.05394"]
    papers = await asyncio.gather(*(arxiv.get(i) for i in ids))
    assert [p.arxiv_id if p else None for p in papers] == [*ids[:3], None]
    assert clock.waits == [3.0, 3.0, 3.0]
    assert len(feed.requests) == 4


async def test_a_429_honours_retry_after_and_the_retry_still_keeps_the_pace(
    arxiv: ArxivSource, feed: FakeFeed, clock: FakeTime
) -> None:
    feed.fail_next(1, status=429, headers={"Retry-After": "1"})
    paper = await arxiv.get("1111.2011")
    assert paper is not None
    # 1 s as the server asked, then 2 s more so the retry starts 3 s after the first try.
    assert clock.waits == [1.0, 2.0]
    assert len(feed.requests) == 2


async def test_a_long_retry_after_needs_no_extra_spacing(
    arxiv: ArxivSource, clock: FakeTime, feed: FakeFeed
) -> None:
    feed.fail_next(1, status=503, headers={"Retry-After": "10"})
    assert await arxiv.get("1111.2011") is not None
    assert clock.waits == [10.0]


async def test_persistent_failure_is_unavailable(
    arxiv: ArxivSource, feed: FakeFeed, clock: FakeTime
) -> None:
    feed.fail_next(3, status=500)
    with pytest.raises(SourceUnavailable, match=r"^arxiv: HTTP 500 after 3 attempt\(s\)$"):
        await arxiv.get("1111.2011")
    assert len(feed.requests) == 3


async def test_an_html_page_with_status_200_is_retried_then_malformed(
    arxiv: ArxivSource, feed: FakeFeed
) -> None:
    feed.fail_next(3, status=200, body=b"<!DOCTYPE html><html>maintenance</html>")
    with pytest.raises(MalformedResponse, match=r"HTML page.*after 3 attempt"):
        await arxiv.get("1111.2011")
    assert len(feed.requests) == 3


async def test_a_feed_cut_off_once_is_retried_like_a_5xx(
    arxiv: ArxivSource, feed: FakeFeed
) -> None:
    feed.fail_next(1, status=200, body=b"<?xml version='1.0'?><feed xmlns='http://www.w3")
    paper = await arxiv.get("1111.2011")
    assert paper is not None
    assert paper.arxiv_id == "1111.2011"
    assert len(feed.requests) == 2


async def test_versions_asks_100_ids_a_request_one_request_every_3_s(
    arxiv: ArxivSource, feed: FakeFeed, clock: FakeTime
) -> None:
    ids = [f"2405.{n:05d}" for n in range(1, 251)]
    for start in range(0, 250, 100):
        batch = ids[start : start + 100]
        feed.serve_arxiv_id(
            ",".join(batch), atom_versions({i: 4 if i == "2405.00007" else 1 for i in batch})
        )
    found = await arxiv.versions([*ids, "2405.00001v2"])  # a version suffix is the same paper
    assert len(found) == 250
    assert found["2405.00007"] == 4
    assert found["2405.00250"] == 1
    asked = [r.query for r in feed.requests if r.path == ARXIV_PATH]
    assert [q["max_results"] for q in asked] == ["100", "100", "50"]
    assert sum(clock.waits) >= 6.0  # three requests, 3 s apart


async def test_versions_of_nothing_asks_nothing(arxiv: ArxivSource, feed: FakeFeed) -> None:
    assert await arxiv.versions([]) == {}
    assert feed.requests == []
