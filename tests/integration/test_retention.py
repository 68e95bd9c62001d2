"""The retention job in the running bot (bot/retention/runner.py): run after a sweep's
follow-ups by the scheduler, once every `every_hours` of the injected clock; a store that
fails ends a run with a warning; bloat is logged as a warning."""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import asyncpg
import pytest

from bot.app.scheduler import PaperScheduler
from bot.config.load import DeliveryConfig, RetentionConfig
from bot.delivery.runner import DeliveryRunner
from bot.records.clock import FixedClock
from bot.records.delivery import Delivery, DeliveryState
from bot.records.models import ChannelRef
from bot.retention.runner import RetentionRunner
from bot.storage.postgres.store import PostgresStore
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.memory_platform import MemoryPlatform
from tests.pg_schema import fresh_schema, postgres_url

NOW = datetime(2031, 5, 14, 6, 0, tzinfo=UTC)
SLACK = ChannelRef("slack", "C1", "T1")


class NoRefresh:
    async def refresh_day(self, day: date) -> int:
        return 0


def empty(day: date) -> Delivery:
    at = datetime.combine(day, time(9), tzinfo=UTC)
    return Delivery(SLACK, day, at, (day,), state=DeliveryState.EMPTY, reason="no list")


async def days_kept(store: SqliteStore) -> list[date]:
    return sorted(d.day for d in await store.latest_deliveries(SLACK, 1000))


async def test_the_sweep_prunes_once_every_few_hours_of_the_clock(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "retention.db")
    clock = FixedClock(NOW)
    config = DeliveryConfig(concurrency=1)
    runner = DeliveryRunner(store, NoRefresh(), {"slack": MemoryPlatform()}, clock, config)
    retention = RetentionRunner(store, clock, RetentionConfig(every_hours=6), config)
    scheduler = PaperScheduler(runner, store, clock, retention=retention)
    old, older, newest = date(2031, 1, 2), date(2031, 1, 1), date(2031, 5, 13)
    try:
        await store.create_deliveries([empty(older), empty(newest)])
        await scheduler.sweep()
        assert await days_kept(store) == [newest]  # pruned: older than 90 days
        await store.create_delivery(empty(old))
        clock.advance(timedelta(hours=5))
        await scheduler.sweep()
        assert await days_kept(store) == [old, newest]  # not due yet
        clock.advance(timedelta(hours=1))
        await scheduler.sweep()
        assert await days_kept(store) == [newest]
    finally:
        await scheduler.shutdown(wait=True)
        await store.close()


async def test_a_failing_store_ends_the_run_with_one_warning(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    store = await SqliteStore.open(tmp_path / "closed.db")
    await store.close()  # every call now raises StoreError
    runner = RetentionRunner(store, FixedClock(NOW), RetentionConfig(), DeliveryConfig())
    with caplog.at_level(logging.WARNING, logger="bot.retention"):
        assert await runner.run_due() == {}
    [warning] = caplog.records
    assert "retention stopped for this run" in warning.getMessage()


async def test_a_stopped_job_leaves_the_rest_for_the_next_run(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "stop.db")
    try:
        await store.create_deliveries([empty(date(2031, 1, 1) + timedelta(n)) for n in range(30)])
        runner = RetentionRunner(
            store, FixedClock(NOW), RetentionConfig(batch_size=10), DeliveryConfig()
        )
        runner.request_stop()
        assert await runner.run(NOW) == {}
        assert len(await days_kept(store)) == 30
    finally:
        await store.close()


@pytest.mark.postgres
async def test_dead_rows_autovacuum_left_are_a_warning_the_runs_own_are_not(
    caplog: pytest.LogCaptureFixture,
) -> None:
    async with fresh_schema(postgres_url()) as pg:
        # one connection: the backend that deletes is the one asked about dead rows after
        store = await PostgresStore.open(pg.url, schema=pg.schema, pool_size=1)
        conn = await asyncpg.connect(pg.url)
        try:
            table = f"{pg.schema}.handled_requests"
            await conn.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
            await conn.execute(
                f"INSERT INTO {table} (request_key, handled_at) "  # noqa: S608
                "SELECT 'k' || n, $1 FROM generate_series(1, 20000) AS n",
                NOW - timedelta(days=3),
            )
            await conn.execute("SELECT pg_stat_force_next_flush()")
            await conn.execute("SELECT 1")
            config = RetentionConfig(batch_size=20_000)  # one batch
            runner = RetentionRunner(store, FixedClock(NOW), config, DeliveryConfig())
            # a backend sends its counts as it goes idle when it last did over a second ago:
            # the run's own deletes would then be counted by a check made after them
            await asyncio.sleep(1.1)
            with caplog.at_level(logging.WARNING, logger="bot.retention"):
                assert (await runner.run(NOW))["handled_requests"] == 20_000
                assert caplog.records == []  # its own deletes: autovacuum has not had a turn
                for _ in range(50):  # the next runs: the counts reach the statistics in ~1 s
                    await runner.run(NOW)
                    if caplog.records:
                        break
                    await asyncio.sleep(0.1)
            assert "handled_requests holds 20000 dead rows" in caplog.records[0].getMessage()
        finally:
            await conn.close()
            await store.close()
