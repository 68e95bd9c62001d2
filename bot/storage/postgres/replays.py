"""Requests already handled, on PostgreSQL: the same contract as bot/storage/sqlite/replays.py.
One statement each, so workers racing on one key get one True between them (the primary
key decides)."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any

_REMEMBER = (
    "INSERT INTO handled_requests (request_key, handled_at) VALUES ($1, $2) "
    "ON CONFLICT (request_key) DO UPDATE SET handled_at = excluded.handled_at "
    "WHERE handled_requests.handled_at < $3 RETURNING 1"
)
_FORGET = "DELETE FROM handled_requests WHERE handled_at < $1"


class PostgresReplays:
    """RequestStore methods of PostgresStore; they borrow its pool's connections."""

    if TYPE_CHECKING:

        def _transaction(self) -> AbstractAsyncContextManager[Any]: ...

    async def remember_request(self, key: str, at: datetime, since: datetime) -> bool:
        async with self._transaction() as conn:
            return await conn.fetchval(_REMEMBER, key, at, since) is not None

    async def forget_requests(self, before: datetime) -> int:
        async with self._transaction() as conn:
            status = await conn.execute(_FORGET, before)
        return int(str(status).rsplit(" ", 1)[-1])  # "DELETE <n>"
