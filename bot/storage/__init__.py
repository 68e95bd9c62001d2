"""Stores: where paperbot keeps papers, subscriptions and what it posted.

`open_store(url)` picks the backend from the database URL (`sqlite:///path`,
`postgresql://user@host:5432/db` or `postgres://...`).
"""

from __future__ import annotations

import contextlib

from bot.ports import Store
from bot.records.errors import ConfigError

SQLITE_PREFIX = "sqlite:///"
POSTGRES_SCHEMES = ("postgresql", "postgres")


async def open_store(url: str, *, read_only: bool = False, check: bool = False) -> Store:
    """Open the store a database URL names. Raises ConfigError, StoreError.

    `read_only` asks for a store that takes no write lock (SQLite; a PostgreSQL reader never
    waits for writers, so that store ignores it): check `store.read_only` for what you got.
    `check` (for a long run) refuses a SQLite file with damaged pages at once (StoreCorrupt);
    a PostgreSQL server checks its own pages, so that store ignores it.
    """
    if url.startswith(SQLITE_PREFIX):
        path = url.removeprefix(SQLITE_PREFIX)
        if not path:
            raise ConfigError("database_url: sqlite:/// needs a file path")
        from bot.storage.sqlite.store import SqliteStore  # only the chosen backend is imported

        return await SqliteStore.open(path, read_only=read_only, check=check)
    scheme = url.split(":", 1)[0] if ":" in url else url
    if scheme in POSTGRES_SCHEMES:
        from bot.storage.postgres.store import PostgresStore

        return await PostgresStore.open(url)
    raise ConfigError(
        f"database_url: unsupported scheme {scheme!r} "
        "(expected sqlite:///path/to/file.db or postgresql://user@host/db)"
    )


def worker_lock(url: str) -> contextlib.AbstractContextManager[None]:
    """Held for as long as `paperbot run` runs. On SQLite, one run per file (a second one
    raises ConfigError at once: bot/storage/sqlite/worker_lock.py); PostgreSQL takes many
    workers, so there it holds nothing."""
    if url.startswith(SQLITE_PREFIX) and url.removeprefix(SQLITE_PREFIX):
        from bot.storage.sqlite.worker_lock import sole_worker

        return sole_worker(url.removeprefix(SQLITE_PREFIX))
    return contextlib.nullcontext()
