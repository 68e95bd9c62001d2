"""People's own subscriptions and their DM records on SQLite, mixed into SqliteStore.

The DM records live in `personal_deliveries`, the twin of `deliveries`: the same columns,
the same row codec (bot/storage/sqlite/deliveries.py) and the same claim, so a DM digest is
posted exactly once as a channel's is.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.records.delivery import Delivery
from bot.records.models import Cadence, ChannelRef
from bot.records.people import ChannelPost, Footprint, Person
from bot.storage.codecs import text as codec
from bot.storage.codecs.deliveries import COLUMN_LIST, COLUMNS, KEY_COLUMNS
from bot.storage.codecs.people import PERSON_COLUMNS, person_from_row, person_values
from bot.storage.sqlite.deliveries import delivery_from_row, delivery_params

if TYPE_CHECKING:
    import aiosqlite

_TABLE = "personal_deliveries"
_MUTABLE = COLUMNS[KEY_COLUMNS:]
_INSERT_DM = (  # column names are constants, values are bound
    f"INSERT INTO {_TABLE} ({COLUMN_LIST}) VALUES ({', '.join('?' * len(COLUMNS))}) "  # noqa: S608
    "ON CONFLICT (channel_key, cadence, day) DO NOTHING"
)
_UPDATE_DM = (
    f"UPDATE {_TABLE} SET {', '.join(f'{c} = ?' for c in _MUTABLE)} "  # noqa: S608
    "WHERE channel_key = ? AND cadence = ? AND day = ? AND lease_owner IS ?"
)
_SELECT_DM = f"SELECT {COLUMN_LIST} FROM {_TABLE}"  # noqa: S608
_LATEST_PER_PERSON = (
    f"{_SELECT_DM} WHERE (channel_key, cadence, day) IN "  # noqa: S608
    f"(SELECT channel_key, cadence, max(day) FROM {_TABLE} GROUP BY channel_key, cadence)"
)
_CLAIM_DM = (
    f"UPDATE {_TABLE} SET state = 'posting', attempts = attempts + 1, "  # noqa: S608
    "lease_owner = :worker, lease_until = :until, due_at = :until, updated_at = :now "
    f"WHERE (channel_key, cadence, day) IN (SELECT channel_key, cadence, day FROM {_TABLE} "
    "WHERE due_at IS NOT NULL AND due_at <= :now "
    "AND (:platform IS NULL OR platform = :platform) "
    f"ORDER BY due_at, channel_key LIMIT :limit) RETURNING {COLUMN_LIST}"
)
_PERSON_COLS = ", ".join(PERSON_COLUMNS)
_UPSERT_PERSON = (
    f"INSERT OR REPLACE INTO personal_subscriptions ({_PERSON_COLS}, updated_at) "  # noqa: S608
    f"VALUES ({', '.join('?' * (len(PERSON_COLUMNS) + 1))})"
)
_CHANNEL_POSTS = (
    "SELECT platform, workspace, channel_id, paper_ids, message_ids FROM deliveries "
    "WHERE platform = ? AND workspace = ? AND day = ? AND cadence = 'daily' "
    "AND state = 'posted' ORDER BY posted_at, channel_key"
)
_COUNTS = (  # the person's rows in each table, in Footprint's order
    "SELECT (SELECT count(*) FROM personal_subscriptions WHERE user_key = :key), "
    "(SELECT count(*) FROM personal_deliveries WHERE channel_key = :key), "
    "(SELECT count(*) FROM votes WHERE user_key = :key), "
    "(SELECT count(*) FROM saves WHERE user_key = :key), "
    "(SELECT count(*) FROM not_for_me WHERE user_key = :key)"
)
_FORGET = (
    "DELETE FROM personal_subscriptions WHERE user_key = ?",
    f"DELETE FROM {_TABLE} WHERE channel_key = ?",  # noqa: S608
    "DELETE FROM votes WHERE user_key = ?",
    "DELETE FROM saves WHERE user_key = ?",
    "DELETE FROM not_for_me WHERE user_key = ?",  # "For you" negatives (migration 31)
)


class SqlitePeople:
    """People methods of SqliteStore; they use its one connection and its transactions."""

    if TYPE_CHECKING:

        def _transaction(self) -> AbstractAsyncContextManager[aiosqlite.Connection]: ...

        async def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]: ...

    async def get_person(self, user_key: str) -> Person | None:
        rows = await self._fetch(
            f"SELECT {_PERSON_COLS} FROM personal_subscriptions WHERE user_key = ?",  # noqa: S608
            (user_key,),
        )
        return person_from_row(rows[0]) if rows else None

    async def save_person(self, person: Person) -> None:
        values = person_values(person)
        paused_at = PERSON_COLUMNS.index("paused")
        values = (*values[:paused_at], int(values[paused_at]), *values[paused_at + 1 :])
        async with self._transaction() as conn:
            await conn.execute(_UPSERT_PERSON, (*values, _now_text()))

    async def delete_person(self, user_key: str) -> bool:
        async with self._transaction() as conn:
            cursor = await conn.execute(
                "DELETE FROM personal_subscriptions WHERE user_key = ?", (user_key,)
            )
            return cursor.rowcount == 1

    async def list_people(self) -> list[Person]:
        rows = await self._fetch(
            f"SELECT {_PERSON_COLS} FROM personal_subscriptions ORDER BY user_key"  # noqa: S608
        )
        return [person_from_row(row) for row in rows]

    async def person_footprint(self, user_key: str) -> Footprint:
        rows = await self._fetch(_COUNTS, {"key": user_key})  # type: ignore[arg-type]
        return _footprint(tuple(rows[0]))

    async def forget_person(self, user_key: str) -> Footprint:
        async with self._transaction() as conn:
            counted = await conn.execute_fetchall(_COUNTS, {"key": user_key})
            for sql in _FORGET:
                await conn.execute(sql, (user_key,))
        return _footprint(tuple(next(iter(counted))))

    async def create_personal_deliveries(self, deliveries: Sequence[Delivery]) -> int:
        if not deliveries:
            return 0
        async with self._transaction() as conn:
            cursor = await conn.executemany(_INSERT_DM, [delivery_params(d) for d in deliveries])
            return cursor.rowcount

    async def latest_personal_delivery_per_person(self) -> dict[tuple[str, Cadence], Delivery]:
        rows = await self._fetch(_LATEST_PER_PERSON)
        return {
            (row["channel_key"], Cadence(row["cadence"])): delivery_from_row(row) for row in rows
        }

    async def latest_personal_deliveries(self, user_key: str, limit: int = 1) -> list[Delivery]:
        rows = await self._fetch(
            f"{_SELECT_DM} WHERE channel_key = ? ORDER BY day DESC, cadence LIMIT ?",
            (user_key, limit),
        )
        return [delivery_from_row(row) for row in rows]

    async def claim_due_personal_deliveries(
        self,
        now: datetime,
        worker: str,
        *,
        limit: int,
        lease: timedelta,
        platform: str | None = None,
    ) -> list[Delivery]:
        params = {
            "worker": worker,
            "until": codec.instant_text(now + lease),
            "now": codec.instant_text(now),
            "platform": platform,
            "limit": limit,
        }
        async with self._transaction() as conn:
            rows = await conn.execute_fetchall(_CLAIM_DM, params)
        claimed = [delivery_from_row(row) for row in rows]
        return sorted(claimed, key=lambda d: (d.post_at, d.channel.key))

    async def save_personal_delivery(self, delivery: Delivery, *, worker: str) -> bool:
        changes = delivery_params(delivery)[KEY_COLUMNS:]
        key = (delivery.channel.key, delivery.cadence.value, delivery.day.isoformat(), worker)
        async with self._transaction() as conn:
            cursor = await conn.execute(_UPDATE_DM, (*changes, *key))
            return cursor.rowcount == 1

    async def channel_posts(self, platform: str, workspace: str, day: date) -> list[ChannelPost]:
        rows = await self._fetch(_CHANNEL_POSTS, (platform, workspace, day.isoformat()))
        return [
            ChannelPost(
                ChannelRef(row["platform"], row["channel_id"], row["workspace"]),
                codec.tuple_from_json(row["paper_ids"]),
                codec.tuple_from_json(row["message_ids"]),
            )
            for row in rows
        ]


def _footprint(counts: tuple[Any, ...]) -> Footprint:
    subscription, deliveries, votes, saves, not_for_me = (int(n) for n in counts)
    return Footprint(bool(subscription), deliveries, votes, saves, not_for_me)


def _now_text() -> str:
    return codec.instant_text(datetime.now(UTC))
