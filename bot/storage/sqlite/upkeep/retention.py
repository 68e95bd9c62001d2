"""Retention on SQLite (bot/retention/): the RetentionStore half of the Store port.

Each batch is one `BEGIN IMMEDIATE` transaction deleting at most `limit` rows, so the write
lock is never held for long. Space comes back to the file system through incremental
auto-vacuum: a new file is created with it (bot/storage/sqlite/open.py); an older file is
switched over once, by one `VACUUM` that rewrites it (docs/operations.md, "Retention").
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.records.errors import StoreError
from bot.records.retention import PruneKind, TableBloat
from bot.storage.codecs.retention import prune_sql
from bot.storage.codecs.text import instant_text

if TYPE_CHECKING:
    import aiosqlite

log = logging.getLogger(__name__)

INCREMENTAL = 2  # PRAGMA auto_vacuum's value for incremental
VACUUM_STEP = 2048  # free pages given back per write transaction (8 MB of 4 KB pages)
_PRUNE = {kind: prune_sql(kind, row_id="rowid", before="?", limit="?") for kind in PruneKind}


class SqliteRetention:
    """RetentionStore methods of SqliteStore; they use its one connection and transactions."""

    if TYPE_CHECKING:
        _conn: aiosqlite.Connection
        _write_lock: asyncio.Lock

        def _transaction(self) -> AbstractAsyncContextManager[aiosqlite.Connection]: ...

        async def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]: ...

    async def prune(self, kind: PruneKind, before: datetime, limit: int) -> int:
        async with self._transaction() as conn:
            cursor = await conn.execute(_PRUNE[kind], (instant_text(before), limit))
            return cursor.rowcount

    async def reclaim_space(self) -> list[TableBloat]:
        mode = int((await self._fetch("PRAGMA auto_vacuum"))[0][0])
        if mode != INCREMENTAL:
            await self._switch_to_incremental()
        free, before = await self._vacuum_step(), None
        while free and (before is None or free < before):  # stops if a step frees nothing
            await asyncio.sleep(0)  # the write lock is free between steps
            free, before = await self._vacuum_step(), free
        pages = int((await self._fetch("PRAGMA page_count"))[0][0])
        # free pages left after an incremental vacuum mean it could not run: say so
        return [TableBloat("the SQLite file", pages - free, free, "pages")] if free else []

    async def bloated_tables(self) -> list[TableBloat]:
        return []  # reclaim_space gives free pages back after each run

    async def _vacuum_step(self) -> int:
        """Give back up to VACUUM_STEP free pages; how many free pages remain. A year of backlog
        freed at once would hold the write lock for as long as moving all of it takes
        (docs/benchmarks.md, "Retention: a year of rows (issue 22), 2026-12-08")."""
        # sqlite3's execute steps a statement once, and this pragma frees one page a step;
        # executescript runs it to the end (in a write transaction of its own)
        async with self._write_lock:
            try:
                await self._conn.executescript(f"PRAGMA incremental_vacuum({VACUUM_STEP});")
            except sqlite3.Error as exc:
                raise StoreError(f"SQLite: {exc}") from exc
        return int((await self._fetch("PRAGMA freelist_count"))[0][0])

    async def _switch_to_incremental(self) -> None:
        """Once per file: auto_vacuum applies to an existing file only after a VACUUM, which
        rewrites the whole file (it needs as much free disk again, and holds the lock)."""
        started = time.monotonic()
        async with self._write_lock:  # no transaction of this process in between
            try:
                await self._conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
                await self._conn.execute("VACUUM")
            except sqlite3.Error as exc:
                raise StoreError(f"SQLite: {exc}") from exc
        log.warning(
            "SQLite file switched to incremental auto-vacuum (a one-off VACUUM, %.1f s)",
            time.monotonic() - started,
        )
