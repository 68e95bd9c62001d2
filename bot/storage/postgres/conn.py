"""Connecting to PostgreSQL through asyncpg, and translating its errors. (asyncpg lives only in
bot/storage/postgres*.)

A store may be confined to one schema (tests give each test its own): the connections' then
search `<schema>, public`, so the tables land in that schema while extensions installed in
`public` (pg_trgm) stay visible.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any
from urllib.parse import urlsplit

import asyncpg

from bot.config.load import redacted_url
from bot.records.errors import ConfigError, StoreBusy, StoreCorrupt, StoreError, StoreFull

POSTGRES_SCHEMES = ("postgresql", "postgres")
CONNECT_TIMEOUT_S = 10.0
COMMAND_TIMEOUT_S = 60.0
_IDENTIFIER = re.compile(r"[a-z_][a-z0-9_]{0,62}")


def redacted(url: str) -> str:
    """The URL with any password replaced by `***`, fit for errors and logs."""
    return redacted_url(url)  # one masking rule for errors, logs and repr(Config)


def check_url(url: str) -> None:
    """Raise ConfigError unless `url` is a postgresql:// (or postgres://) URL."""
    try:
        scheme = urlsplit(url).scheme
    except ValueError:  # "Invalid IPv6 URL": a [ without its ]; never show the URL's text
        raise ConfigError(
            f"database_url {redacted(url)!r} is not a valid URL: a '[' in its host is not closed"
        ) from None
    if scheme not in POSTGRES_SCHEMES:
        raise ConfigError(f"database_url: {redacted(url)!r} is not a postgresql:// URL")


def quoted_schema(schema: str) -> str:
    """The schema name as a safe SQL identifier (lower-case letters, digits, underscores)."""
    if not _IDENTIFIER.fullmatch(schema):
        raise ConfigError(f"schema {schema!r}: use lower-case letters, digits and underscores")
    return f'"{schema}"'


def server_settings(
    schema: str | None, application: str, lock_timeout_ms: int | None = None
) -> dict[str, str]:
    """`lock_timeout_ms`: a statement waiting longer for a lock fails (StoreBusy) instead of
    waiting up to the command timeout; None keeps the server's setting."""
    settings = {"application_name": application}
    if schema is not None:
        settings["search_path"] = f"{quoted_schema(schema)}, public"
    if lock_timeout_ms is not None:
        settings["lock_timeout"] = str(int(lock_timeout_ms))
    return settings


async def connect(
    url: str,
    *,
    schema: str | None = None,
    application: str,
    settings: Mapping[str, str] | None = None,
) -> Any:
    """One dedicated connection (asyncpg.Connection). Raises StoreError, ConfigError.

    `settings` are extra per-session server settings (e.g. TCP keepalives).
    """
    check_url(url)
    async with _readable(url), translated(f"cannot connect to {redacted(url)}"):
        return await asyncpg.connect(
            url,
            timeout=CONNECT_TIMEOUT_S,
            command_timeout=COMMAND_TIMEOUT_S,
            server_settings={**server_settings(schema, application), **(settings or {})},
        )


async def create_pool(
    url: str, *, schema: str | None, max_size: int, lock_timeout_ms: int | None = None
) -> Any:
    """A connection pool (asyncpg.Pool). Raises StoreError, ConfigError."""
    check_url(url)
    async with _readable(url), translated(f"cannot connect to {redacted(url)}"):
        return await asyncpg.create_pool(
            url,
            min_size=1,
            max_size=max_size,
            timeout=CONNECT_TIMEOUT_S,
            command_timeout=COMMAND_TIMEOUT_S,
            server_settings=server_settings(schema, "paperbot", lock_timeout_ms),
        )


async def ensure_schema(url: str, schema: str) -> None:
    """Create `schema` if it does not exist yet."""
    conn = await connect(url, application="paperbot-setup")
    try:
        async with translated("PostgreSQL"):
            await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {quoted_schema(schema)}")
    finally:
        await conn.close()


@asynccontextmanager
async def _readable(url: str) -> AsyncIterator[None]:
    """asyncpg's own reading of the URL fails with a bare ValueError whose text may quote
    part of it (`int('p')` for a password holding a '/'): a ConfigError without that text."""
    try:
        yield
    except ValueError:
        raise ConfigError(
            f"database_url {redacted(url)!r} cannot be read: check its host, port and "
            "parameters (a password holding '/', '?', '#' or '@' must be percent-encoded)"
        ) from None


@asynccontextmanager
async def translated(what: str) -> AsyncIterator[None]:
    """asyncpg's and the network's errors leave as StoreError (the message has no secret)."""
    try:
        yield
    except asyncpg.PostgresError as exc:
        raise _typed(what, exc) from exc
    except (asyncpg.InterfaceError, asyncpg.exceptions.InternalClientError) as exc:
        # InternalClientError: e.g. a query sent just as the server ended the session.
        raise StoreError(f"{what}: {exc}") from exc
    except (OSError, TimeoutError) as exc:
        raise StoreError(f"{what}: {type(exc).__name__}: {exc}") from exc


# The server's answers that say "busy": a lock not granted within lock_timeout, a deadlock or
# a serialization failure (PostgreSQL rolled the transaction back), a statement cancelled at
# statement_timeout, no connection slot free.
_BUSY = (
    asyncpg.exceptions.LockNotAvailableError,
    asyncpg.exceptions.DeadlockDetectedError,
    asyncpg.exceptions.SerializationError,
    asyncpg.exceptions.QueryCanceledError,
    asyncpg.exceptions.TooManyConnectionsError,
)
_DAMAGED = (asyncpg.exceptions.DataCorruptedError, asyncpg.exceptions.IndexCorruptedError)


def _typed(what: str, exc: asyncpg.PostgresError) -> StoreError:
    """The server's error as StoreBusy, StoreFull, StoreCorrupt or a plain StoreError. A
    failed statement aborts its transaction, so a busy or full answer changed nothing."""
    text = f"{what}: {type(exc).__name__}: {exc}"
    if isinstance(exc, _BUSY):
        return StoreBusy(f"{text}; the transaction was rolled back")
    if isinstance(exc, asyncpg.exceptions.DiskFullError):
        return StoreFull(f"{text}; the server's disk is full, the transaction was rolled back")
    if isinstance(exc, _DAMAGED):
        return StoreCorrupt(f"{text}; check the server's log and restore a backup")
    return StoreError(text)


def advisory_key(name: str) -> int:
    """A stable signed 64-bit advisory-lock key for a name."""
    digest = hashlib.blake2b(name.encode(), digest_size=8).digest()
    return int.from_bytes(digest, "big", signed=True)


MIGRATION_LOCK = advisory_key("paperbot:migrations")
