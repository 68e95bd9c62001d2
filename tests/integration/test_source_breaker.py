"""A source that is down fails fast and says so: the real httpx client against loopback
servers (a refused port, a stalling and a dripping FakeFeed), time moved by a fake
monotonic clock instead of sleeping."""

from __future__ import annotations

import asyncio
import socket
import time
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime

import pytest

from bot.config.load import DEFAULT_USER_AGENT, ArxivConfig, HuggingFaceConfig
from bot.records.errors import SourceUnavailable, SourceUnreachable
from bot.sources import ArxivSource, HuggingFaceSource
from bot.sources.breaker import CircuitBreaker
from bot.sources.hf_artifacts import HfArtifactsSource
from bot.sources.http import HttpClient, RetryPolicy
from tests.fakes.feed_server import HF_PATH, FakeFeed

DAY = date(2026, 8, 21)
AT = datetime(2026, 8, 22, 9, 41, tzinfo=UTC)


class RecordingSleep:
    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


class Monotonic:
    """A monotonic clock the test moves."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now


def refused_port() -> int:
    with socket.socket() as probe:  # nobody listens on it once the probe closes
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


@pytest.fixture
async def feed() -> AsyncIterator[FakeFeed]:
    async with FakeFeed() as fake:
        yield fake


async def test_after_a_refusal_the_next_calls_fail_at_once_until_the_cool_down_ends(
    feed: FakeFeed,
) -> None:
    port = refused_port()
    clock = Monotonic()
    breaker = CircuitBreaker("huggingface", cooldown_s=60, monotonic=clock, wall_clock=lambda: AT)
    sleep = RecordingSleep()
    http = HttpClient(
        source="huggingface",
        user_agent=DEFAULT_USER_AGENT,
        timeout_s=5,
        policy=RetryPolicy(retries=4),
        sleep=sleep,
        breaker=breaker,
        monotonic=clock,
    )
    dead = f"http://127.0.0.1:{port}{HF_PATH}"
    try:
        with pytest.raises(SourceUnreachable) as first:
            await http.get(dead, {})
        assert str(first.value) == f"huggingface (127.0.0.1:{port}): connection refused"
        assert not first.value.still_down
        clock.now += 59  # within the cool-down: even a live URL is not asked
        with pytest.raises(SourceUnreachable) as again:
            await http.get(feed.url + HF_PATH, {"date": DAY.isoformat()})
        assert str(again.value) == (
            f"huggingface (127.0.0.1:{port}): connection refused; no answer since 09:41 UTC"
        )
        assert again.value.since == AT
        assert again.value.still_down
        assert feed.requests == []
        clock.now += 2  # the cool-down is over: the next request goes out, and closes it
        reply = await http.get(feed.url + HF_PATH, {"date": DAY.isoformat()})
        assert reply.status == 200
        assert not breaker.is_open
    finally:
        await http.aclose()
    assert sleep.waits == []


async def test_a_dead_host_costs_a_source_one_connection_attempt_per_cool_down() -> None:
    port = refused_port()
    clock = Monotonic()
    config = HuggingFaceConfig(base_url=f"http://127.0.0.1:{port}", retries=4, cooldown_s=30)
    sleep = RecordingSleep()
    source = HuggingFaceSource(config, DEFAULT_USER_AGENT, sleep=sleep, monotonic=clock)
    try:
        started = time.monotonic()
        for _ in range(20):  # a backfill's days, or users asking again and again
            with pytest.raises(SourceUnreachable):
                await source.daily(DAY)
        elapsed = time.monotonic() - started
    finally:
        await source.aclose()
    assert sleep.waits == []
    assert elapsed < 5  # 20 refusals with their retries used to take about 200 s


async def test_two_timeouts_in_a_row_open_the_breaker_across_requests(feed: FakeFeed) -> None:
    clock = Monotonic()
    config = HuggingFaceConfig(base_url=feed.url, timeout_s=0.05, retries=0, cooldown_s=60)
    source = HuggingFaceSource(config, DEFAULT_USER_AGENT, sleep=RecordingSleep(), monotonic=clock)
    feed.stall_next(2)
    try:
        with pytest.raises(SourceUnavailable) as first:  # one timeout: not yet unreachable
            await source.daily(DAY)
        assert not isinstance(first.value, SourceUnreachable)
        with pytest.raises(SourceUnreachable, match=r"timed out, 2 times in a row$"):
            await source.daily(DAY)
        asked = len(feed.requests)
        with pytest.raises(SourceUnreachable, match="no answer since"):
            await source.daily(DAY)
        assert len(feed.requests) == asked  # failed at once
        clock.now += 61
        assert len(await source.daily(DAY)) == 17
    finally:
        await source.aclose()


async def test_a_5xx_is_retried_and_does_not_open_the_breaker(feed: FakeFeed) -> None:
    config = HuggingFaceConfig(base_url=feed.url, retries=4)
    sleep = RecordingSleep()
    source = HuggingFaceSource(config, DEFAULT_USER_AGENT, sleep=sleep, monotonic=Monotonic())
    feed.fail_next(3, status=503)
    try:
        assert len(await source.daily(DAY)) == 17
        feed.fail_next(1, status=502)
        assert len(await source.daily(DAY)) == 17  # a host that answers 5xx is there
    finally:
        await source.aclose()
    assert len(sleep.waits) == 4


async def test_a_dripping_answer_is_cut_off_by_the_requests_total_budget(feed: FakeFeed) -> None:
    # 200 at once, then one byte a second: no read times out and each attempt's deadline is
    # 60 s, so only the budget shared by all attempts ends it (it used to take 5 x 60 s).
    config = HuggingFaceConfig(
        base_url=feed.url, timeout_s=5, request_deadline_s=60, request_budget_s=1.5, retries=4
    )
    feed.drip_next(5, interval_s=1.0)
    source = HuggingFaceSource(config, DEFAULT_USER_AGENT, sleep=RecordingSleep())
    started = time.monotonic()
    try:
        async with asyncio.timeout(20):  # fails the test instead of hanging it
            with pytest.raises(SourceUnavailable) as caught:
                await source.daily(DAY)
    finally:
        await source.aclose()
    elapsed = time.monotonic() - started
    assert str(caught.value) == (
        "huggingface: no complete answer within the request's 1.5s budget after 1 attempt(s)"
    )
    assert len(feed.requests) == 1
    assert 1.4 < elapsed < 5


async def test_the_budget_counts_the_waits_a_server_asks_for(feed: FakeFeed) -> None:
    config = HuggingFaceConfig(base_url=feed.url, retries=4, request_budget_s=30)
    sleep = RecordingSleep()
    source = HuggingFaceSource(config, DEFAULT_USER_AGENT, sleep=sleep, monotonic=Monotonic())
    feed.fail_next(1, status=429, headers={"Retry-After": "45"})
    try:
        with pytest.raises(SourceUnavailable, match=r"^huggingface: HTTP 429 after 1 attempt"):
            await source.daily(DAY)
    finally:
        await source.aclose()
    assert sleep.waits == []  # a 45 s wait would overrun the 30 s budget: given up at once


async def test_arxiv_and_the_hub_each_have_their_own_breaker(feed: FakeFeed) -> None:
    port = refused_port()
    clock = Monotonic()
    sleep = RecordingSleep()
    dead_arxiv = ArxivConfig(base_url=f"http://127.0.0.1:{port}/api/query", min_interval_s=0)
    arxiv = ArxivSource(dead_arxiv, DEFAULT_USER_AGENT, sleep=sleep, monotonic=clock)
    hub = HfArtifactsSource(HuggingFaceConfig(base_url=feed.url), DEFAULT_USER_AGENT, sleep=sleep)
    try:
        with pytest.raises(SourceUnreachable, match=r"^arxiv \(127\.0\.0\.1:\d+\): connection"):
            await arxiv.get("2608.19880")
        with pytest.raises(SourceUnreachable, match="no answer since"):
            await arxiv.search("agents")
        found = await hub.artifacts("2608.19880")  # the Hub is up: its breaker is closed
        assert found.arxiv_id == "2608.19880"
    finally:
        await arxiv.aclose()
        await hub.aclose()
    assert sleep.waits == []


async def test_a_failed_tls_handshake_is_unreachable_at_once(feed: FakeFeed) -> None:
    # https:// to a server that speaks plain HTTP: the handshake fails, as with a host whose
    # certificate or TLS set-up is broken; retrying cannot mend it.
    tls_url = feed.url.replace("http://", "https://")
    sleep = RecordingSleep()
    config = HuggingFaceConfig(base_url=tls_url, retries=4)
    source = HuggingFaceSource(config, DEFAULT_USER_AGENT, sleep=sleep, monotonic=Monotonic())
    try:
        with pytest.raises(SourceUnreachable) as caught:
            await source.daily(DAY)
    finally:
        await source.aclose()
    assert str(caught.value) == f"huggingface ({feed.host}): TLS handshake failed"
    assert sleep.waits == []
