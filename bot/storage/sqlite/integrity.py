"""The check `paperbot run` makes of its SQLite file before it serves anyone.

A file with damaged pages used to start fine and then fail one command at a time, each with
a generic error. `PRAGMA quick_check` reads every page at start instead, so a damaged file
refuses to start, in one line naming it and the way back (`.recover` or a backup).

It is bounded in time: quick_check reads the whole file, so its time grows with the file,
and a start-up that waits minutes on a big database would hold every command and post (and
may outlast a supervisor's start timeout). `quick_check(N)` does not bound it (N caps the
problems reported, not the pages read), nor does a progress handler (the walk over the
pages is a single step of SQLite's virtual machine, which the handler never sees mid-way).
SQLite's interrupt flag is checked during the walk, so the check is interrupted at its
deadline: the pages read by then were checked, and a damaged page among the rest still
fails loudly (StoreCorrupt, the same line) the first time it is read.
"""

from __future__ import annotations

import asyncio
import logging
import sqlite3
from collections.abc import Iterable
from pathlib import Path

import aiosqlite

from bot.storage.sqlite.open import damaged, open_error

log = logging.getLogger(__name__)

CHECK_BUDGET_S = 10.0
_PROBLEMS_SHOWN = 3


async def check_pages(
    conn: aiosqlite.Connection, path: str | Path, budget_s: float = CHECK_BUDGET_S
) -> None:
    """Raise StoreCorrupt if the file at `path` has damaged pages; spend at most `budget_s`."""
    try:
        rows = await _interrupted_after(conn, f"PRAGMA quick_check({_PROBLEMS_SHOWN})", budget_s)
    except sqlite3.OperationalError as exc:
        raise open_error(path, exc, 0) from exc
    except sqlite3.DatabaseError as exc:  # SQLITE_CORRUPT, SQLITE_NOTADB: too damaged to check
        raise damaged(path, str(exc)) from exc
    if rows is None:
        log.warning(
            "checked %s for %g s without finishing; the rest is checked as it is read",
            path,
            budget_s,
        )
        return
    problems = [str(row[0]) for row in rows]
    if problems != ["ok"]:
        raise damaged(path, "\n".join(problems))


async def _interrupted_after(
    conn: aiosqlite.Connection, sql: str, budget_s: float
) -> Iterable[sqlite3.Row] | None:
    """The rows of `sql`, or None if it was still running after `budget_s` (interrupted)."""
    query = asyncio.ensure_future(conn.execute_fetchall(sql))
    await asyncio.wait([query], timeout=budget_s)
    while not query.done():
        # sqlite3_interrupt, safe from another thread; again until it ends, as an interrupt
        # sent before the statement starts in aiosqlite's thread would be lost
        await conn.interrupt()
        await asyncio.wait([query], timeout=0.01)
    try:
        return await query  # it may have finished just before the interrupt
    except sqlite3.OperationalError as exc:
        if exc.sqlite_errorcode == sqlite3.SQLITE_INTERRUPT:
            return None
        raise
