"""A database that is busy or full fails a write with StoreBusy or StoreFull, on both stores,
and the failed write leaves nothing behind: what the store held before is all it holds.

Busy is another connection holding the write lock (SQLite) or the row (PostgreSQL) past the
store's short timeout. Full is SQLite's own limit (`max_page_count` on the store's
connection, reached by a real insert) and, on PostgreSQL, the server's `disk_full` answer
(SQLSTATE 53100), raised by a trigger, as a full disk would raise it.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Callable
from contextlib import AbstractAsyncContextManager, AsyncExitStack, asynccontextmanager
from dataclasses import dataclass, replace
from pathlib import Path
from typing import Any

import asyncpg
import pytest

from bot.ports import Store
from bot.records.errors import StoreBusy, StoreFull
from bot.records.models import ChannelRef, ChannelSettings, Subscription
from bot.storage.postgres.conn import MIGRATION_LOCK
from bot.storage.postgres.store import PostgresStore
from bot.storage.sqlite.store import SqliteStore
from tests.contract.test_store_contract import CORPUS, paper
from tests.pg_schema import fresh_schema, postgres_url

TIMEOUT_MS = 200
CHANNEL = ChannelRef("slack", "C1", "T1")
BEFORE = Subscription(CHANNEL, settings=ChannelSettings(max_papers=5))
AFTER = replace(BEFORE, settings=ChannelSettings(max_papers=9))


@dataclass
class Faults:
    """One backend's store with a short lock timeout, and the ways to make it busy or full."""

    store: Store
    hold_lock: Callable[[], AbstractAsyncContextManager[None]]
    fill_up: Callable[[], Any]  # an awaitable: after it, the next insert finds no room


async def _sqlite(tmp_path: Path, stack: AsyncExitStack) -> Faults:
    path = tmp_path / "faults.db"
    store = await SqliteStore.open(path, busy_timeout_ms=TIMEOUT_MS)
    stack.push_async_callback(store.close)

    @asynccontextmanager
    async def hold_lock() -> AsyncIterator[None]:
        other = sqlite3.connect(path, isolation_level=None)
        other.execute("BEGIN IMMEDIATE")  # another process's write transaction
        try:
            yield
        finally:
            other.execute("ROLLBACK")
            other.close()

    return Faults(store, hold_lock, lambda: no_room_to_grow(store))


async def no_room_to_grow(store: SqliteStore) -> None:
    """Cap the file at its current size. The limit holds on one connection only: the store's
    own, so its next write that needs a new page gets SQLITE_FULL, as on a full disk."""
    conn = store._conn
    row = await (await conn.execute("PRAGMA page_count")).fetchone()
    assert row is not None
    await conn.execute(f"PRAGMA max_page_count = {int(row[0])}")


async def _postgres(stack: AsyncExitStack) -> Faults:
    pg = await stack.enter_async_context(fresh_schema(postgres_url()))
    store = await PostgresStore.open(pg.url, schema=pg.schema, lock_timeout_ms=TIMEOUT_MS)
    stack.push_async_callback(store.close)
    table = f"{pg.schema}.subscriptions"

    @asynccontextmanager
    async def hold_lock() -> AsyncIterator[None]:
        other = await asyncpg.connect(pg.url)
        try:
            async with other.transaction():
                await other.execute(f"LOCK TABLE {table} IN EXCLUSIVE MODE")
                yield
        finally:
            await other.close()

    async def fill_up() -> None:
        conn = await asyncpg.connect(pg.url)
        try:
            await conn.execute(
                f"CREATE FUNCTION {pg.schema}.no_room() RETURNS trigger LANGUAGE plpgsql AS "
                "$$ BEGIN RAISE EXCEPTION 'could not extend file: No space left on device' "
                "USING ERRCODE = 'disk_full'; END $$"
            )
            for name in ("papers", "subscriptions"):
                await conn.execute(
                    f"CREATE TRIGGER no_room BEFORE INSERT OR UPDATE ON {pg.schema}.{name} "
                    f"FOR EACH ROW EXECUTE FUNCTION {pg.schema}.no_room()"
                )
        finally:
            await conn.close()

    return Faults(store, hold_lock, fill_up)


@pytest.fixture(params=["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)])
async def faults(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Faults]:
    async with AsyncExitStack() as stack:
        if request.param == "sqlite":
            yield await _sqlite(tmp_path, stack)
        else:
            yield await _postgres(stack)


async def test_a_write_behind_another_writers_lock_is_busy_and_changes_nothing(
    faults: Faults,
) -> None:
    await faults.store.save_subscription(BEFORE)
    async with faults.hold_lock():
        with pytest.raises(StoreBusy):
            await faults.store.save_subscription(AFTER)
    assert await faults.store.get_subscription(CHANNEL) == BEFORE
    await faults.store.save_subscription(AFTER)  # the lock is gone: the same write succeeds
    assert await faults.store.get_subscription(CHANNEL) == AFTER


async def test_a_write_with_no_room_is_full_and_keeps_what_was_there(faults: Faults) -> None:
    await faults.store.upsert_papers(CORPUS)
    await faults.store.save_subscription(BEFORE)
    await faults.fill_up()
    many = [paper(f"2405.{n:05d}", title="x" * 2000, abstract="y" * 4000) for n in range(200)]
    with pytest.raises(StoreFull):
        await faults.store.upsert_papers(many)
    assert await faults.store.get_paper(many[0].arxiv_id) is None
    assert await faults.store.get_paper(CORPUS[0].arxiv_id) == CORPUS[0]
    assert await faults.store.get_subscription(CHANNEL) == BEFORE


@pytest.mark.postgres
async def test_a_starting_worker_waits_out_another_workers_migrations() -> None:
    """The lock timeout makes writes fail as busy, never a start: migrations wait their turn."""
    async with fresh_schema(postgres_url()) as pg:
        migrating = await asyncpg.connect(pg.url)  # another worker, migrating
        try:
            await migrating.execute("SELECT pg_advisory_lock($1)", MIGRATION_LOCK)
            opening = asyncio.create_task(
                PostgresStore.open(pg.url, schema=pg.schema, lock_timeout_ms=50)
            )
            done, _ = await asyncio.wait([opening], timeout=0.5)  # ten lock timeouts
            assert not done  # still waiting: not failed as busy
            await migrating.execute("SELECT pg_advisory_unlock($1)", MIGRATION_LOCK)
            store = await opening
            await store.close()
        finally:
            await migrating.close()
