"""The `store` fixture: every Store implementation the contract suite runs over.

SQLite runs on a file in tmp_path. PostgreSQL runs on the server PAPERBOT_TEST_POSTGRES_URL
names, in a fresh schema per test (tests/pg_schema.py); without the variable the postgres
cases skip, saying how to point them at a server.

`store_factory` opens another store on the same database each time it is awaited (for the
reopen and concurrent-start tests); `store` is the first one it opens. A new backend is one
more entry in BACKENDS and one more branch in `_opener`.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import AsyncExitStack
from pathlib import Path

import pytest

from bot.ports import Store
from bot.storage.postgres.store import PostgresStore
from bot.storage.sqlite.store import SqliteStore
from tests.pg_schema import fresh_schema, postgres_url

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]

StoreFactory = Callable[[], Awaitable[Store]]


async def _opener(backend: str, tmp_path: Path, stack: AsyncExitStack) -> StoreFactory:
    """A function that opens one more store of `backend` on this test's database."""
    if backend == "sqlite":
        path = tmp_path / "contract.db"

        async def open_sqlite() -> Store:
            return await SqliteStore.open(path)

        return open_sqlite
    pg = await stack.enter_async_context(fresh_schema(postgres_url()))

    async def open_postgres() -> Store:
        return await PostgresStore.open(pg.url, schema=pg.schema)

    return open_postgres


@pytest.fixture(params=BACKENDS)
async def store_factory(
    request: pytest.FixtureRequest, tmp_path: Path
) -> AsyncIterator[StoreFactory]:
    """Opens stores on one fresh database; every store it opened is closed afterwards."""
    async with AsyncExitStack() as stack:
        open_one = await _opener(request.param, tmp_path, stack)

        async def open_and_track() -> Store:
            opened = await open_one()
            stack.push_async_callback(opened.close)
            return opened

        yield open_and_track


@pytest.fixture
async def store(store_factory: StoreFactory) -> Store:
    return await store_factory()
