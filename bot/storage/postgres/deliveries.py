"""Delivery records on PostgreSQL: the delivery half of the Store port, mixed into PostgresStore.

The claim picks due rows with `SELECT ... ORDER BY due_at LIMIT n FOR UPDATE SKIP LOCKED`
and marks them posting in the same statement: a row another worker is claiming right now is
skipped rather than waited for, so any number of workers (in any number of processes) claim
concurrently and no row is ever claimed twice. A save only lands while the saver still
holds the lease, exactly as on SQLite (bot/storage/sqlite/deliveries.py).
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.records.delivery import Delivery, DeliveryState
from bot.records.errors import StoreError
from bot.records.models import Cadence, ChannelRef
from bot.storage.codecs.deliveries import COLUMNS, KEY_COLUMNS, due_at

_COLS = ", ".join(COLUMNS)
_MUTABLE = COLUMNS[KEY_COLUMNS:]  # everything but the key, the channel's parts and post_at
_INSERT = (  # column names are constants, values are bound
    f"INSERT INTO deliveries ({_COLS}) "  # noqa: S608
    f"VALUES ({', '.join(f'${n}' for n in range(1, len(COLUMNS) + 1))}) "
    "ON CONFLICT (channel_key, cadence, day) DO NOTHING"
)
_KEY_AT = len(_MUTABLE) + 1
_UPDATE = (
    f"UPDATE deliveries SET {', '.join(f'{c} = ${n}' for n, c in enumerate(_MUTABLE, 1))} "  # noqa: S608
    f"WHERE channel_key = ${_KEY_AT} AND cadence = ${_KEY_AT + 1} AND day = ${_KEY_AT + 2} "
    f"AND lease_owner IS NOT DISTINCT FROM ${_KEY_AT + 3}"
)
_SELECT = f"SELECT {_COLS} FROM deliveries"  # noqa: S608
_CLAIM = (  # $1 now, $2 worker, $3 lease end, $4 platform, $5 channel key, $6 limit
    "WITH due AS (SELECT channel_key, cadence, day FROM deliveries "  # noqa: S608
    "WHERE due_at IS NOT NULL AND due_at <= $1 "
    "AND ($4::text IS NULL OR platform = $4) AND ($5::text IS NULL OR channel_key = $5) "
    "ORDER BY due_at, channel_key LIMIT $6 FOR UPDATE SKIP LOCKED) "
    "UPDATE deliveries AS d SET state = 'posting', attempts = d.attempts + 1, "
    "lease_owner = $2, lease_until = $3, due_at = $3, updated_at = now() "
    "FROM due WHERE d.channel_key = due.channel_key AND d.cadence = due.cadence "
    "AND d.day = due.day "
    f"RETURNING {', '.join(f'd.{c}' for c in COLUMNS)}"
)
_LATEST_PER_CHANNEL = (  # each channel's newest record per cadence
    f"SELECT DISTINCT ON (channel_key, cadence) {_COLS} FROM deliveries "  # noqa: S608
    "ORDER BY channel_key, cadence, day DESC"
)
# Rows per INSERT of create_deliveries: 500 × 20 parameters stays under asyncpg's 32,767.
_INSERT_BATCH = 500
_REOPEN = (
    "UPDATE deliveries SET state = 'pending', reason = NULL, due_at = $1, lease_owner = NULL, "
    "lease_until = NULL, updated_at = now() "
    "WHERE channel_key = $2 AND cadence = $3 AND day = $4 AND state IN ('paused', 'empty')"
)


class PostgresDeliveries:
    """Delivery methods of PostgresStore; they borrow its pool's connections."""

    if TYPE_CHECKING:

        def _connection(self) -> AbstractAsyncContextManager[Any]: ...

        def _transaction(self) -> AbstractAsyncContextManager[Any]: ...

        async def _fetch(self, sql: str, *args: Any) -> list[Any]: ...

    async def create_delivery(self, delivery: Delivery) -> bool:
        async with self._connection() as conn:
            status = await conn.execute(_INSERT, *delivery_params(delivery))
        return bool(status == "INSERT 0 1")

    async def create_deliveries(self, deliveries: Sequence[Delivery]) -> int:
        created = 0
        async with self._transaction() as conn:
            for start in range(0, len(deliveries), _INSERT_BATCH):
                batch = deliveries[start : start + _INSERT_BATCH]
                rows = await conn.fetch(_insert_many(len(batch)), *_flat_params(batch))
                created += len(rows)
        return created

    async def latest_delivery_per_channel(self) -> dict[tuple[str, Cadence], Delivery]:
        rows = await self._fetch(_LATEST_PER_CHANNEL)
        return {
            (row["channel_key"], Cadence(row["cadence"])): delivery_from_row(row) for row in rows
        }

    async def get_delivery(
        self, channel: ChannelRef, day: date, cadence: Cadence = Cadence.DAILY
    ) -> Delivery | None:
        rows = await self._fetch(
            f"{_SELECT} WHERE channel_key = $1 AND cadence = $2 AND day = $3",
            channel.key,
            cadence.value,
            day,
        )
        return delivery_from_row(rows[0]) if rows else None

    async def latest_deliveries(
        self, channel: ChannelRef, limit: int = 1, cadence: Cadence = Cadence.DAILY
    ) -> list[Delivery]:
        rows = await self._fetch(
            f"{_SELECT} WHERE channel_key = $1 AND cadence = $2 ORDER BY day DESC LIMIT $3",
            channel.key,
            cadence.value,
            limit,
        )
        return [delivery_from_row(row) for row in rows]

    async def claim_due_deliveries(
        self,
        now: datetime,
        worker: str,
        *,
        limit: int,
        lease: timedelta,
        platform: str | None = None,
        channel: ChannelRef | None = None,
    ) -> list[Delivery]:
        rows = await self._fetch(
            _CLAIM,
            _aware(now),
            worker,
            _aware(now + lease),
            platform,
            channel.key if channel else None,
            limit,
        )
        claimed = [delivery_from_row(row) for row in rows]
        return sorted(claimed, key=lambda d: (d.post_at, d.channel.key))

    async def reopen_delivery(
        self, channel: ChannelRef, day: date, now: datetime, cadence: Cadence = Cadence.DAILY
    ) -> bool:
        async with self._connection() as conn:
            status = await conn.execute(_REOPEN, _aware(now), channel.key, cadence.value, day)
        return bool(status == "UPDATE 1")

    async def save_delivery(self, delivery: Delivery, *, worker: str) -> bool:
        changes = delivery_params(delivery)[KEY_COLUMNS:]
        key = (delivery.channel.key, delivery.cadence.value, delivery.day)
        async with self._connection() as conn:
            status = await conn.execute(_UPDATE, *changes, *key, worker)
        return bool(status == "UPDATE 1")


def _insert_many(rows: int) -> str:
    """One INSERT of `rows` records (each skipped if its key exists), returning the new."""
    width = len(COLUMNS)
    values = ", ".join(
        "(" + ", ".join(f"${r * width + c}" for c in range(1, width + 1)) + ")" for r in range(rows)
    )
    return (
        f"INSERT INTO deliveries ({_COLS}) VALUES {values} "  # noqa: S608
        "ON CONFLICT (channel_key, cadence, day) DO NOTHING RETURNING 1"
    )


def _flat_params(deliveries: Sequence[Delivery]) -> list[Any]:
    return [value for delivery in deliveries for value in delivery_params(delivery)]


def delivery_params(delivery: Delivery) -> tuple[Any, ...]:
    """The record's values in COLUMNS order, as asyncpg binds them."""
    channel = delivery.channel
    return (
        channel.key,
        channel.platform,
        channel.workspace,
        channel.channel_id,
        delivery.cadence.value,
        delivery.day,
        _aware(delivery.post_at),
        list(delivery.days),
        delivery.state.value,
        delivery.attempts,
        _maybe_aware(delivery.next_try_at),
        delivery.reason,
        list(delivery.paper_ids),
        list(delivery.message_ids),
        list(delivery.thread_replies),
        _maybe_aware(delivery.posted_at),
        delivery.lease_owner,
        _maybe_aware(delivery.lease_until),
        _maybe_aware(due_at(delivery)),
        datetime.now(UTC),
    )


def delivery_from_row(row: Mapping[str, Any]) -> Delivery:
    try:
        return Delivery(
            channel=ChannelRef(row["platform"], row["channel_id"], row["workspace"]),
            day=row["day"],
            post_at=row["post_at"],
            days=tuple(row["days"]),
            state=DeliveryState(row["state"]),
            attempts=int(row["attempts"]),
            next_try_at=row["next_try_at"],
            reason=row["reason"],
            paper_ids=tuple(row["paper_ids"]),
            message_ids=tuple(row["message_ids"]),
            thread_replies=tuple(row["thread_replies"]),
            posted_at=row["posted_at"],
            lease_owner=row["lease_owner"],
            lease_until=row["lease_until"],
            cadence=Cadence(row["cadence"]),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise StoreError(f"delivery row is inconsistent: {exc}") from exc


def _aware(at: datetime) -> datetime:
    """A naive instant is taken to be UTC (as the SQLite codec does)."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at


def _maybe_aware(at: datetime | None) -> datetime | None:
    return _aware(at) if at is not None else None
