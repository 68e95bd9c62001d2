"""Votes and saves on SQLite: the VoteStore port, mixed into SqliteStore.

A toggle is a DELETE and, when it deleted nothing, an `INSERT ... ON CONFLICT DO NOTHING`,
then the new count, all in one `BEGIN IMMEDIATE` transaction: two workers (in two processes
on the same file) are serialised by SQLite's write lock, so a toggle never sees half of
another one, and the primary key keeps one row per (subscription, paper, user) whatever
arrives twice.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.records.errors import StoreError
from bot.records.models import Paper
from bot.storage.codecs import text as codec

if TYPE_CHECKING:
    import aiosqlite

_PAPER_COLS = ", ".join(f"p.{c}" for c in codec.PAPER_COLUMNS)
_TOP = (  # ties: Hugging Face upvotes, then the id (a stable order)
    f"SELECT {_PAPER_COLS}, count(*) AS votes FROM votes v "  # noqa: S608
    "JOIN papers p ON p.arxiv_id = v.arxiv_id "
    "WHERE v.subscription_key = ? AND (? IS NULL OR v.voted_at >= ?) "
    "AND (? IS NULL OR v.voted_at < ?) "
    "GROUP BY p.arxiv_id ORDER BY votes DESC, p.upvotes DESC, p.arxiv_id LIMIT ?"
)
_SAVED = (
    f"SELECT {_PAPER_COLS}, s.saved_at AS saved_at FROM saves s "  # noqa: S608
    "JOIN papers p ON p.arxiv_id = s.arxiv_id WHERE s.user_key = ? "
    "ORDER BY s.saved_at DESC, p.arxiv_id LIMIT ?"
)


class SqliteVotes:
    """Vote and save methods of SqliteStore; they use its connection and transactions."""

    if TYPE_CHECKING:

        def _transaction(self) -> AbstractAsyncContextManager[aiosqlite.Connection]: ...

        async def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]: ...

    async def toggle_vote(
        self, subscription_key: str, arxiv_id: str, user_key: str, at: datetime
    ) -> tuple[bool, int]:
        key = (subscription_key, arxiv_id, user_key)
        async with self._transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM votes WHERE subscription_key = ? AND arxiv_id = ? AND user_key = ?",
                key,
            )
            voted = cursor.rowcount == 0
            if voted:
                await conn.execute(
                    "INSERT INTO votes (subscription_key, arxiv_id, user_key, voted_at) "
                    "VALUES (?, ?, ?, ?) ON CONFLICT DO NOTHING",
                    (*key, codec.instant_text(at)),
                )
            rows = await conn.execute_fetchall(
                "SELECT count(*) FROM votes WHERE subscription_key = ? AND arxiv_id = ?",
                key[:2],
            )
        return voted, int(next(iter(rows))[0])

    async def vote_counts(self, subscription_key: str, arxiv_ids: Sequence[str]) -> dict[str, int]:
        if not arxiv_ids:
            return {}
        marks = ", ".join("?" * len(arxiv_ids))
        rows = await self._fetch(
            "SELECT arxiv_id, count(*) FROM votes WHERE subscription_key = ? "  # noqa: S608
            f"AND arxiv_id IN ({marks}) GROUP BY arxiv_id",
            (subscription_key, *arxiv_ids),
        )
        return {str(row[0]): int(row[1]) for row in rows}

    async def top_voted(
        self,
        subscription_key: str,
        since: datetime | None,
        limit: int,
        until: datetime | None = None,
    ) -> list[tuple[Paper, int]]:
        start = codec.instant_text(since) if since is not None else None
        end = codec.instant_text(until) if until is not None else None
        rows = await self._fetch(_TOP, (subscription_key, start, start, end, end, limit))
        return [(_paper(row), int(row["votes"])) for row in rows]

    async def toggle_save(self, user_key: str, arxiv_id: str, at: datetime) -> bool:
        async with self._transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM saves WHERE user_key = ? AND arxiv_id = ?", (user_key, arxiv_id)
            )
            if cursor.rowcount:
                return False
            await conn.execute(
                "INSERT INTO saves (user_key, arxiv_id, saved_at) VALUES (?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                (user_key, arxiv_id, codec.instant_text(at)),
            )
        return True

    async def remove_save(self, user_key: str, arxiv_id: str) -> bool:
        async with self._transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM saves WHERE user_key = ? AND arxiv_id = ?", (user_key, arxiv_id)
            )
        return cursor.rowcount > 0

    async def saved_papers(self, user_key: str, limit: int) -> list[Paper]:
        return [paper for paper, _ in await self.saved_papers_dated(user_key, limit)]

    async def saved_papers_dated(self, user_key: str, limit: int) -> list[tuple[Paper, datetime]]:
        rows = await self._fetch(_SAVED, (user_key, limit))
        return [(_paper(row), codec.instant_from_text(row["saved_at"])) for row in rows]


def _paper(row: sqlite3.Row) -> Paper:
    try:
        return codec.paper_from_row(row)  # type: ignore[arg-type]  # a Row reads by name
    except (ValueError, KeyError, TypeError) as exc:
        raise StoreError(f"paper row is inconsistent: {exc}") from exc
