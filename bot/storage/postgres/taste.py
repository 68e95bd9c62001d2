"""What a person's "For you" list learns from, on PostgreSQL: the TasteStore port, mixed
into PostgresStore. A "Not for me" toggle is one statement (a DELETE and, only when it
deleted nothing, an INSERT, as two data-modifying CTEs), as a save's is.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.records.models import Paper
from bot.storage.codecs.text import PAPER_COLUMNS

_PAPER_COLS = ", ".join(f"p.{c}" for c in PAPER_COLUMNS)
_VOTED = (  # one row per paper, however many channels the person voted for it in
    f"SELECT {_PAPER_COLS}, max(v.voted_at) AS latest FROM votes v "  # noqa: S608
    "JOIN papers p ON p.arxiv_id = v.arxiv_id WHERE v.user_key = $1 "
    "GROUP BY p.id ORDER BY latest DESC, p.arxiv_id LIMIT $2"
)
_TOGGLE = (
    "WITH gone AS (DELETE FROM not_for_me WHERE user_key = $1 AND arxiv_id = $2 RETURNING 1), "
    "added AS (INSERT INTO not_for_me (user_key, arxiv_id, marked_at) SELECT $1, $2, $3 "
    "WHERE NOT EXISTS (SELECT 1 FROM gone) ON CONFLICT DO NOTHING RETURNING 1) "
    "SELECT NOT EXISTS (SELECT 1 FROM gone) AS marked"
)
_NOT_FOR_ME = (
    f"SELECT {_PAPER_COLS} FROM not_for_me n "  # noqa: S608
    "JOIN papers p ON p.arxiv_id = n.arxiv_id "
    "WHERE n.user_key = $1 ORDER BY n.marked_at DESC, p.arxiv_id LIMIT $2"
)


class PostgresTaste:
    """TasteStore methods of PostgresStore; they borrow its pool's connections."""

    if TYPE_CHECKING:

        def _connection(self) -> AbstractAsyncContextManager[Any]: ...

        async def _fetch(self, sql: str, *args: Any) -> list[Any]: ...

    async def voted_papers(self, user_key: str, limit: int) -> list[Paper]:
        return [_paper(row) for row in await self._fetch(_VOTED, user_key, limit)]

    async def toggle_not_for_me(self, user_key: str, arxiv_id: str, at: datetime) -> bool:
        async with self._connection() as conn:
            return bool(await conn.fetchval(_TOGGLE, user_key, arxiv_id, at))

    async def not_for_me_papers(self, user_key: str, limit: int) -> list[Paper]:
        return [_paper(row) for row in await self._fetch(_NOT_FOR_ME, user_key, limit)]

    async def forget_not_for_me(self, user_key: str) -> int:
        async with self._connection() as conn:
            status = await conn.execute("DELETE FROM not_for_me WHERE user_key = $1", user_key)
        return int(str(status).rsplit(" ", 1)[-1])


def _paper(row: Any) -> Paper:
    # imported here: bot.storage.postgres.store imports this module to build PostgresStore
    from bot.storage.postgres.codec import paper_from_row

    return paper_from_row(row)
