"""A backfill through the real service and HF source against a flaky loopback feed, on SQLite."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.app.backfill import plan_backfill, run_backfill
from bot.config.load import ArxivConfig, HuggingFaceConfig
from bot.digest.service import PaperService
from bot.records.clock import FixedClock
from bot.records.models import ChannelSettings
from bot.sources import ArxivSource, HuggingFaceSource
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.feed_server import HF_PATH, FakeFeed, hf_fixture

WED, THU, FRI = date(2026, 8, 19), date(2026, 8, 20), date(2026, 8, 21)
SAT, SUN = date(2026, 8, 22), date(2026, 8, 23)
CUTOFF = time(3, 0)
NOW = datetime(2026, 8, 24, 9, 0, tzinfo=UTC)  # Monday: every day above has closed
TRUNCATED = b'[{"paper": {"id": "2608.19880", "tit'


async def _no_sleep(_: float) -> None:
    return None


@pytest.fixture
async def feed() -> AsyncIterator[FakeFeed]:
    async with FakeFeed(fixtures=False) as running:
        # Three real lists on three weekdays; nothing on the weekend.
        running.serve_day(WED, hf_fixture(date(2024, 6, 13)))
        running.serve_day(THU, hf_fixture(date(2026, 5, 12)))
        running.serve_day(FRI, hf_fixture(date(2026, 8, 21)))
        yield running


@pytest.fixture
async def service(feed: FakeFeed, tmp_path: Path) -> AsyncIterator[PaperService]:
    store = await SqliteStore.open(tmp_path / "backfill.db")
    config = HuggingFaceConfig(base_url=feed.url, retries=2)
    hf = HuggingFaceSource(config, "t", sleep=_no_sleep)
    arxiv = ArxivSource(ArxivConfig(base_url=feed.arxiv_url), "t", sleep=_no_sleep)
    yield PaperService(
        store, hf, arxiv, FixedClock(NOW), defaults=ChannelSettings(), day_cutoff_utc=CUTOFF
    )
    await hf.aclose()
    await arxiv.aclose()
    await store.close()


async def _days_listed(service: PaperService, *days: date) -> list[int]:
    return [len(await service.store.papers_listed_on(day)) for day in days]


def _requested_days(feed: FakeFeed) -> list[str]:
    return sorted({r.query["date"] for r in feed.requests_to(HF_PATH)})


async def test_a_day_that_keeps_failing_is_named_and_the_other_days_go_on(
    service: PaperService, feed: FakeFeed
) -> None:
    feed.fail_next(1, status=500, day=WED)  # retried away
    feed.fail_next(1, status=429, headers={"Retry-After": "1"}, day=FRI)  # retried away
    feed.fail_next(3, status=200, body=TRUNCATED, day=THU)  # every attempt: THU fails
    report = await run_backfill(service.store_day, [WED, THU, FRI, SAT, SUN])
    assert list(report.failed) == [THU]
    assert report.failed[THU] == (
        "huggingface 2026-08-20 page 0: response is not JSON after 3 attempt(s)"
    )
    assert (report.listed, report.empty) == ([WED, FRI], [SAT, SUN])
    assert await _days_listed(service, WED, THU, FRI) == [21, 0, 17]
    assert report.papers == 21 + 17


async def test_a_rerun_fetches_only_the_days_still_missing(
    service: PaperService, feed: FakeFeed
) -> None:
    feed.fail_next(3, status=502, day=THU)
    await run_backfill(service.store_day, [WED, THU, FRI, SAT, SUN])
    feed.requests.clear()
    fetched = await service.store.latest_fetches(WED, SUN)
    plan = plan_backfill(WED, SUN, fetched, CUTOFF)
    assert plan.to_fetch == (THU,)  # the weekend's empty lists were fetched after they closed
    report = await run_backfill(service.store_day, plan.to_fetch)
    assert report.failed == {}
    assert _requested_days(feed) == ["2026-08-20"]
    assert await _days_listed(service, WED, THU, FRI) == [21, 50, 17]


async def test_a_day_fetched_before_its_list_closed_is_fetched_again(
    service: PaperService, feed: FakeFeed
) -> None:
    clock = service.clock
    assert isinstance(clock, FixedClock)
    clock.set(datetime(2026, 8, 21, 23, 0, tzinfo=UTC))  # Friday's list is still growing
    await run_backfill(service.store_day, [THU, FRI])
    clock.set(NOW)
    fetched = await service.store.latest_fetches(THU, FRI)
    assert plan_backfill(THU, FRI, fetched, CUTOFF).to_fetch == (FRI,)


async def test_days_without_a_list_log_no_line_of_their_own(
    service: PaperService, feed: FakeFeed, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    days = [FRI + timedelta(days=i) for i in range(30)]  # the last list, then a month of none
    report = await run_backfill(service.store_day, days)
    assert (len(report.listed), len(report.empty)) == (1, 29)
    ours = [r.getMessage() for r in caplog.records if r.name.startswith("bot")]
    assert ours == ["fetched 17 papers listed on 2026-08-21"]
