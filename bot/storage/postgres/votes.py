"""Votes and saves on PostgreSQL: the VoteStore port, mixed into PostgresStore.

A vote toggle is one statement: a DELETE of the user's row and, only when it deleted
nothing, an `INSERT ... ON CONFLICT DO NOTHING`, as two data-modifying CTEs. Under READ
COMMITTED a concurrent toggle of the same row waits on its lock (or on the key's unique
index) and then sees the other's result, so neither fails and one row per (subscription,
paper, user) stands. The count is read after it, in the same transaction, so it includes
this toggle and every other one already committed.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.records.models import Paper
from bot.storage.codecs.text import PAPER_COLUMNS

_PAPER_COLS = ", ".join(f"p.{c}" for c in PAPER_COLUMNS)
_TOGGLE_VOTE = (
    "WITH gone AS (DELETE FROM votes WHERE subscription_key = $1 AND arxiv_id = $2 "
    "AND user_key = $3 RETURNING 1), "
    "added AS (INSERT INTO votes (subscription_key, arxiv_id, user_key, voted_at) "
    "SELECT $1, $2, $3, $4 WHERE NOT EXISTS (SELECT 1 FROM gone) "
    "ON CONFLICT DO NOTHING RETURNING 1) "
    "SELECT NOT EXISTS (SELECT 1 FROM gone) AS voted"
)
_COUNT = "SELECT count(*) FROM votes WHERE subscription_key = $1 AND arxiv_id = $2"
_TOGGLE_SAVE = (
    "WITH gone AS (DELETE FROM saves WHERE user_key = $1 AND arxiv_id = $2 RETURNING 1), "
    "added AS (INSERT INTO saves (user_key, arxiv_id, saved_at) SELECT $1, $2, $3 "
    "WHERE NOT EXISTS (SELECT 1 FROM gone) ON CONFLICT DO NOTHING RETURNING 1) "
    "SELECT NOT EXISTS (SELECT 1 FROM gone) AS saved"
)
_TOP = (  # ties: Hugging Face upvotes, then the id (a stable order)
    f"SELECT {_PAPER_COLS}, count(*) AS votes FROM votes v "  # noqa: S608
    "JOIN papers p ON p.arxiv_id = v.arxiv_id "
    "WHERE v.subscription_key = $1 AND ($2::timestamptz IS NULL OR v.voted_at >= $2) "
    "AND ($4::timestamptz IS NULL OR v.voted_at < $4) "
    "GROUP BY p.id ORDER BY votes DESC, p.upvotes DESC, p.arxiv_id LIMIT $3"
)
_SAVED = (
    f"SELECT {_PAPER_COLS}, s.saved_at AS saved_at FROM saves s "  # noqa: S608
    "JOIN papers p ON p.arxiv_id = s.arxiv_id WHERE s.user_key = $1 "
    "ORDER BY s.saved_at DESC, p.arxiv_id LIMIT $2"
)


class PostgresVotes:
    """Vote and save methods of PostgresStore; they borrow its pool's connections."""

    if TYPE_CHECKING:

        def _connection(self) -> AbstractAsyncContextManager[Any]: ...

        def _transaction(self) -> AbstractAsyncContextManager[Any]: ...

        async def _fetch(self, sql: str, *args: Any) -> list[Any]: ...

    async def toggle_vote(
        self, subscription_key: str, arxiv_id: str, user_key: str, at: datetime
    ) -> tuple[bool, int]:
        async with self._transaction() as conn:
            voted = await conn.fetchval(_TOGGLE_VOTE, subscription_key, arxiv_id, user_key, at)
            count = await conn.fetchval(_COUNT, subscription_key, arxiv_id)
        return bool(voted), int(count)

    async def vote_counts(self, subscription_key: str, arxiv_ids: Sequence[str]) -> dict[str, int]:
        if not arxiv_ids:
            return {}
        rows = await self._fetch(
            "SELECT arxiv_id, count(*) AS n FROM votes WHERE subscription_key = $1 "
            "AND arxiv_id = ANY($2::text[]) GROUP BY arxiv_id",
            subscription_key,
            list(arxiv_ids),
        )
        return {str(row["arxiv_id"]): int(row["n"]) for row in rows}

    async def top_voted(
        self,
        subscription_key: str,
        since: datetime | None,
        limit: int,
        until: datetime | None = None,
    ) -> list[tuple[Paper, int]]:
        rows = await self._fetch(_TOP, subscription_key, since, limit, until)
        return [(_paper(row), int(row["votes"])) for row in rows]

    async def toggle_save(self, user_key: str, arxiv_id: str, at: datetime) -> bool:
        async with self._connection() as conn:
            return bool(await conn.fetchval(_TOGGLE_SAVE, user_key, arxiv_id, at))

    async def remove_save(self, user_key: str, arxiv_id: str) -> bool:
        async with self._connection() as conn:
            status = await conn.execute(
                "DELETE FROM saves WHERE user_key = $1 AND arxiv_id = $2", user_key, arxiv_id
            )
        return bool(status != "DELETE 0")

    async def saved_papers(self, user_key: str, limit: int) -> list[Paper]:
        return [paper for paper, _ in await self.saved_papers_dated(user_key, limit)]

    async def saved_papers_dated(self, user_key: str, limit: int) -> list[tuple[Paper, datetime]]:
        rows = await self._fetch(_SAVED, user_key, limit)
        return [(_paper(row), row["saved_at"]) for row in rows]


def _paper(row: Any) -> Paper:
    # imported here: bot.storage.postgres.store imports this module to build PostgresStore
    from bot.storage.postgres.codec import paper_from_row

    return paper_from_row(row)
