"""Space after pruning (bot/storage/*/upkeep/retention.py `reclaim_space`): SQLite gives pages
back to the file system through incremental auto-vacuum (a new file has it; an older file is
switched over once); PostgreSQL names the tables whose dead rows autovacuum left behind."""

from __future__ import annotations

import asyncio
import sqlite3
from datetime import UTC, datetime, timedelta
from pathlib import Path

import asyncpg
import pytest

from bot.records.retention import PruneKind, TableBloat
from bot.storage.postgres.store import PostgresStore
from bot.storage.sqlite.store import SqliteStore
from tests.pg_schema import fresh_schema, postgres_url

NOW = datetime(2024, 9, 10, 12, 0, tzinfo=UTC)
ROWS = 20_000  # past the dead rows PostgreSQL's report starts at
SQLITE_ROWS = 4_000


def auto_vacuum(path: Path) -> int:
    with sqlite3.connect(path) as conn:
        return int(conn.execute("PRAGMA auto_vacuum").fetchone()[0])


async def fill_and_prune(store: SqliteStore) -> int:
    """SQLITE_ROWS old request keys (a few hundred pages), then all pruned at once."""
    at = NOW - timedelta(days=30)
    for n in range(SQLITE_ROWS):
        await store.remember_request(f"{n}-{'x' * 60}", at, at)
    return await store.prune(PruneKind.HANDLED_REQUESTS, NOW, SQLITE_ROWS)


async def test_a_new_sqlite_file_gives_pruned_space_back(tmp_path: Path) -> None:
    path = tmp_path / "new.db"
    store = await SqliteStore.open(path)
    try:
        assert auto_vacuum(path) == 2  # incremental from the start
        assert await fill_and_prune(store) == SQLITE_ROWS
        assert await store.reclaim_space() == []
        assert await store.reclaim_space() == []  # nothing left to give back
    finally:
        await store.close()
    with sqlite3.connect(path) as conn:  # the pruned rows' pages went back: an empty schema's
        assert conn.execute("PRAGMA page_count").fetchone()[0] < 100


async def test_an_older_sqlite_file_is_switched_to_incremental_once(tmp_path: Path) -> None:
    path = tmp_path / "old.db"
    with sqlite3.connect(path) as conn:  # made before auto-vacuum was set: NONE for good
        conn.execute("CREATE TABLE before_retention (x INTEGER)")
    store = await SqliteStore.open(path)
    try:
        assert auto_vacuum(path) == 0
        assert await fill_and_prune(store) == SQLITE_ROWS
        assert await store.reclaim_space() == []  # switched, and emptied its free pages
        assert auto_vacuum(path) == 2
    finally:
        await store.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA freelist_count").fetchone()[0] == 0


@pytest.mark.postgres
async def test_postgres_names_a_table_autovacuum_left_bloated() -> None:
    async with fresh_schema(postgres_url()) as pg:
        store = await PostgresStore.open(pg.url, schema=pg.schema)
        conn = await asyncpg.connect(pg.url)
        try:
            assert await store.bloated_tables() == []
            table = f"{pg.schema}.handled_requests"
            # autovacuum off for this table only, so that it cannot clean up first
            await conn.execute(f"ALTER TABLE {table} SET (autovacuum_enabled = false)")
            await conn.execute(
                f"INSERT INTO {table} (request_key, handled_at) "  # noqa: S608
                "SELECT 'k' || n, $1 FROM generate_series(1, $2) AS n",
                NOW - timedelta(days=30),
                ROWS,
            )
            assert await store.prune(PruneKind.HANDLED_REQUESTS, NOW, ROWS) == ROWS
            await conn.execute("SELECT pg_stat_force_next_flush()")  # the insert's counts
            await conn.execute("SELECT 1")
            found = await _eventually_reported(store)
            assert [(b.table, b.dead) for b in found] == [("handled_requests", ROWS)]
            assert await store.reclaim_space() == []  # autovacuum's job, not ours
        finally:
            await conn.close()
            await store.close()


async def _eventually_reported(store: PostgresStore) -> list[TableBloat]:
    """The store's own backend flushes its delete's counts within about a second."""
    for _ in range(50):
        found = await store.bloated_tables()
        if found:
            return found
        await asyncio.sleep(0.1)
    return []


async def test_sqlite_gives_space_back_in_steps_letting_writes_in_between(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr("bot.storage.sqlite.upkeep.retention.VACUUM_STEP", 16)  # pages per step
    path = tmp_path / "steps.db"
    store = await SqliteStore.open(path)
    try:
        assert await fill_and_prune(store) == SQLITE_ROWS
        with sqlite3.connect(path) as conn:
            free_at_first = conn.execute("PRAGMA freelist_count").fetchone()[0]
        reclaiming = asyncio.create_task(store.reclaim_space())
        seen: set[int] = set()
        for n in range(10_000):  # a write whenever the lock is free, until it is all given back
            if reclaiming.done():
                break
            await store.remember_request(f"meanwhile-{n}", NOW, NOW)
            with sqlite3.connect(path) as conn:
                seen.add(conn.execute("PRAGMA freelist_count").fetchone()[0])
        await reclaiming
        # some write went in between two steps: neither before the first nor after the last
        assert any(0 < free < free_at_first for free in seen), (free_at_first, seen)
    finally:
        await store.close()
    with sqlite3.connect(path) as conn:
        assert conn.execute("PRAGMA freelist_count").fetchone()[0] == 0
