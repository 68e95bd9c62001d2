"""Follow-up events on PostgreSQL: the same contract as bot/storage/sqlite_followups.py."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime
from typing import TYPE_CHECKING, Any

from bot.delivery_state import Delivery
from bot.followup_plan import FollowupEvent, Seen
from bot.models import ChannelRef
from bot.storage.followup_codec import (
    COLUMNS,
    SEEN_COLUMNS,
    event_from,
    event_values,
    insert_event_sql,
    seen_from,
    seen_values,
    upsert_seen_sql,
)
from bot.storage.postgres_deliveries import _delivery
from bot.storage.sqlite_deliveries import COLUMNS as DELIVERY_COLUMNS


def _marks(count: int) -> list[str]:
    return [f"${n}" for n in range(1, count + 1)]


_INSERT = insert_event_sql(_marks(len(COLUMNS)))
_UPSERT_SEEN = upsert_seen_sql(_marks(len(SEEN_COLUMNS)))
_SELECT = f"SELECT {', '.join(COLUMNS)} FROM followup_events"  # noqa: S608
_POSTED_SINCE = (
    f"SELECT {', '.join(DELIVERY_COLUMNS)} FROM deliveries "  # noqa: S608
    "WHERE state = 'posted' AND posted_at >= $1"
)
_ASSIGN = (
    "UPDATE followup_events SET reply_key = $1 "
    "WHERE channel_key = $2 AND thread_of = $3 AND reply_key IS NULL"
)
_SENT = "UPDATE followup_events SET message_id = $1 WHERE channel_key = $2 AND reply_key = $3"


class PostgresFollowups:
    """Follow-up methods of PostgresStore; they borrow its pool's connections."""

    if TYPE_CHECKING:

        def _transaction(self) -> AbstractAsyncContextManager[Any]: ...

        async def _fetch(self, sql: str, *args: Any) -> list[Any]: ...

    async def deliveries_posted_since(self, since: datetime) -> list[Delivery]:
        return [_delivery(row) for row in await self._fetch(_POSTED_SINCE, since)]

    async def followups_seen(self, arxiv_ids: Collection[str]) -> dict[str, Seen]:
        if not arxiv_ids:
            return {}
        sql = "SELECT * FROM followup_seen WHERE arxiv_id = ANY($1::text[])"
        return {row["arxiv_id"]: seen_from(row) for row in await self._fetch(sql, [*arxiv_ids])}

    async def save_followups_seen(self, seen: Sequence[Seen], at: datetime) -> None:
        rows = [seen_values(s, at) for s in seen]
        async with self._transaction() as conn:
            await conn.executemany(_UPSERT_SEEN, rows)

    async def record_followup_events(self, events: Sequence[FollowupEvent]) -> int:
        created = 0
        async with self._transaction() as conn:
            for event in events:
                status = await conn.execute(_INSERT, *event_values(event, _same, _same))
                created += status == "INSERT 0 1"
        return created

    async def followup_events_since(self, since: datetime) -> list[FollowupEvent]:
        sql = f"{_SELECT} WHERE detected_at >= $1 ORDER BY channel_key, day, arxiv_id, kind, value"
        rows = await self._fetch(sql, since)
        return [event_from(dict(row), _aware, _same) for row in rows]

    async def assign_followup_reply(
        self, channel: ChannelRef, thread_of: str, reply_key: str
    ) -> int:
        async with self._transaction() as conn:
            status = await conn.execute(_ASSIGN, reply_key, channel.key, thread_of)
        return int(status.split()[-1])

    async def mark_followup_sent(
        self, channel: ChannelRef, reply_key: str, message_id: str
    ) -> None:
        async with self._transaction() as conn:
            await conn.execute(_SENT, message_id, channel.key, reply_key)


def _same(value: Any) -> Any:
    return value


def _aware(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at
