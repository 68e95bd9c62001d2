"""SQLite opened read-only, and opening next to another process's lock: a reader never takes
the write lock, and nobody waits longer than the busy timeout."""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.records.errors import StoreError
from bot.storage.migrations import MIGRATIONS
from bot.storage.sqlite.store import SqliteStore
from tests.contract.test_sqlite_store import downgrade_to_version_2
from tests.contract.test_store_contract import CORPUS

BUSY_MS = 200
NEVER_HANG_S = 3  # a bound, not a measurement: the old open took 12 busy timeouts here


async def make_db(path: Path) -> Path:
    store = await SqliteStore.open(path)
    await store.upsert_papers(CORPUS)
    await store.close()
    return path


@pytest.fixture
def db(tmp_path: Path) -> Path:
    return asyncio.run(make_db(tmp_path / "paperbot.db"))


@pytest.fixture
def writer(db: Path) -> Iterator[sqlite3.Connection]:
    """Another connection in the middle of a write transaction (WAL: readers go on)."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("BEGIN EXCLUSIVE")
    conn.execute("DELETE FROM listings")
    yield conn
    conn.execute("ROLLBACK")
    conn.close()


@pytest.fixture
def exclusive_holder(db: Path) -> Iterator[sqlite3.Connection]:
    """A connection that keeps the whole file to itself (`locking_mode = EXCLUSIVE`, as a
    maintenance tool might): nobody can even read, so an open can only wait, then give up."""
    conn = sqlite3.connect(db, isolation_level=None)
    conn.execute("PRAGMA locking_mode = EXCLUSIVE")
    conn.execute("BEGIN EXCLUSIVE")
    conn.execute("SELECT count(*) FROM papers").fetchone()
    yield conn
    conn.execute("ROLLBACK")
    conn.close()


def test_a_reader_opens_and_reads_while_a_writer_holds_the_lock(
    db: Path, writer: sqlite3.Connection
) -> None:
    async def read() -> None:
        async with asyncio.timeout(NEVER_HANG_S):
            store = await SqliteStore.open(db, read_only=True, busy_timeout_ms=BUSY_MS)
        try:
            assert store.read_only
            assert await store.get_paper(CORPUS[0].arxiv_id) == CORPUS[0]
            with pytest.raises(StoreError, match="readonly"):
                await store.upsert_papers(CORPUS[:1])
        finally:
            await store.close()

    asyncio.run(read())


@pytest.mark.parametrize("read_only", [True, False])
def test_an_open_behind_an_exclusive_lock_gives_up_after_the_busy_timeout(
    db: Path, exclusive_holder: sqlite3.Connection, read_only: bool
) -> None:
    async def open_it() -> None:
        async with asyncio.timeout(NEVER_HANG_S):
            await SqliteStore.open(db, read_only=read_only, busy_timeout_ms=BUSY_MS)

    with pytest.raises(StoreError) as caught:
        asyncio.run(open_it())
    assert str(caught.value) == (
        f"SQLite database {str(db)!r} is locked by another process (gave up after 0.2 s)"
    )


async def test_a_reader_of_a_missing_file_creates_no_file_and_keeps_nothing(
    tmp_path: Path,
) -> None:
    store = await SqliteStore.open(tmp_path / "new.db", read_only=True)
    try:
        assert store.read_only  # the service keeps nothing it fetches, as with a file
        assert await store.schema_version() == MIGRATIONS[-1].id
        assert await store.get_paper(CORPUS[0].arxiv_id) is None
        await store.upsert_papers(CORPUS[:1])  # a scratch store in memory: writes go nowhere
    finally:
        await store.close()
    assert await asyncio.to_thread(lambda: list(tmp_path.iterdir())) == []
    again = await SqliteStore.open(tmp_path / "new.db", read_only=True)
    try:
        assert await again.get_paper(CORPUS[0].arxiv_id) is None
    finally:
        await again.close()


async def test_a_reader_of_an_old_schema_says_so_once_upgrades_it_then_reads_only(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    db = await make_db(tmp_path / "old.db")
    downgrade_to_version_2(db)
    with caplog.at_level(logging.WARNING):
        store = await SqliteStore.open(db, read_only=True)
    try:
        assert store.read_only
        assert await store.schema_version() == MIGRATIONS[-1].id
        assert await store.get_paper(CORPUS[0].arxiv_id) == CORPUS[0]
        with pytest.raises(StoreError, match="readonly"):
            await store.upsert_papers(CORPUS[:1])
    finally:
        await store.close()
    [record] = caplog.records
    assert record.getMessage() == (
        f"the database schema is at version 2 of {MIGRATIONS[-1].id}: "
        "opening it for writing to upgrade it"
    )
