"""Opening a SQLite file for SqliteStore: for writing (WAL, ready to migrate) or read-only.

A read-only open takes no write lock and writes nothing, so `digest`, `search` and `show`
never wait behind a writer (in WAL mode readers and the writer do not block each other).
Whatever the mode, waiting for another process's lock ends after the busy timeout with one
StoreError that says so, never a hang.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
import time
from pathlib import Path

import aiosqlite

from bot.records.errors import StoreBusy, StoreCorrupt, StoreError, StoreFull
from bot.storage.migrations import pending

log = logging.getLogger(__name__)

_BUSY_CODES = (sqlite3.SQLITE_BUSY, sqlite3.SQLITE_LOCKED)
_DAMAGED_CODES = (sqlite3.SQLITE_CORRUPT, sqlite3.SQLITE_NOTADB)
# The codes that get an error type of their own (StoreBusy, StoreFull, StoreCorrupt).
TYPED_CODES = (*_BUSY_CODES, sqlite3.SQLITE_FULL, *_DAMAGED_CODES)


async def connect_read_write(path: str | Path, busy_timeout_ms: int) -> aiosqlite.Connection:
    """A connection in WAL mode, with the file created if missing. Raises StoreError."""
    try:
        # aiosqlite's failed connect leaves its worker thread reporting to the event
        # loop later (after the loop may be closed), so open errors surface here first.
        await asyncio.to_thread(_try_open, path)
        conn = await aiosqlite.connect(path, isolation_level=None)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open SQLite database {str(path)!r}: {exc}") from exc
    try:
        await _configure(conn, busy_timeout_ms)
        # takes effect on a new file only (an older one is switched by the retention job):
        # pages freed by pruning then go back to the file system (sqlite/upkeep/retention.py)
        await conn.execute("PRAGMA auto_vacuum = INCREMENTAL")
        await _enable_wal(conn, busy_timeout_ms)
        await conn.execute("PRAGMA synchronous = NORMAL")
        await conn.execute("PRAGMA foreign_keys = ON")
    except sqlite3.Error as exc:
        await conn.close()
        raise open_error(path, exc, busy_timeout_ms) from exc
    return conn


async def connect_read_only(path: str | Path, busy_timeout_ms: int) -> aiosqlite.Connection | None:
    """A read-only connection to an existing, up-to-date database; None when the file is
    missing or its schema is behind (the caller opens it for writing to create or upgrade
    it). Raises StoreError."""
    uri = await asyncio.to_thread(_read_only_uri, Path(path))
    if uri is None:
        return None
    try:
        conn = await aiosqlite.connect(uri, uri=True, isolation_level=None)
    except sqlite3.Error as exc:
        raise StoreError(f"cannot open SQLite database {str(path)!r}: {exc}") from exc
    try:
        await _configure(conn, busy_timeout_ms)
        behind = await _schema_behind(conn)
    except sqlite3.Error as exc:
        await conn.close()
        raise open_error(path, exc, busy_timeout_ms) from exc
    if behind:
        await conn.close()
        log.warning("the database schema is %s: opening it for writing to upgrade it", behind)
        return None
    return conn


async def _configure(conn: aiosqlite.Connection, busy_timeout_ms: int) -> None:
    conn.row_factory = sqlite3.Row
    await conn.execute(f"PRAGMA busy_timeout = {int(busy_timeout_ms)}")


async def _enable_wal(conn: aiosqlite.Connection, busy_timeout_ms: int) -> None:
    """Switch to WAL. SQLite answers "locked" at once, without its busy handler, while
    another connection opens the same new file, so wait a little and try again; but never
    longer than the busy timeout in all (each try may itself wait that long for a lock)."""
    deadline = time.monotonic() + busy_timeout_ms / 1000
    attempt = 0
    while True:
        try:
            await conn.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as exc:
            if "locked" not in str(exc) or time.monotonic() >= deadline:
                raise
        await asyncio.sleep(min(0.01 * 2**attempt, 0.5, max(deadline - time.monotonic(), 0)))
        attempt += 1


async def _schema_behind(conn: aiosqlite.Connection) -> str | None:
    """Why the schema needs migrations ("empty", "at version 2 of 4"), or None if current."""
    try:
        rows = await conn.execute_fetchall("SELECT id FROM schema_version")
    except sqlite3.OperationalError as exc:
        if "no such table" not in str(exc):
            raise
        return "not created yet"
    applied = {int(row[0]) for row in rows}
    missing = pending(applied)
    if not missing:
        return None
    return f"at version {max(applied, default=0)} of {missing[-1].id}"


def open_error(path: str | Path, exc: sqlite3.Error, busy_timeout_ms: int) -> StoreError:
    """`exc` as the StoreError that says what happened to the file at `path`."""
    code = primary_code(exc)
    if code in _BUSY_CODES or "locked" in str(exc):
        return StoreBusy(
            f"SQLite database {str(path)!r} is locked by another process "
            f"(gave up after {busy_timeout_ms / 1000:g} s)"
        )
    if code == sqlite3.SQLITE_FULL:
        return StoreFull(
            f"SQLite database {str(path)!r} is full (its disk has no room, or it reached "
            "its size limit); the failed write was rolled back"
        )
    if code in _DAMAGED_CODES:
        return damaged(path, str(exc))
    return StoreError(f"cannot open SQLite database {str(path)!r}: {exc}")


def damaged(path: str | Path, detail: str) -> StoreCorrupt:
    """The one line for a damaged file: which file, and the two ways back."""
    shown = str(path)
    lines = [line for line in detail.splitlines() if line and not line.startswith("***")]
    detail = "; ".join(lines)  # quick_check's report has a line per problem: keep one line
    if len(detail) > 120:
        detail = detail[:119] + "…"
    return StoreCorrupt(
        f"SQLite database {shown!r} is damaged ({detail}); recover it with "
        f"`sqlite3 {shown} .recover | sqlite3 recovered.db` and point database_url at "
        "recovered.db, or restore a backup"
    )


def primary_code(exc: sqlite3.Error) -> int | None:
    """SQLite's primary result code (SQLITE_BUSY for SQLITE_BUSY_SNAPSHOT, and so on)."""
    code = getattr(exc, "sqlite_errorcode", None)
    return code & 0xFF if isinstance(code, int) else None


def _read_only_uri(file: Path) -> str | None:
    """The `file:` URI opening `file` read-only; None if there is no such file."""
    return f"{file.resolve().as_uri()}?mode=ro" if file.is_file() else None


def _try_open(path: str | Path) -> None:
    sqlite3.connect(path).close()
