"""What a person's "For you" list learns from, on SQLite: the TasteStore port, mixed into
SqliteStore. A "Not for me" toggle is a DELETE and, when it deleted nothing, an
`INSERT ... ON CONFLICT DO NOTHING`, in one `BEGIN IMMEDIATE` transaction, as saves are.
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
_VOTED = (  # one row per paper, however many channels the person voted for it in
    f"SELECT {_PAPER_COLS}, max(v.voted_at) AS latest FROM votes v "  # noqa: S608
    "JOIN papers p ON p.arxiv_id = v.arxiv_id WHERE v.user_key = ? "
    "GROUP BY p.arxiv_id ORDER BY latest DESC, p.arxiv_id LIMIT ?"
)
_NOT_FOR_ME = (
    f"SELECT {_PAPER_COLS} FROM not_for_me n "  # noqa: S608
    "JOIN papers p ON p.arxiv_id = n.arxiv_id "
    "WHERE n.user_key = ? ORDER BY n.marked_at DESC, p.arxiv_id LIMIT ?"
)


class SqliteTaste:
    """TasteStore methods of SqliteStore; they use its connection and transactions."""

    if TYPE_CHECKING:

        def _transaction(self) -> AbstractAsyncContextManager[aiosqlite.Connection]: ...

        async def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]: ...

    async def voted_papers(self, user_key: str, limit: int) -> list[Paper]:
        return [_paper(row) for row in await self._fetch(_VOTED, (user_key, limit))]

    async def toggle_not_for_me(self, user_key: str, arxiv_id: str, at: datetime) -> bool:
        async with self._transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM not_for_me WHERE user_key = ? AND arxiv_id = ?", (user_key, arxiv_id)
            )
            if cursor.rowcount:
                return False
            await conn.execute(
                "INSERT INTO not_for_me (user_key, arxiv_id, marked_at) VALUES (?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                (user_key, arxiv_id, codec.instant_text(at)),
            )
        return True

    async def not_for_me_papers(self, user_key: str, limit: int) -> list[Paper]:
        return [_paper(row) for row in await self._fetch(_NOT_FOR_ME, (user_key, limit))]

    async def forget_not_for_me(self, user_key: str) -> int:
        async with self._transaction() as conn:
            cursor = await conn.execute("DELETE FROM not_for_me WHERE user_key = ?", (user_key,))
        return max(cursor.rowcount, 0)


def _paper(row: sqlite3.Row) -> Paper:
    try:
        return codec.paper_from_row(row)  # type: ignore[arg-type]  # a Row reads by name
    except (ValueError, KeyError, TypeError) as exc:
        raise StoreError(f"paper row is inconsistent: {exc}") from exc
