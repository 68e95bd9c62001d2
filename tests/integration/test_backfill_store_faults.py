"""A backfill whose store runs out of room stops there and says exactly which days were
stored and which were not: real service, the shipped sample, a real SQLite file."""

from __future__ import annotations

from datetime import UTC, date, datetime
from pathlib import Path

from bot.app.backfill import failure_lines, run_backfill
from bot.digest.service import PaperService
from bot.records.clock import FixedClock
from bot.records.models import ChannelSettings
from bot.sources.sample import SampleSource
from bot.storage.sqlite.store import SqliteStore
from tests.contract.test_store_faults_contract import no_room_to_grow

OLD, NEW = date(2024, 6, 13), date(2026, 8, 21)  # the sample's two days
NOW = datetime(2026, 8, 22, 9, 0, tzinfo=UTC)


async def test_a_full_store_stops_the_backfill_and_names_what_was_stored(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "paperbot.db")
    try:
        sample = SampleSource()
        service = PaperService(store, sample, sample, FixedClock(NOW), defaults=ChannelSettings())
        first = await run_backfill(service.store_day, [OLD])
        await no_room_to_grow(store)  # the disk fills up after the first day
        report = await run_backfill(service.store_day, [NEW, date(2026, 8, 24)])
        assert first.listed == [OLD]
        assert report.stopped is not None
        assert report.stopped[0] == NEW
        assert "is full" in report.stopped[1]
        assert report.listed == []
        lines = failure_lines(report)
        assert lines[0].startswith(f"Stopped at {NEW}: SQLite database ")
        assert lines[1] == (
            f"The days fetched before {NEW} are stored; {NEW} and the days after it are not: "
            "run the same command again to fetch only what is missing."
        )
        assert await store.papers_listed_on(OLD) != []
        assert await store.papers_listed_on(NEW) == []
    finally:
        await store.close()
