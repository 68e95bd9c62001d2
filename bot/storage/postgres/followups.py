"""Follow-up events on PostgreSQL: the same contract as bot/storage/sqlite/followups.py."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import UTC, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.records.delivery import Delivery
from bot.records.followups import FollowupEvent, Seen
from bot.records.models import ChannelRef
from bot.storage.codecs.deliveries import COLUMNS as DELIVERY_COLUMNS
from bot.storage.codecs.followups import (
    COLUMNS,
    SEEN_COLUMNS,
    claim_reply_sql,
    event_from,
    event_values,
    finish_reply_sql,
    insert_event_sql,
    seen_from,
    seen_values,
    upsert_seen_sql,
)
from bot.storage.postgres.deliveries import delivery_from_row


def _marks(count: int) -> list[str]:
    return [f"${n}" for n in range(1, count + 1)]


_INSERT = insert_event_sql(_marks(len(COLUMNS)))
_UPSERT_SEEN = upsert_seen_sql(_marks(len(SEEN_COLUMNS)))
_SELECT = f"SELECT {', '.join(COLUMNS)} FROM followup_events"  # noqa: S608
_POSTED_SINCE = (
    f"SELECT {', '.join(DELIVERY_COLUMNS)} FROM deliveries "  # noqa: S608
    "WHERE state = 'posted' AND posted_at >= $1"
)
_ASSIGN = (  # a key some event of the channel holds is never given again
    "UPDATE followup_events SET reply_key = $1 "
    "WHERE channel_key = $2 AND thread_of = $3 AND reply_key IS NULL AND NOT EXISTS "
    "(SELECT 1 FROM followup_events AS f WHERE f.channel_key = $2 AND f.reply_key = $1)"
)
_CLAIM = claim_reply_sql("$1", "$2", "$3", "$4", "$5")
_FINISH = finish_reply_sql("$1", "$2", "$3", "$4")


class PostgresFollowups:
    """Follow-up methods of PostgresStore; they borrow its pool's connections."""

    if TYPE_CHECKING:

        def _transaction(self) -> AbstractAsyncContextManager[Any]: ...

        async def _fetch(self, sql: str, *args: Any) -> list[Any]: ...

    async def deliveries_posted_since(self, since: datetime) -> list[Delivery]:
        return [delivery_from_row(row) for row in await self._fetch(_POSTED_SINCE, since)]

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

    async def claim_followup_reply(
        self, channel: ChannelRef, reply_key: str, worker: str, now: datetime, *, lease: timedelta
    ) -> int:
        async with self._transaction() as conn:
            rows = await conn.fetch(_CLAIM, worker, now + lease, channel.key, reply_key, now)
        return max((int(row["attempts"]) for row in rows), default=0)

    async def finish_followup_reply(
        self, channel: ChannelRef, reply_key: str, *, worker: str, message_id: str | None
    ) -> bool:
        async with self._transaction() as conn:
            status = await conn.execute(_FINISH, message_id, channel.key, reply_key, worker)
        return int(status.split()[-1]) > 0


def _same(value: Any) -> Any:
    return value


def _aware(at: datetime) -> datetime:
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at
