"""Settle tasks on PostgreSQL: the same contract as bot/storage/sqlite/settle.py.

The claim takes due rows with `FOR UPDATE SKIP LOCKED`, so concurrent workers never claim
one twice; a task waits while an earlier age of the same post is not final.
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.records.delivery import Delivery
from bot.records.models import ChannelRef
from bot.records.settle import SettleTask
from bot.storage.codecs.deliveries import COLUMNS as DELIVERY_COLUMNS
from bot.storage.codecs.settle import COLUMNS, MUTABLE, task_from, task_values
from bot.storage.postgres.deliveries import delivery_from_row

_COLS = ", ".join(COLUMNS)
_INSERT = (  # column names are constants, values are bound
    f"INSERT INTO settle_tasks ({_COLS}) "  # noqa: S608
    f"VALUES ({', '.join(f'${n}' for n in range(1, len(COLUMNS) + 1))}) "
    "ON CONFLICT (channel_key, day, age_hours) DO NOTHING"
)
_KEY_AT = len(MUTABLE) + 1
_UPDATE = (
    f"UPDATE settle_tasks SET {', '.join(f'{c} = ${n}' for n, c in enumerate(MUTABLE, 1))} "  # noqa: S608
    f"WHERE channel_key = ${_KEY_AT} AND day = ${_KEY_AT + 1} AND age_hours = ${_KEY_AT + 2} "
    f"AND lease_owner IS NOT DISTINCT FROM ${_KEY_AT + 3}"
)
_SELECT = f"SELECT {_COLS} FROM settle_tasks"  # noqa: S608
_CLAIM = (  # $1 now, $2 worker, $3 lease end, $4 limit, $5 platform or NULL
    "WITH due AS (SELECT channel_key, day, age_hours FROM settle_tasks AS t "  # noqa: S608
    "WHERE claim_at IS NOT NULL AND claim_at <= $1 "
    "AND ($5::text IS NULL OR t.platform = $5::text) "
    "AND NOT EXISTS (SELECT 1 FROM settle_tasks AS s WHERE s.channel_key = t.channel_key "
    "AND s.day = t.day AND s.age_hours < t.age_hours AND s.claim_at IS NOT NULL) "
    "ORDER BY claim_at, channel_key LIMIT $4 FOR UPDATE SKIP LOCKED) "
    "UPDATE settle_tasks AS k SET state = 'settling', attempts = k.attempts + 1, "
    "lease_owner = $2, lease_until = $3, claim_at = $3 "
    "FROM due WHERE k.channel_key = due.channel_key AND k.day = due.day "
    f"AND k.age_hours = due.age_hours RETURNING {', '.join(f'k.{c}' for c in COLUMNS)}"
)
_TO_SETTLE = (  # recent posts without settle tasks
    f"SELECT {', '.join(f'd.{c}' for c in DELIVERY_COLUMNS)} FROM deliveries AS d "  # noqa: S608
    "WHERE d.state = 'posted' AND d.cadence = 'daily' AND d.posted_at >= $1 "
    "AND NOT EXISTS (SELECT 1 FROM "
    "settle_tasks AS t WHERE t.channel_key = d.channel_key AND t.day = d.day)"
)


class PostgresSettle:
    """Settle-task methods of PostgresStore; they borrow its pool's connections."""

    if TYPE_CHECKING:

        def _transaction(self) -> AbstractAsyncContextManager[Any]: ...

        async def _fetch(self, sql: str, *args: Any) -> list[Any]: ...

    async def deliveries_to_settle(self, since: datetime) -> list[Delivery]:
        return [delivery_from_row(row) for row in await self._fetch(_TO_SETTLE, since)]

    async def create_settle_tasks(self, tasks: Sequence[SettleTask]) -> int:
        created = 0
        async with self._transaction() as conn:
            for task in tasks:
                status = await conn.execute(_INSERT, *_values(task))
                created += status == "INSERT 0 1"
        return created

    async def claim_due_settle_tasks(
        self,
        now: datetime,
        worker: str,
        *,
        limit: int,
        lease: timedelta,
        platform: str | None = None,
    ) -> list[SettleTask]:
        async with self._transaction() as conn:
            rows = await conn.fetch(_CLAIM, now, worker, now + lease, limit, platform)
        return sorted((_task(row) for row in rows), key=lambda t: (t.due_at, t.channel.key))

    async def save_settle_task(self, task: SettleTask, *, worker: str) -> bool:
        changes = _values(task)[len(COLUMNS) - len(MUTABLE) :]
        key = (task.channel.key, task.day, task.age_hours, worker)
        async with self._transaction() as conn:
            status = await conn.execute(_UPDATE, *changes, *key)
        return bool(status == "UPDATE 1")

    async def settle_tasks_of(self, channel: ChannelRef, day: date) -> list[SettleTask]:
        sql = f"{_SELECT} WHERE channel_key = $1 AND day = $2 ORDER BY age_hours"
        return [_task(row) for row in await self._fetch(sql, channel.key, day)]


def _values(task: SettleTask) -> tuple[Any, ...]:
    return task_values(task, lambda at: at, lambda day: day)


def _task(row: Any) -> SettleTask:
    return task_from(dict(row), _aware, lambda day: day)


def _aware(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at
