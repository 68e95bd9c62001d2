"""HuggingFaceSource against the loopback FakeFeed serving the real fixtures."""

from __future__ import annotations

import asyncio
import copy
import logging
import socket
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime
from typing import Any

import pytest

from bot.config.load import DEFAULT_USER_AGENT, HuggingFaceConfig
from bot.records.errors import (
    ConfigError,
    MalformedResponse,
    SourceUnavailable,
    SourceUnreachable,
    UpstreamRejected,
)
from bot.records.models import Cadence
from bot.schedule.cadence import period_containing
from bot.sources import HuggingFaceSource
from bot.sources.http import parse_retry_after
from bot.sources.huggingface import MAX_PAGES
from tests.fakes.feed_server import HF_PATH, FakeFeed, hf_fixture

NEWEST = date(2026, 8, 21)
BUSY = date(2026, 5, 12)


class RecordingSleep:
    """Stands in for asyncio.sleep: remembers each wait and returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
async def feed() -> AsyncIterator[FakeFeed]:
    async with FakeFeed() as fake:
        yield fake


@pytest.fixture
def sleep() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
def config(feed: FakeFeed) -> HuggingFaceConfig:
    return HuggingFaceConfig(base_url=feed.url, timeout_s=5.0, retries=2)


async def fetch(config: HuggingFaceConfig, sleep: RecordingSleep, day: date) -> list[Any]:
    source = HuggingFaceSource(config, DEFAULT_USER_AGENT, sleep=sleep)
    try:
        return await source.daily(day)
    finally:
        await source.aclose()


async def test_a_day_is_one_request_with_the_bots_user_agent(
    feed: FakeFeed, config: HuggingFaceConfig, sleep: RecordingSleep
) -> None:
    papers = await fetch(config, sleep, NEWEST)
    assert len(papers) == 17
    assert papers[0].arxiv_id == "2608.19880"
    (request,) = feed.requests
    assert request.path == HF_PATH
    assert request.query == {"date": "2026-08-21", "limit": "100", "p": "0"}
    assert request.headers["user-agent"] == DEFAULT_USER_AGENT
    assert "paperbot" in request.headers["user-agent"]
    assert sleep.waits == []


async def test_the_configured_sort_is_sent(
    feed: FakeFeed, config: HuggingFaceConfig, sleep: RecordingSleep
) -> None:
    await fetch(replace(config, sort="trending"), sleep, NEWEST)
    assert feed.requests[0].query["sort"] == "trending"


@pytest.mark.parametrize(("page_size", "pages"), [(20, 3), (25, 3), (50, 2), (100, 1)])
async def test_pages_are_read_until_a_short_page(
    feed: FakeFeed, config: HuggingFaceConfig, sleep: RecordingSleep, page_size: int, pages: int
) -> None:
    papers = await fetch(replace(config, page_size=page_size), sleep, BUSY)
    assert len(papers) == 50
    assert [r.query["p"] for r in feed.requests] == [str(p) for p in range(pages)]
    assert {r.query["limit"] for r in feed.requests} == {str(page_size)}
    expected = [item["paper"]["id"] for item in hf_fixture(BUSY)]
    assert [p.arxiv_id for p in papers] == expected


async def test_paging_stops_at_the_page_cap(
    feed: FakeFeed, config: HuggingFaceConfig, sleep: RecordingSleep
) -> None:
    template = hf_fixture(NEWEST)[0]
    items = []
    for n in range(MAX_PAGES + 5):
        item = copy.deepcopy(template)
        item["paper"]["id"] = f"2608.{10000 + n}"
        items.append(item)
    feed.serve_day(NEWEST, items)
    papers = await fetch(replace(config, page_size=1), sleep, NEWEST)
    assert len(feed.requests) == MAX_PAGES
    assert len(papers) == MAX_PAGES


async def test_duplicates_across_pages_collapse_on_the_bare_id(
    feed: FakeFeed, config: HuggingFaceConfig, sleep: RecordingSleep
) -> None:
    first, second = hf_fixture(NEWEST)[:2]
    again = copy.deepcopy(first)
    again["paper"]["id"] += "v2"
    feed.serve_day(NEWEST, [first, second, again])
    papers = await fetch(replace(config, page_size=2), sleep, NEWEST)
    assert [p.arxiv_id for p in papers] == ["2608.19880", second["paper"]["id"]]
    assert len(feed.requests) == 2


async def test_a_day_without_a_list_is_empty(
    feed: FakeFeed, config: HuggingFaceConfig, sleep: RecordingSleep
) -> None:
    assert await fetch(config, sleep, date(2026, 8, 22)) == []


async def test_malformed_items_are_skipped_and_counted_in_one_log_line(
    feed: FakeFeed,
    config: HuggingFaceConfig,
    sleep: RecordingSleep,
    caplog: pytest.LogCaptureFixture,
) -> None:
    items = hf_fixture(NEWEST)
    del items[2]["paper"]["title"]
    items[5]["paper"]["upvotes"] = "many"
    feed.serve_day(NEWEST, items)
    with caplog.at_level(logging.WARNING, logger="bot.sources"):
        papers = await fetch(config, sleep, NEWEST)
    assert len(papers) == 15
    assert [r.getMessage() for r in caplog.records] == [
        "huggingface 2026-08-21: skipped 2 malformed item(s)"
    ]


async def test_a_500_is_retried_after_a_bounded_backoff(
    feed: FakeFeed, config: HuggingFaceConfig, sleep: RecordingSleep
) -> None:
    feed.fail_next(1, status=500, body="Internal Server Error")
    papers = await fetch(config, sleep, NEWEST)
    assert len(papers) == 17
    assert len(feed.requests) == 2
    (wait,) = sleep.waits
    assert 0.5 <= wait <= 1.0


async def test_a_429_waits_as_long_as_retry_after_says(
    feed: FakeFeed, config: HuggingFaceConfig, sleep: RecordingSleep
) -> None:
    feed.fail_next(1, status=429, headers={"Retry-After": "7"})
    assert len(await fetch(config, sleep, NEWEST)) == 17
    assert sleep.waits == [7.0]


async def test_a_huge_retry_after_is_capped(
    feed: FakeFeed, config: HuggingFaceConfig, sleep: RecordingSleep
) -> None:
    feed.fail_next(1, status=503, headers={"Retry-After": "3600"})
    assert len(await fetch(config, sleep, NEWEST)) == 17
    assert sleep.waits == [60.0]


async def test_persistent_5xx_gives_up_with_a_short_message(
    feed: FakeFeed, config: HuggingFaceConfig, sleep: RecordingSleep
) -> None:
    page = "<html><body>" + "upstream exploded " * 200 + "</body></html>"
    feed.fail_next(10, status=502, body=page, headers={"Content-Type": "text/html"})
    config = replace(config, retries=4)
    with pytest.raises(SourceUnavailable) as caught:
        await fetch(config, sleep, NEWEST)
    assert str(caught.value) == "huggingface: HTTP 502 after 5 attempt(s)"
    assert len(feed.requests) == 5
    assert len(sleep.waits) == 4
    for attempt, wait in enumerate(sleep.waits):  # 1, 2, 4, 8 s, each with up to half jitter
        assert 2**attempt / 2 <= wait <= 2**attempt


async def test_a_timeout_is_retried_and_two_in_a_row_make_the_host_unreachable(
    feed: FakeFeed, config: HuggingFaceConfig, sleep: RecordingSleep
) -> None:
    quick = replace(config, timeout_s=0.05, retries=3)
    feed.stall_next(1)
    assert len(await fetch(quick, sleep, NEWEST)) == 17
    assert len(sleep.waits) == 1  # a single timeout is retried
    feed.stall_next(2)
    with pytest.raises(SourceUnreachable) as caught:
        await fetch(quick, sleep, NEWEST)
    assert str(caught.value) == f"huggingface ({feed.host}): timed out, 2 times in a row"
    assert len(sleep.waits) == 2  # retries were left; the second timeout ended the request


async def test_a_refused_connection_is_unreachable_at_once(sleep: RecordingSleep) -> None:
    with socket.socket() as probe:  # a port nobody listens on once the probe closes
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = HuggingFaceConfig(base_url=f"http://127.0.0.1:{port}", retries=4)
    with pytest.raises(SourceUnreachable) as caught:
        await fetch(config, sleep, NEWEST)
    assert str(caught.value) == f"huggingface (127.0.0.1:{port}): connection refused"
    assert sleep.waits == []


MALFORMED_BODIES = [
    pytest.param(b'[{"paper": {"id": "2608.19880", "tit', "application/json", "not JSON"),
    pytest.param(b"<!DOCTYPE html><title>Oops</title>", "text/html", "an HTML page"),
    pytest.param(b'{"error": "busy"}', "application/json", "expected a JSON list, got dict"),
    pytest.param(b"", "application/json", "not JSON"),
]
MALFORMED_IDS = ["truncated-json", "html-page", "object", "empty"]


@pytest.mark.parametrize(("body", "content_type", "why"), MALFORMED_BODIES, ids=MALFORMED_IDS)
async def test_a_malformed_200_is_retried_like_a_5xx(
    feed: FakeFeed,
    config: HuggingFaceConfig,
    sleep: RecordingSleep,
    body: bytes,
    content_type: str,
    why: str,
) -> None:
    # A loopback HF serving the real archive answered some requests so; each one used to
    # abort a whole backfill.
    feed.fail_next(2, status=200, body=body, headers={"Content-Type": content_type})
    assert len(await fetch(config, sleep, NEWEST)) == 17
    assert len(feed.requests) == 3
    assert len(sleep.waits) == 2


@pytest.mark.parametrize(("body", "content_type", "why"), MALFORMED_BODIES, ids=MALFORMED_IDS)
async def test_a_malformed_200_that_persists_is_malformed_after_the_retries(
    feed: FakeFeed,
    config: HuggingFaceConfig,
    sleep: RecordingSleep,
    body: bytes,
    content_type: str,
    why: str,
) -> None:
    feed.fail_next(3, status=200, body=body, headers={"Content-Type": content_type})
    with pytest.raises(MalformedResponse, match=why) as caught:
        await fetch(config, sleep, NEWEST)
    assert str(caught.value).startswith("huggingface 2026-08-21 page 0: ")
    assert str(caught.value).endswith(" after 3 attempt(s)")
    assert len(str(caught.value)) < 100
    assert len(feed.requests) == 3


async def test_a_4xx_is_rejected_with_hfs_reason(
    feed: FakeFeed, config: HuggingFaceConfig, sleep: RecordingSleep
) -> None:
    feed.fail_next(1, status=400, body=b'{"error": "Invalid date"}')
    with pytest.raises(UpstreamRejected) as caught:
        await fetch(config, sleep, NEWEST)
    assert str(caught.value) == "Hugging Face refused the request (HTTP 400): Invalid date"
    assert sleep.waits == []


@pytest.mark.parametrize(
    ("header", "seconds"),
    [
        ("7", 7.0),
        (" 0 ", 0.0),
        ("Fri, 21 Aug 2026 08:00:30 GMT", 30.0),
        ("Fri, 21 Aug 2026 07:59:00 GMT", 0.0),  # already past
        ("soon", None),
        ("-5", None),
        ("", None),
        (None, None),
    ],
)
def test_retry_after_takes_seconds_or_an_http_date(
    header: str | None, seconds: float | None
) -> None:
    now = datetime(2026, 8, 21, 8, 0, tzinfo=UTC)
    assert parse_retry_after(header, now) == seconds


async def test_a_runaway_body_is_cut_off(
    feed: FakeFeed,
    config: HuggingFaceConfig,
    sleep: RecordingSleep,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr("bot.sources.http.MAX_BODY_BYTES", 10_000)
    with pytest.raises(MalformedResponse, match="larger than"):
        await fetch(config, sleep, NEWEST)  # the real day is 113 kB


async def test_a_body_that_cannot_be_decoded_is_retried_then_malformed(
    feed: FakeFeed, config: HuggingFaceConfig, sleep: RecordingSleep
) -> None:
    feed.fail_next(1, status=200, body=b"not gzip at all", headers={"Content-Encoding": "gzip"})
    assert len(await fetch(config, sleep, NEWEST)) == 17
    feed.fail_next(3, status=200, body=b"not gzip at all", headers={"Content-Encoding": "gzip"})
    with pytest.raises(MalformedResponse, match="could not be decoded after 3 attempt"):
        await fetch(config, sleep, NEWEST)


async def test_an_answer_that_trickles_in_is_cut_off_at_the_deadline_and_retried(
    feed: FakeFeed, config: HuggingFaceConfig, sleep: RecordingSleep
) -> None:
    # Headers at once, then a byte every 50 ms: no read ever times out (timeout_s is 5 s), so
    # only a deadline on the whole request ends it. The outer bound fails the test, not hangs.
    quick = replace(config, request_deadline_s=0.3, retries=1)
    feed.drip_next(1, interval_s=0.05)
    async with asyncio.timeout(30):
        assert len(await fetch(quick, sleep, NEWEST)) == 17
        feed.drip_next(2, interval_s=0.05)
        with pytest.raises(SourceUnreachable) as caught:
            await fetch(quick, sleep, NEWEST)
    assert str(caught.value) == (
        f"huggingface ({feed.host}): no complete answer within 0.3s, 2 times in a row"
    )


@pytest.mark.parametrize("base_url", ["ftp://127.0.0.1", "http://"])
async def test_an_unusable_base_url_is_a_config_error(base_url: str, sleep: RecordingSleep) -> None:
    with pytest.raises(ConfigError, match="base_url"):
        await fetch(HuggingFaceConfig(base_url=base_url), sleep, NEWEST)
    assert sleep.waits == []


async def test_a_week_and_a_month_are_asked_by_their_names(
    feed: FakeFeed, config: HuggingFaceConfig, sleep: RecordingSleep
) -> None:
    source = HuggingFaceSource(config, DEFAULT_USER_AGENT, sleep=sleep)
    try:
        week = await source.period(period_containing(Cadence.WEEKLY, NEWEST))
        month = await source.period(period_containing(Cadence.MONTHLY, NEWEST))
        empty = await source.period(period_containing(Cadence.WEEKLY, date(2026, 8, 24)))
    finally:
        await source.aclose()
    assert [r.query for r in feed.requests] == [
        {"week": "2026-W34", "limit": "100", "p": "0"},
        {"month": "2026-08", "limit": "100", "p": "0"},
        {"week": "2026-W35", "limit": "100", "p": "0"},
    ]
    assert {p.arxiv_id for p in week} == {p.arxiv_id for p in await fetch(config, sleep, NEWEST)}
    assert {p.arxiv_id for p in month} == {p.arxiv_id for p in week}
    assert all(p.listed_on is None for p in week), "a week's list says no day"
    assert empty == []
