"""People's own subscriptions and their DM records on PostgreSQL, mixed into PostgresStore.

`personal_deliveries` is the twin of `deliveries`, claimed the same way (`FOR UPDATE SKIP
LOCKED`) and written with the same row codec (bot/storage/postgres/deliveries.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.records.delivery import Delivery
from bot.records.models import Cadence, ChannelRef
from bot.records.people import ChannelPost, Footprint, Person
from bot.storage.codecs.deliveries import COLUMNS, KEY_COLUMNS
from bot.storage.codecs.people import PERSON_COLUMNS, person_from_row, person_values
from bot.storage.postgres.deliveries import delivery_from_row, delivery_params

_TABLE = "personal_deliveries"
_COLS = ", ".join(COLUMNS)
_MUTABLE = COLUMNS[KEY_COLUMNS:]
_INSERT_DM = (  # column names are constants, values are bound
    f"INSERT INTO {_TABLE} ({_COLS}) "  # noqa: S608
    f"VALUES ({', '.join(f'${n}' for n in range(1, len(COLUMNS) + 1))}) "
    "ON CONFLICT (channel_key, cadence, day) DO NOTHING"
)
_KEY_AT = len(_MUTABLE) + 1
_UPDATE_DM = (
    f"UPDATE {_TABLE} SET {', '.join(f'{c} = ${n}' for n, c in enumerate(_MUTABLE, 1))} "  # noqa: S608
    f"WHERE channel_key = ${_KEY_AT} AND cadence = ${_KEY_AT + 1} AND day = ${_KEY_AT + 2} "
    f"AND lease_owner IS NOT DISTINCT FROM ${_KEY_AT + 3}"
)
_SELECT_DM = f"SELECT {_COLS} FROM {_TABLE}"  # noqa: S608
_LATEST_PER_PERSON = (
    f"SELECT DISTINCT ON (channel_key, cadence) {_COLS} FROM {_TABLE} "  # noqa: S608
    "ORDER BY channel_key, cadence, day DESC"
)
_CLAIM_DM = (  # $1 now, $2 worker, $3 lease end, $4 platform, $5 limit
    f"WITH due AS (SELECT channel_key, cadence, day FROM {_TABLE} "  # noqa: S608
    "WHERE due_at IS NOT NULL AND due_at <= $1 AND ($4::text IS NULL OR platform = $4) "
    "ORDER BY due_at, channel_key LIMIT $5 FOR UPDATE SKIP LOCKED) "
    f"UPDATE {_TABLE} AS d SET state = 'posting', attempts = d.attempts + 1, "
    "lease_owner = $2, lease_until = $3, due_at = $3, updated_at = now() "
    "FROM due WHERE d.channel_key = due.channel_key AND d.cadence = due.cadence "
    "AND d.day = due.day "
    f"RETURNING {', '.join(f'd.{c}' for c in COLUMNS)}"
)
_PERSON_COLS = ", ".join(PERSON_COLUMNS)
_UPSERT_PERSON = (
    f"INSERT INTO personal_subscriptions ({_PERSON_COLS}, updated_at) "  # noqa: S608
    f"VALUES ({', '.join(f'${n}' for n in range(1, len(PERSON_COLUMNS) + 2))}) "
    "ON CONFLICT (user_key) DO UPDATE SET "
    + ", ".join(f"{c} = excluded.{c}" for c in (*PERSON_COLUMNS[1:], "updated_at"))
)
_CHANNEL_POSTS = (
    "SELECT platform, workspace, channel_id, paper_ids, message_ids FROM deliveries "
    "WHERE platform = $1 AND workspace = $2 AND day = $3 AND cadence = 'daily' "
    "AND state = 'posted' ORDER BY posted_at, channel_key"
)
_COUNTS = (  # the person's rows in each table, in Footprint's order
    "SELECT (SELECT count(*) FROM personal_subscriptions WHERE user_key = $1), "
    "(SELECT count(*) FROM personal_deliveries WHERE channel_key = $1), "
    "(SELECT count(*) FROM votes WHERE user_key = $1), "
    "(SELECT count(*) FROM saves WHERE user_key = $1), "
    "(SELECT count(*) FROM not_for_me WHERE user_key = $1)"
)
_FORGET = (
    "DELETE FROM personal_subscriptions WHERE user_key = $1",
    f"DELETE FROM {_TABLE} WHERE channel_key = $1",  # noqa: S608
    "DELETE FROM votes WHERE user_key = $1",
    "DELETE FROM saves WHERE user_key = $1",
    "DELETE FROM not_for_me WHERE user_key = $1",  # "For you" negatives (migration 31)
)


class PostgresPeople:
    """People methods of PostgresStore; they borrow its pool's connections."""

    if TYPE_CHECKING:

        def _connection(self) -> AbstractAsyncContextManager[Any]: ...

        def _transaction(self) -> AbstractAsyncContextManager[Any]: ...

        async def _fetch(self, sql: str, *args: Any) -> list[Any]: ...

    async def get_person(self, user_key: str) -> Person | None:
        rows = await self._fetch(
            f"SELECT {_PERSON_COLS} FROM personal_subscriptions WHERE user_key = $1",  # noqa: S608
            user_key,
        )
        return person_from_row(rows[0]) if rows else None

    async def save_person(self, person: Person) -> None:
        async with self._connection() as conn:
            await conn.execute(_UPSERT_PERSON, *person_values(person), datetime.now(UTC))

    async def delete_person(self, user_key: str) -> bool:
        async with self._connection() as conn:
            status = await conn.execute(
                "DELETE FROM personal_subscriptions WHERE user_key = $1", user_key
            )
        return bool(status == "DELETE 1")

    async def list_people(self) -> list[Person]:
        rows = await self._fetch(
            f"SELECT {_PERSON_COLS} FROM personal_subscriptions ORDER BY user_key"  # noqa: S608
        )
        return [person_from_row(row) for row in rows]

    async def person_footprint(self, user_key: str) -> Footprint:
        rows = await self._fetch(_COUNTS, user_key)
        return _footprint(tuple(rows[0]))

    async def forget_person(self, user_key: str) -> Footprint:
        async with self._transaction() as conn:
            counted = await conn.fetchrow(_COUNTS, user_key)
            for sql in _FORGET:
                await conn.execute(sql, user_key)
        return _footprint(tuple(counted))

    async def create_personal_deliveries(self, deliveries: Sequence[Delivery]) -> int:
        created = 0
        async with self._transaction() as conn:
            for delivery in deliveries:
                status = await conn.execute(_INSERT_DM, *delivery_params(delivery))
                created += status == "INSERT 0 1"
        return created

    async def latest_personal_delivery_per_person(self) -> dict[tuple[str, Cadence], Delivery]:
        rows = await self._fetch(_LATEST_PER_PERSON)
        return {
            (row["channel_key"], Cadence(row["cadence"])): delivery_from_row(row) for row in rows
        }

    async def latest_personal_deliveries(self, user_key: str, limit: int = 1) -> list[Delivery]:
        rows = await self._fetch(
            f"{_SELECT_DM} WHERE channel_key = $1 ORDER BY day DESC, cadence LIMIT $2",
            user_key,
            limit,
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
        rows = await self._fetch(
            _CLAIM_DM, _aware(now), worker, _aware(now + lease), platform, limit
        )
        claimed = [delivery_from_row(row) for row in rows]
        return sorted(claimed, key=lambda d: (d.post_at, d.channel.key))

    async def save_personal_delivery(self, delivery: Delivery, *, worker: str) -> bool:
        changes = delivery_params(delivery)[KEY_COLUMNS:]
        key = (delivery.channel.key, delivery.cadence.value, delivery.day, worker)
        async with self._connection() as conn:
            status = await conn.execute(_UPDATE_DM, *changes, *key)
        return bool(status == "UPDATE 1")

    async def channel_posts(self, platform: str, workspace: str, day: date) -> list[ChannelPost]:
        rows = await self._fetch(_CHANNEL_POSTS, platform, workspace, day)
        return [
            ChannelPost(
                ChannelRef(row["platform"], row["channel_id"], row["workspace"]),
                tuple(row["paper_ids"]),
                tuple(row["message_ids"]),
            )
            for row in rows
        ]


def _footprint(counts: tuple[Any, ...]) -> Footprint:
    subscription, deliveries, votes, saves, not_for_me = (int(n) for n in counts)
    return Footprint(bool(subscription), deliveries, votes, saves, not_for_me)


def _aware(at: datetime) -> datetime:
    return at if at.tzinfo is not None else at.replace(tzinfo=UTC)
