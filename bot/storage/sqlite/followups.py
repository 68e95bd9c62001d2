"""Follow-up events on SQLite (bot/lifecycle/followup_plan.py): the follow-up half of the Store
port."""

from __future__ import annotations

import sqlite3
from collections.abc import Collection, Sequence
from contextlib import AbstractAsyncContextManager
from datetime import date, datetime, timedelta
from typing import TYPE_CHECKING, Any

from bot.records.delivery import Delivery
from bot.records.followups import FollowupEvent, Seen
from bot.records.models import ChannelRef
from bot.storage.codecs import text as codec
from bot.storage.codecs.deliveries import SELECT_DELIVERIES
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
from bot.storage.sqlite.deliveries import delivery_from_row

if TYPE_CHECKING:
    import aiosqlite

_INSERT = insert_event_sql(["?"] * len(COLUMNS))
_UPSERT_SEEN = upsert_seen_sql(["?"] * len(SEEN_COLUMNS))
_SELECT = f"SELECT {', '.join(COLUMNS)} FROM followup_events"  # noqa: S608
_POSTED_SINCE = f"{SELECT_DELIVERIES} WHERE state = 'posted' AND posted_at >= ?"
_ASSIGN = (
    "UPDATE followup_events SET reply_key = ? "
    "WHERE channel_key = ? AND thread_of = ? AND reply_key IS NULL"
)
_KEY_USED = "SELECT 1 FROM followup_events WHERE channel_key = ? AND reply_key = ? LIMIT 1"
_CLAIM = claim_reply_sql(":worker", ":until", ":channel", ":key", ":now")
_FINISH = finish_reply_sql("?", "?", "?", "?")


class SqliteFollowups:
    """Follow-up methods of SqliteStore; they use its one connection and transactions."""

    if TYPE_CHECKING:

        def _transaction(self) -> AbstractAsyncContextManager[aiosqlite.Connection]: ...

        async def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]: ...

    async def deliveries_posted_since(self, since: datetime) -> list[Delivery]:
        rows = await self._fetch(_POSTED_SINCE, (codec.instant_text(since),))
        return [delivery_from_row(row) for row in rows]

    async def followups_seen(self, arxiv_ids: Collection[str]) -> dict[str, Seen]:
        if not arxiv_ids:
            return {}
        marks = ", ".join("?" * len(arxiv_ids))
        sql = f"SELECT * FROM followup_seen WHERE arxiv_id IN ({marks})"  # noqa: S608
        return {
            row["arxiv_id"]: seen_from(dict(row)) for row in await self._fetch(sql, [*arxiv_ids])
        }

    async def save_followups_seen(self, seen: Sequence[Seen], at: datetime) -> None:
        rows = [seen_values(s, codec.instant_text(at)) for s in seen]
        async with self._transaction() as conn:
            await conn.executemany(_UPSERT_SEEN, rows)

    async def record_followup_events(self, events: Sequence[FollowupEvent]) -> int:
        if not events:
            return 0
        async with self._transaction() as conn:
            cursor = await conn.executemany(_INSERT, [_values(e) for e in events])
            return cursor.rowcount

    async def followup_events_since(self, since: datetime) -> list[FollowupEvent]:
        sql = f"{_SELECT} WHERE detected_at >= ? ORDER BY channel_key, day, arxiv_id, kind, value"
        rows = await self._fetch(sql, (codec.instant_text(since),))
        return [event_from(dict(row), codec.instant_from_text, date.fromisoformat) for row in rows]

    async def assign_followup_reply(
        self, channel: ChannelRef, thread_of: str, reply_key: str
    ) -> int:
        async with self._transaction() as conn:  # BEGIN IMMEDIATE: the check holds
            if await conn.execute_fetchall(_KEY_USED, (channel.key, reply_key)):
                return 0
            cursor = await conn.execute(_ASSIGN, (reply_key, channel.key, thread_of))
            return cursor.rowcount

    async def claim_followup_reply(
        self, channel: ChannelRef, reply_key: str, worker: str, now: datetime, *, lease: timedelta
    ) -> int:
        params = {
            "worker": worker,
            "until": codec.instant_text(now + lease),
            "channel": channel.key,
            "key": reply_key,
            "now": codec.instant_text(now),
        }
        async with self._transaction() as conn:
            rows = await conn.execute_fetchall(_CLAIM, params)
        return max((int(row[0]) for row in rows), default=0)

    async def finish_followup_reply(
        self, channel: ChannelRef, reply_key: str, *, worker: str, message_id: str | None
    ) -> bool:
        async with self._transaction() as conn:
            cursor = await conn.execute(_FINISH, (message_id, channel.key, reply_key, worker))
            return cursor.rowcount > 0


def _values(event: FollowupEvent) -> tuple[Any, ...]:
    return event_values(event, codec.instant_text, date.isoformat)
