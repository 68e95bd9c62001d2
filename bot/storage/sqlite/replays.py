"""Requests already handled, on SQLite (bot/chat/replays.py): the RequestStore half of the
Store port."""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import TYPE_CHECKING

from bot.storage.codecs.text import instant_text

if TYPE_CHECKING:
    import aiosqlite

# A key seen before `since` is stale: it is handled again (and its time renewed).
_REMEMBER = (
    "INSERT INTO handled_requests (request_key, handled_at) VALUES (?, ?) "
    "ON CONFLICT (request_key) DO UPDATE SET handled_at = excluded.handled_at "
    "WHERE handled_requests.handled_at < ?"
)
_FORGET = "DELETE FROM handled_requests WHERE handled_at < ?"


class SqliteReplays:
    """RequestStore methods of SqliteStore; they use its one connection and transactions."""

    if TYPE_CHECKING:

        def _transaction(self) -> AbstractAsyncContextManager[aiosqlite.Connection]: ...

    async def remember_request(self, key: str, at: datetime, since: datetime) -> bool:
        async with self._transaction() as conn:
            cursor = await conn.execute(_REMEMBER, (key, instant_text(at), instant_text(since)))
            return cursor.rowcount == 1

    async def forget_requests(self, before: datetime) -> int:
        async with self._transaction() as conn:
            cursor = await conn.execute(_FORGET, (instant_text(before),))
            return cursor.rowcount
