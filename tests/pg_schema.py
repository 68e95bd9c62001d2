"""A throw-away PostgreSQL schema per test, on the server PAPERBOT_TEST_POSTGRES_URL names.

Every test that needs PostgreSQL gets a schema of its own (tables, sequences, functions), so
tests never see each other's rows and can share one database; the schema is dropped after.
Without the variable those tests skip, saying how to point them at a server.
"""

from __future__ import annotations

import os
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import asyncpg
import pytest

ENV = "PAPERBOT_TEST_POSTGRES_URL"
SKIP_REASON = (
    f"no PostgreSQL server configured: set {ENV}=postgresql://USER@HOST:PORT/DATABASE "
    "(e.g. postgresql://postgres@127.0.0.1:5432/test; .ci/run sets it) to run these tests"
)


@dataclass(frozen=True)
class PgSchema:
    url: str
    schema: str

    @property
    def url_with_schema(self) -> str:
        """The URL with `options=-csearch_path=...`, for processes that take only a URL."""
        sep = "&" if "?" in self.url else "?"
        return f"{self.url}{sep}options=-csearch_path%3D{self.schema}%2Cpublic"


def postgres_url() -> str:
    """The test server's URL, or skip the test with instructions."""
    url = os.environ.get(ENV, "").strip()
    if not url:
        pytest.skip(SKIP_REASON)
    return url


@asynccontextmanager
async def fresh_schema(url: str) -> AsyncIterator[PgSchema]:
    """A new empty schema named for this test run, dropped (with all it holds) afterwards."""
    name = f"pbtest_{uuid.uuid4().hex[:12]}"
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f"CREATE SCHEMA {name}")
        try:
            yield PgSchema(url, name)
        finally:
            await conn.execute(f"DROP SCHEMA IF EXISTS {name} CASCADE")
    finally:
        await conn.close()
