"""Hugging Face artifacts on PostgreSQL: the same contract as bot/storage/sqlite/artifacts.py."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.records.models import CachedArtifacts, PaperArtifacts
from bot.storage.codecs.artifacts import COLUMNS, cached_from, upsert_sql, values

_UPSERT = upsert_sql([f"${n}" for n in range(1, len(COLUMNS) + 1)])
_SELECT = "SELECT * FROM hf_artifacts WHERE arxiv_id = ANY($1::text[])"


class PostgresArtifacts:
    """Artifact methods of PostgresStore; they borrow its pool's connections."""

    if TYPE_CHECKING:

        def _transaction(self) -> AbstractAsyncContextManager[Any]: ...

        async def _fetch(self, sql: str, *args: Any) -> list[Any]: ...

    async def hf_artifacts(self, arxiv_ids: Collection[str]) -> dict[str, CachedArtifacts]:
        if not arxiv_ids:
            return {}
        rows = await self._fetch(_SELECT, [*arxiv_ids])
        return {row["arxiv_id"]: cached_from(row, _utc) for row in rows}

    async def save_hf_artifacts(self, found: Sequence[PaperArtifacts], at: datetime) -> None:
        if not found:
            return
        rows = [values(a, at, _aware, bool) for a in found]
        async with self._transaction() as conn:
            await conn.executemany(_UPSERT, rows)


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)


def _utc(value: Any) -> datetime:
    if not isinstance(value, datetime):
        raise TypeError(f"fetched_at is {type(value).__name__}")
    return value.astimezone(UTC)
