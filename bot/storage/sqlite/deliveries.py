"""Delivery records on SQLite: the delivery half of the Store port, mixed into SqliteStore.

The claim is one `UPDATE ... WHERE (key) IN (SELECT ... ORDER BY due_at LIMIT n) RETURNING`
inside a `BEGIN IMMEDIATE` transaction, so two workers (even in two processes) never claim
the same row. PostgreSQL does the same with `FOR UPDATE SKIP LOCKED` in the sub-select.
"""

from __future__ import annotations

import json
import sqlite3
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.records.delivery import Delivery, DeliveryState
from bot.records.errors import StoreError
from bot.records.models import Cadence, ChannelRef
from bot.storage.codecs import text as codec
from bot.storage.codecs.deliveries import (
    COLUMN_LIST,
    COLUMNS,
    KEY_COLUMNS,
    SELECT_DELIVERIES,
    due_at,
)

if TYPE_CHECKING:
    import aiosqlite

_MUTABLE = COLUMNS[KEY_COLUMNS:]
_INSERT = (  # column names are constants, values are bound
    f"INSERT INTO deliveries ({COLUMN_LIST}) VALUES ({', '.join('?' * len(COLUMNS))}) "  # noqa: S608
    "ON CONFLICT (channel_key, cadence, day) DO NOTHING"
)
_UPDATE = (
    f"UPDATE deliveries SET {', '.join(f'{c} = ?' for c in _MUTABLE)} "  # noqa: S608
    "WHERE channel_key = ? AND cadence = ? AND day = ? AND lease_owner IS ?"
)
# Each channel's newest record per cadence, read through the primary key.
_LATEST_PER_CHANNEL = (
    f"{SELECT_DELIVERIES} WHERE (channel_key, cadence, day) IN "  # noqa: S608
    "(SELECT channel_key, cadence, max(day) FROM deliveries GROUP BY channel_key, cadence)"
)
_REOPEN = (
    "UPDATE deliveries SET state = 'pending', reason = NULL, due_at = ?, lease_owner = NULL, "
    "lease_until = NULL, updated_at = ? "
    "WHERE channel_key = ? AND cadence = ? AND day = ? AND state IN ('paused', 'empty')"
)
_CLAIM = (  # column names are constants, values are bound
    "UPDATE deliveries SET state = 'posting', attempts = attempts + 1, "  # noqa: S608
    "lease_owner = :worker, "
    "lease_until = :until, due_at = :until, updated_at = :now "
    "WHERE (channel_key, cadence, day) IN (SELECT channel_key, cadence, day FROM deliveries "
    "WHERE due_at IS NOT NULL AND due_at <= :now "
    "AND (:platform IS NULL OR platform = :platform) "
    "AND (:channel IS NULL OR channel_key = :channel) "
    f"ORDER BY due_at, channel_key LIMIT :limit) RETURNING {COLUMN_LIST}"
)


class SqliteDeliveries:
    """Delivery methods of SqliteStore; they use its one connection and its transactions."""

    if TYPE_CHECKING:

        def _transaction(self) -> AbstractAsyncContextManager[aiosqlite.Connection]: ...

        async def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]: ...

    async def create_delivery(self, delivery: Delivery) -> bool:
        async with self._transaction() as conn:
            cursor = await conn.execute(_INSERT, delivery_params(delivery))
            return cursor.rowcount == 1

    async def create_deliveries(self, deliveries: Sequence[Delivery]) -> int:
        if not deliveries:
            return 0
        async with self._transaction() as conn:
            cursor = await conn.executemany(_INSERT, [delivery_params(d) for d in deliveries])
            return cursor.rowcount

    async def latest_delivery_per_channel(self) -> dict[tuple[str, Cadence], Delivery]:
        rows = await self._fetch(_LATEST_PER_CHANNEL)
        return {
            (row["channel_key"], Cadence(row["cadence"])): delivery_from_row(row) for row in rows
        }

    async def get_delivery(
        self, channel: ChannelRef, day: date, cadence: Cadence = Cadence.DAILY
    ) -> Delivery | None:
        rows = await self._fetch(
            f"{SELECT_DELIVERIES} WHERE channel_key = ? AND cadence = ? AND day = ?",
            (channel.key, cadence.value, day.isoformat()),
        )
        return delivery_from_row(rows[0]) if rows else None

    async def latest_deliveries(
        self, channel: ChannelRef, limit: int = 1, cadence: Cadence = Cadence.DAILY
    ) -> list[Delivery]:
        rows = await self._fetch(
            f"{SELECT_DELIVERIES} WHERE channel_key = ? AND cadence = ? ORDER BY day DESC LIMIT ?",
            (channel.key, cadence.value, limit),
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
        params = {
            "worker": worker,
            "until": codec.instant_text(now + lease),
            "now": codec.instant_text(now),
            "platform": platform,
            "channel": channel.key if channel else None,
            "limit": limit,
        }
        async with self._transaction() as conn:
            rows = await conn.execute_fetchall(_CLAIM, params)
        claimed = [delivery_from_row(row) for row in rows]
        return sorted(claimed, key=lambda d: (d.post_at, d.channel.key))

    async def reopen_delivery(
        self, channel: ChannelRef, day: date, now: datetime, cadence: Cadence = Cadence.DAILY
    ) -> bool:
        at = codec.instant_text(now)
        key = (channel.key, cadence.value, day.isoformat())
        async with self._transaction() as conn:
            cursor = await conn.execute(_REOPEN, (at, at, *key))
            return cursor.rowcount == 1

    async def save_delivery(self, delivery: Delivery, *, worker: str) -> bool:
        changes = delivery_params(delivery)[KEY_COLUMNS:]
        key = (delivery.channel.key, delivery.cadence.value, delivery.day.isoformat(), worker)
        async with self._transaction() as conn:
            cursor = await conn.execute(_UPDATE, (*changes, *key))
            return cursor.rowcount == 1


def delivery_params(delivery: Delivery) -> tuple[Any, ...]:
    """The record's values in COLUMNS order."""
    channel = delivery.channel
    return (
        channel.key,
        channel.platform,
        channel.workspace,
        channel.channel_id,
        delivery.cadence.value,
        delivery.day.isoformat(),
        codec.instant_text(delivery.post_at),
        codec.json_list(tuple(d.isoformat() for d in delivery.days)),
        delivery.state.value,
        delivery.attempts,
        _instant(delivery.next_try_at),
        delivery.reason,
        codec.json_list(delivery.paper_ids),
        codec.json_list(delivery.message_ids),
        json.dumps(list(delivery.thread_replies)),
        _instant(delivery.posted_at),
        delivery.lease_owner,
        _instant(delivery.lease_until),
        _instant(due_at(delivery)),
        codec.instant_text(datetime.now(UTC)),
    )


def delivery_from_row(row: sqlite3.Row) -> Delivery:
    try:
        return Delivery(
            channel=ChannelRef(row["platform"], row["channel_id"], row["workspace"]),
            day=date.fromisoformat(row["day"]),
            post_at=codec.instant_from_text(row["post_at"]),
            days=tuple(date.fromisoformat(d) for d in codec.tuple_from_json(row["days"])),
            state=DeliveryState(row["state"]),
            attempts=int(row["attempts"]),
            next_try_at=_from_text(row["next_try_at"]),
            reason=row["reason"],
            paper_ids=codec.tuple_from_json(row["paper_ids"]),
            message_ids=codec.tuple_from_json(row["message_ids"]),
            thread_replies=tuple(int(n) for n in json.loads(row["thread_replies"])),
            posted_at=_from_text(row["posted_at"]),
            lease_owner=row["lease_owner"],
            lease_until=_from_text(row["lease_until"]),
            cadence=Cadence(row["cadence"]),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise StoreError(f"delivery row is inconsistent: {exc}") from exc


def _instant(at: datetime | None) -> str | None:
    return codec.instant_text(at) if at is not None else None


def _from_text(text: str | None) -> datetime | None:
    return codec.instant_from_text(text) if text is not None else None
