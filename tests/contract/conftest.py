"""The `store` fixture: every Store implementation the contract suite runs over.

SQLite runs on a file in tmp_path. PostgreSQL runs on the server PAPERBOT_TEST_POSTGRES_URL
names, in a fresh schema per test (tests/pg_schema.py); without the variable the postgres
cases skip, saying how to point them at a server.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.ports import Store
from bot.storage.postgres import PostgresStore
from bot.storage.sqlite import SqliteStore
from tests.pg_schema import fresh_schema, postgres_url

BACKENDS = ["sqlite", pytest.param("postgres", marks=pytest.mark.postgres)]


@pytest.fixture(params=BACKENDS)
async def store(request: pytest.FixtureRequest, tmp_path: Path) -> AsyncIterator[Store]:
    if request.param == "sqlite":
        sqlite = await SqliteStore.open(tmp_path / "contract.db")
        try:
            yield sqlite
        finally:
            await sqlite.close()
        return
    async with fresh_schema(postgres_url()) as pg:
        postgres = await PostgresStore.open(pg.url, schema=pg.schema)
        try:
            yield postgres
        finally:
            await postgres.close()
