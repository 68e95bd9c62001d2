"""Linked channels on SQLite: the LinkStore port, mixed into SqliteStore.

Every method is one `BEGIN IMMEDIATE` transaction, so two joins with one code (in two
processes on the same file) are serialised: the first deletes the code, the second finds
none; and wrong codes are counted exactly, however many workers take them. `_sync_group`
runs inside save_subscription's transaction: a linked channel's settings and topics are
written to every channel of its group at once.
"""

from __future__ import annotations

import sqlite3
from collections.abc import Sequence
from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.records.links import (
    KEEPS_CODE,
    WRONG_CODE_WINDOW,
    Guard,
    JoinOutcome,
    JoinResult,
    Lock,
    guards_of,
    is_expired,
    joiner_problem,
    lockout_end,
    locks_now,
)
from bot.records.models import ChannelRef
from bot.storage.codecs import text as codec
from bot.storage.codecs.link_sql import copy_subscription_sql, copy_topics_sql, copy_votes_sql

if TYPE_CHECKING:
    import aiosqlite

_COPY_SUBSCRIPTION = copy_subscription_sql("?, ?, ?, ?", "?", "?", "?")
_COPY_TOPICS = copy_topics_sql("?", "?")
_COPY_VOTES = copy_votes_sql("?", "?")


class SqliteLinks:
    """Link methods of SqliteStore; they use its connection and transactions."""

    if TYPE_CHECKING:

        def _transaction(self) -> AbstractAsyncContextManager[aiosqlite.Connection]: ...

        async def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]: ...

    async def create_link_code(self, code_hash: str, channel_key: str, expires: datetime) -> None:
        async with self._transaction() as conn:
            await conn.execute(
                "INSERT INTO link_codes (code_hash, channel_key, expires_at) VALUES (?, ?, ?)",
                (code_hash, channel_key, codec.instant_text(expires)),
            )

    async def join_link(
        self,
        code_hash: str,
        joiner: ChannelRef,
        created_by: str | None,
        now: datetime,
        new_group: str,
    ) -> JoinResult:
        async with self._transaction() as conn:
            guards = guards_of(joiner)
            lock = await _lock_of(conn, guards, now)
            if lock is not None:
                return JoinResult(JoinOutcome.LOCKED, lock=lock)
            rows = list(
                await conn.execute_fetchall(
                    "SELECT channel_key, expires_at FROM link_codes WHERE code_hash = ?",
                    (code_hash,),
                )
            )
            if not rows:
                return JoinResult(JoinOutcome.UNKNOWN, lock=await _count_wrong(conn, guards, now))
            inviter = str(rows[0][0])
            expires = codec.instant_from_text(str(rows[0][1]))
            outcome = await _refusal(conn, inviter, joiner, expires, now)
            if outcome not in KEEPS_CODE:
                await conn.execute("DELETE FROM link_codes WHERE code_hash = ?", (code_hash,))
            if outcome is not None:
                return JoinResult(outcome, inviter)
            group = await _group_of(conn, inviter)
            stamp = codec.instant_text(now)
            for key in (inviter, joiner.key) if group is None else (joiner.key,):
                await _copy(conn, _COPY_VOTES, new_group if group is None else group, key)
                await conn.execute("DELETE FROM votes WHERE subscription_key = ?", (key,))
            await _copy_subscription(conn, inviter, joiner, created_by, stamp)
            await conn.executemany(
                "INSERT INTO channel_links (channel_key, group_id, linked_at) VALUES (?, ?, ?) "
                "ON CONFLICT DO NOTHING",
                [(key, group or new_group, stamp) for key in (inviter, joiner.key)],
            )
        return JoinResult(JoinOutcome.JOINED, inviter)

    async def unlink(self, channel_key: str) -> bool:
        """Take the channel out of its group with a copy of the votes; a group left with one
        channel is dissolved the same way. False when the channel was not linked."""
        async with self._transaction() as conn:
            return await self._leave_group(conn, channel_key)

    async def _leave_group(self, conn: aiosqlite.Connection, channel_key: str) -> bool:
        """unlink's work, inside the caller's transaction (delete_subscription's too: a
        channel that stops leaves its group as an unlink would, never a group of one)."""
        group = await _group_of(conn, channel_key)
        if group is None:
            return False
        members = await _members(conn, group)
        leaving = members if len(members) <= 2 else [channel_key]  # a pair dissolves
        for key in leaving:
            await _copy(conn, _COPY_VOTES, key, group)
            await conn.execute("DELETE FROM channel_links WHERE channel_key = ?", (key,))
        if len(leaving) == len(members):
            await conn.execute("DELETE FROM votes WHERE subscription_key = ?", (group,))
        return True

    async def linked_channels(self, channel_key: str) -> list[str]:
        rows = await self._fetch(
            "SELECT o.channel_key FROM channel_links c JOIN channel_links o "
            "ON o.group_id = c.group_id AND o.channel_key <> c.channel_key "
            "WHERE c.channel_key = ? ORDER BY o.channel_key",
            (channel_key,),
        )
        return [str(row[0]) for row in rows]

    async def vote_key(self, channel_key: str) -> str:
        rows = await self._fetch(
            "SELECT group_id FROM channel_links WHERE channel_key = ?", (channel_key,)
        )
        return str(rows[0][0]) if rows else channel_key

    async def _sync_group(self, conn: aiosqlite.Connection, channel_key: str, stamp: str) -> None:
        """Write `channel_key`'s settings and topics to every other channel of its group."""
        group = await _group_of(conn, channel_key)
        if group is None:
            return
        for key in await _members(conn, group):
            if key != channel_key:
                await _copy_subscription(conn, channel_key, ChannelRef.parse(key), None, stamp)


async def _refusal(
    conn: aiosqlite.Connection,
    inviter: str,
    joiner: ChannelRef,
    expires: datetime,
    now: datetime,
) -> JoinOutcome | None:
    """Why a real code cannot join (None: it can), in the order users are told."""
    if is_expired(expires, now):
        return JoinOutcome.EXPIRED
    problem = joiner_problem(inviter, joiner)
    if problem is not None:
        return problem
    if await _group_of(conn, joiner.key) is not None:
        return JoinOutcome.ALREADY_LINKED
    found = await conn.execute_fetchall(
        "SELECT 1 FROM subscriptions WHERE channel_key = ?", (inviter,)
    )
    return None if list(found) else JoinOutcome.NOT_SUBSCRIBED


async def _lock_of(
    conn: aiosqlite.Connection, guards: Sequence[Guard], now: datetime
) -> Lock | None:
    for guard in guards:
        rows = list(
            await conn.execute_fetchall(
                "SELECT locked_until FROM link_guards WHERE scope = ?", (guard.key,)
            )
        )
        if rows and rows[0][0] is not None:
            until = codec.instant_from_text(str(rows[0][0]))
            if until > now:
                return Lock(guard.kind, until)
    return None


async def _count_wrong(
    conn: aiosqlite.Connection, guards: Sequence[Guard], now: datetime
) -> Lock | None:
    """Count a wrong code against each guard; the lock it starts, if it is one too many."""
    stale = codec.instant_text(now - WRONG_CODE_WINDOW)
    await conn.execute("DELETE FROM link_failures WHERE failed_at <= ?", (stale,))
    started: Lock | None = None
    for guard in guards:
        await conn.execute(
            "INSERT INTO link_failures (scope, failed_at) VALUES (?, ?)",
            (guard.key, codec.instant_text(now)),
        )
        rows = await conn.execute_fetchall(
            "SELECT count(*) FROM link_failures WHERE scope = ?", (guard.key,)
        )
        if locks_now(int(next(iter(rows))[0])):
            until = lockout_end(now)
            await conn.execute(
                "INSERT INTO link_guards (scope, locked_until) VALUES (?, ?) "
                "ON CONFLICT (scope) DO UPDATE SET locked_until = excluded.locked_until",
                (guard.key, codec.instant_text(until)),
            )
            await conn.execute("DELETE FROM link_failures WHERE scope = ?", (guard.key,))
            started = started or Lock(guard.kind, until)
    return started


async def _group_of(conn: aiosqlite.Connection, channel_key: str) -> str | None:
    rows = list(
        await conn.execute_fetchall(
            "SELECT group_id FROM channel_links WHERE channel_key = ?", (channel_key,)
        )
    )
    return str(rows[0][0]) if rows else None


async def _members(conn: aiosqlite.Connection, group: str) -> list[str]:
    rows = await conn.execute_fetchall(
        "SELECT channel_key FROM channel_links WHERE group_id = ? ORDER BY channel_key",
        (group,),
    )
    return [str(row[0]) for row in rows]


async def _copy(conn: aiosqlite.Connection, sql: str, target: str, source: str) -> None:
    await conn.execute(sql, (target, source))


async def _copy_subscription(
    conn: aiosqlite.Connection,
    source: str,
    target: ChannelRef,
    created_by: str | None,
    stamp: str,
) -> None:
    await conn.execute(
        _COPY_SUBSCRIPTION,
        (
            target.key,
            target.platform,
            target.workspace,
            target.channel_id,
            created_by,
            stamp,
            source,
        ),
    )
    await conn.execute("DELETE FROM subscription_topics WHERE channel_key = ?", (target.key,))
    await _copy(conn, _COPY_TOPICS, target.key, source)
