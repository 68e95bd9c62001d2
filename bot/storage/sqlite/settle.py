"""Settle tasks on SQLite (bot/lifecycle/settle_plan.py): the settle half of the Store port.

Claimed like deliveries: one `UPDATE ... WHERE key IN (SELECT ... LIMIT n) RETURNING` in a
`BEGIN IMMEDIATE` transaction. A task is claimable only once every earlier age of the same
post is final, so two ages of one post never settle at once (nor post late additions twice).
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.records.delivery import Delivery
from bot.records.models import ChannelRef
from bot.records.settle import SettleTask
from bot.storage.codecs import text as codec
from bot.storage.codecs.deliveries import SELECT_DELIVERIES
from bot.storage.codecs.settle import COLUMNS, MUTABLE, task_from, task_values
from bot.storage.sqlite.deliveries import delivery_from_row

if TYPE_CHECKING:
    import aiosqlite

_COLS = ", ".join(COLUMNS)
_INSERT = (  # column names are constants, values are bound
    f"INSERT INTO settle_tasks ({_COLS}) VALUES ({', '.join('?' * len(COLUMNS))}) "  # noqa: S608
    "ON CONFLICT (channel_key, day, age_hours) DO NOTHING"
)
_UPDATE = (
    f"UPDATE settle_tasks SET {', '.join(f'{c} = ?' for c in MUTABLE)} "  # noqa: S608
    "WHERE channel_key = ? AND day = ? AND age_hours = ? AND lease_owner IS ?"
)
_SELECT = f"SELECT {_COLS} FROM settle_tasks"  # noqa: S608
_CLAIM = (
    "UPDATE settle_tasks SET state = 'settling', attempts = attempts + 1, "  # noqa: S608
    "lease_owner = :worker, lease_until = :until, claim_at = :until "
    "WHERE (channel_key, day, age_hours) IN (SELECT channel_key, day, age_hours "
    "FROM settle_tasks AS t WHERE claim_at IS NOT NULL AND claim_at <= :now "
    "AND (:platform IS NULL OR t.platform = :platform) "
    "AND NOT EXISTS (SELECT 1 FROM settle_tasks AS s WHERE s.channel_key = t.channel_key "
    "AND s.day = t.day AND s.age_hours < t.age_hours AND s.claim_at IS NOT NULL) "
    f"ORDER BY claim_at, channel_key LIMIT :limit) RETURNING {_COLS}"
)
_TO_SETTLE = (  # recent daily posts without settle tasks (a week's or month's is not a day)
    f"{SELECT_DELIVERIES} AS d WHERE d.state = 'posted' AND d.cadence = 'daily' "  # noqa: S608
    "AND d.posted_at >= ? "
    "AND NOT EXISTS (SELECT 1 FROM settle_tasks AS t "
    "WHERE t.channel_key = d.channel_key AND t.day = d.day)"
)


class SqliteSettle:
    """Settle-task methods of SqliteStore; they use its one connection and transactions."""

    if TYPE_CHECKING:

        def _transaction(self) -> AbstractAsyncContextManager[aiosqlite.Connection]: ...

        async def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]: ...

    async def deliveries_to_settle(self, since: datetime) -> list[Delivery]:
        rows = await self._fetch(_TO_SETTLE, (codec.instant_text(since),))
        return [delivery_from_row(row) for row in rows]

    async def create_settle_tasks(self, tasks: Sequence[SettleTask]) -> int:
        if not tasks:
            return 0
        async with self._transaction() as conn:
            cursor = await conn.executemany(_INSERT, [_values(t) for t in tasks])
            return cursor.rowcount

    async def claim_due_settle_tasks(
        self,
        now: datetime,
        worker: str,
        *,
        limit: int,
        lease: timedelta,
        platform: str | None = None,
    ) -> list[SettleTask]:
        params = {
            "platform": platform,
            "worker": worker,
            "until": codec.instant_text(now + lease),
            "now": codec.instant_text(now),
            "limit": limit,
        }
        async with self._transaction() as conn:
            rows = await conn.execute_fetchall(_CLAIM, params)
        return sorted((_task(row) for row in rows), key=lambda t: (t.due_at, t.channel.key))

    async def save_settle_task(self, task: SettleTask, *, worker: str) -> bool:
        changes = _values(task)[len(COLUMNS) - len(MUTABLE) :]
        key = (task.channel.key, task.day.isoformat(), task.age_hours, worker)
        async with self._transaction() as conn:
            cursor = await conn.execute(_UPDATE, (*changes, *key))
            return cursor.rowcount == 1

    async def settle_tasks_of(self, channel: ChannelRef, day: date) -> list[SettleTask]:
        rows = await self._fetch(
            f"{_SELECT} WHERE channel_key = ? AND day = ? ORDER BY age_hours",
            (channel.key, day.isoformat()),
        )
        return [_task(row) for row in rows]


def _values(task: SettleTask) -> tuple[Any, ...]:
    return task_values(task, codec.instant_text, date.isoformat)


def _task(row: sqlite3.Row) -> SettleTask:
    return task_from(dict(row), codec.instant_from_text, date.fromisoformat)
