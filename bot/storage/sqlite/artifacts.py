"""Hugging Face artifacts on SQLite (bot/lifecycle/artifacts.py): the artifact half of the Store
port."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.records.models import CachedArtifacts, PaperArtifacts
from bot.storage.codecs import text as codec
from bot.storage.codecs.artifacts import COLUMNS, cached_from, upsert_sql, values

if TYPE_CHECKING:
    import aiosqlite

_UPSERT = upsert_sql(["?"] * len(COLUMNS))


class SqliteArtifacts:
    """Artifact methods of SqliteStore; they use its one connection and transactions."""

    if TYPE_CHECKING:

        def _transaction(self) -> AbstractAsyncContextManager[aiosqlite.Connection]: ...

        async def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]: ...

    async def hf_artifacts(self, arxiv_ids: Collection[str]) -> dict[str, CachedArtifacts]:
        if not arxiv_ids:
            return {}
        marks = ", ".join("?" * len(arxiv_ids))
        sql = f"SELECT * FROM hf_artifacts WHERE arxiv_id IN ({marks})"  # noqa: S608
        rows = await self._fetch(sql, [*arxiv_ids])
        return {row["arxiv_id"]: cached_from(dict(row), codec.instant_from_text) for row in rows}

    async def save_hf_artifacts(self, found: Sequence[PaperArtifacts], at: datetime) -> None:
        if not found:
            return
        rows = [values(a, at, codec.instant_text, int) for a in found]
        async with self._transaction() as conn:
            await conn.executemany(_UPSERT, rows)
