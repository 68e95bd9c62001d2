"""Stores: where paperbot keeps papers, subscriptions and what it posted.

`open_store(url)` picks the backend from the database URL (`sqlite:///path`,
`postgresql://user@host:5432/db` or `postgres://...`).
"""

from __future__ import annotations

from bot.errors import ConfigError
from bot.ports import Store

SQLITE_PREFIX = "sqlite:///"
POSTGRES_SCHEMES = ("postgresql", "postgres")


async def open_store(url: str) -> Store:
    """Open the store a database URL names. Raises ConfigError, StoreError."""
    if url.startswith(SQLITE_PREFIX):
        path = url.removeprefix(SQLITE_PREFIX)
        if not path:
            raise ConfigError("database_url: sqlite:/// needs a file path")
        from bot.storage.sqlite import SqliteStore  # only the chosen backend is imported

        return await SqliteStore.open(path)
    scheme = url.split(":", 1)[0] if ":" in url else url
    if scheme in POSTGRES_SCHEMES:
        from bot.storage.postgres import PostgresStore

        return await PostgresStore.open(url)
    raise ConfigError(
        f"database_url: unsupported scheme {scheme!r} "
        "(expected sqlite:///path/to/file.db or postgresql://user@host/db)"
    )
