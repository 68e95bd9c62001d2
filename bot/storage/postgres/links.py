"""Linked channels on PostgreSQL: the LinkStore port, mixed into PostgresStore.

The one-time code is read `FOR UPDATE` and then deleted: under READ COMMITTED a second join
with the same code waits on the row's lock and then finds it gone, so one join wins. A join
first takes a transaction advisory lock per guard (the joining channel, its workspace or
server), so wrong codes typed at once through several workers are counted one by one. A
group's first row is inserted with ON CONFLICT DO NOTHING and read back, so two joins to one
inviting channel agree on its group. `_sync_group` runs inside save_subscription's
transaction, writing a linked channel's settings and topics to every channel of its group.
"""

from __future__ import annotations

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
from bot.storage.codecs.link_sql import copy_subscription_sql, copy_topics_sql, copy_votes_sql
from bot.storage.postgres.conn import advisory_key

_COPY_SUBSCRIPTION = copy_subscription_sql("$1, $2, $3, $4", "$5", "now()", "$6")
_COPY_TOPICS = copy_topics_sql("$1", "$2")
_COPY_VOTES = copy_votes_sql("$1", "$2")
_GROUP_OF = "SELECT group_id FROM channel_links WHERE channel_key = $1"
_MEMBERS = "SELECT channel_key FROM channel_links WHERE group_id = $1 ORDER BY channel_key"


class PostgresLinks:
    """Link methods of PostgresStore; they borrow its pool's connections."""

    if TYPE_CHECKING:

        def _transaction(self) -> AbstractAsyncContextManager[Any]: ...

        async def _fetch(self, sql: str, *args: Any) -> list[Any]: ...

    async def create_link_code(self, code_hash: str, channel_key: str, expires: datetime) -> None:
        async with self._transaction() as conn:
            await conn.execute(
                "INSERT INTO link_codes (code_hash, channel_key, expires_at) VALUES ($1, $2, $3)",
                code_hash,
                channel_key,
                expires,
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
            for guard in guards:  # sorted: two joins never wait on each other crosswise
                await conn.execute("SELECT pg_advisory_xact_lock($1)", _guard_lock(guard))
            lock = await _lock_of(conn, guards, now)
            if lock is not None:
                return JoinResult(JoinOutcome.LOCKED, lock=lock)
            row = await conn.fetchrow(
                "SELECT channel_key, expires_at FROM link_codes WHERE code_hash = $1 FOR UPDATE",
                code_hash,
            )
            if row is None:
                return JoinResult(JoinOutcome.UNKNOWN, lock=await _count_wrong(conn, guards, now))
            inviter = str(row["channel_key"])
            outcome = await _refusal(conn, inviter, joiner, row["expires_at"], now)
            if outcome not in KEEPS_CODE:
                await conn.execute("DELETE FROM link_codes WHERE code_hash = $1", code_hash)
            if outcome is not None:
                return JoinResult(outcome, inviter)
            await conn.execute(
                "INSERT INTO channel_links (channel_key, group_id, linked_at) VALUES ($1, $2, $3) "
                "ON CONFLICT DO NOTHING",
                inviter,
                new_group,
                now,
            )
            group = str(await conn.fetchval(_GROUP_OF, inviter))
            for key in (inviter, joiner.key):  # the inviter's are there already when it was
                await conn.execute(_COPY_VOTES, group, key)
                await conn.execute("DELETE FROM votes WHERE subscription_key = $1", key)
            await _copy_subscription(conn, inviter, joiner, created_by)
            await conn.execute(
                "INSERT INTO channel_links (channel_key, group_id, linked_at) VALUES ($1, $2, $3)",
                joiner.key,
                group,
                now,
            )
        return JoinResult(JoinOutcome.JOINED, inviter)

    async def unlink(self, channel_key: str) -> bool:
        """Take the channel out of its group with a copy of the votes; a group left with one
        channel is dissolved the same way. False when the channel was not linked."""
        async with self._transaction() as conn:
            return await self._leave_group(conn, channel_key)

    async def _leave_group(self, conn: Any, channel_key: str) -> bool:
        """unlink's work, inside the caller's transaction (delete_subscription's too: a
        channel that stops leaves its group as an unlink would, never a group of one)."""
        group = await conn.fetchval(_GROUP_OF + " FOR UPDATE", channel_key)
        if group is None:
            return False
        members = [str(r[0]) for r in await conn.fetch(_MEMBERS + " FOR UPDATE", group)]
        leaving = members if len(members) <= 2 else [channel_key]  # a pair dissolves
        for key in leaving:
            await conn.execute(_COPY_VOTES, key, group)
            await conn.execute("DELETE FROM channel_links WHERE channel_key = $1", key)
        if len(leaving) == len(members):
            await conn.execute("DELETE FROM votes WHERE subscription_key = $1", group)
        return True

    async def linked_channels(self, channel_key: str) -> list[str]:
        rows = await self._fetch(
            "SELECT o.channel_key FROM channel_links c JOIN channel_links o "
            "ON o.group_id = c.group_id AND o.channel_key <> c.channel_key "
            "WHERE c.channel_key = $1 ORDER BY o.channel_key",
            channel_key,
        )
        return [str(row[0]) for row in rows]

    async def vote_key(self, channel_key: str) -> str:
        rows = await self._fetch(_GROUP_OF, channel_key)
        return str(rows[0][0]) if rows else channel_key

    async def _sync_group(self, conn: Any, channel_key: str) -> None:
        """Write `channel_key`'s settings and topics to every other channel of its group."""
        group = await conn.fetchval(_GROUP_OF, channel_key)
        if group is None:
            return
        for row in await conn.fetch(_MEMBERS, group):
            if row[0] != channel_key:
                await _copy_subscription(conn, channel_key, ChannelRef.parse(row[0]), None)


async def _refusal(
    conn: Any, inviter: str, joiner: ChannelRef, expires: datetime, now: datetime
) -> JoinOutcome | None:
    """Why a real code cannot join (None: it can), in the order users are told."""
    if is_expired(expires, now):
        return JoinOutcome.EXPIRED
    problem = joiner_problem(inviter, joiner)
    if problem is not None:
        return problem
    if await conn.fetchval(_GROUP_OF, joiner.key) is not None:
        return JoinOutcome.ALREADY_LINKED
    found = await conn.fetchval("SELECT 1 FROM subscriptions WHERE channel_key = $1", inviter)
    return None if found else JoinOutcome.NOT_SUBSCRIBED


def _guard_lock(guard: Guard) -> int:
    return advisory_key("paperbot:link-guard:" + guard.key)


async def _lock_of(conn: Any, guards: Sequence[Guard], now: datetime) -> Lock | None:
    for guard in guards:
        until = await conn.fetchval(
            "SELECT locked_until FROM link_guards WHERE scope = $1", guard.key
        )
        if until is not None and until > now:
            return Lock(guard.kind, until)
    return None


async def _count_wrong(conn: Any, guards: Sequence[Guard], now: datetime) -> Lock | None:
    """Count a wrong code against each guard; the lock it starts, if it is one too many."""
    await conn.execute("DELETE FROM link_failures WHERE failed_at <= $1", now - WRONG_CODE_WINDOW)
    started: Lock | None = None
    for guard in guards:
        await conn.execute(
            "INSERT INTO link_failures (scope, failed_at) VALUES ($1, $2)", guard.key, now
        )
        count = await conn.fetchval(
            "SELECT count(*) FROM link_failures WHERE scope = $1", guard.key
        )
        if locks_now(int(count)):
            until = lockout_end(now)
            await conn.execute(
                "INSERT INTO link_guards (scope, locked_until) VALUES ($1, $2) "
                "ON CONFLICT (scope) DO UPDATE SET locked_until = excluded.locked_until",
                guard.key,
                until,
            )
            await conn.execute("DELETE FROM link_failures WHERE scope = $1", guard.key)
            started = started or Lock(guard.kind, until)
    return started


async def _copy_subscription(
    conn: Any, source: str, target: ChannelRef, created_by: str | None
) -> None:
    await conn.execute(
        _COPY_SUBSCRIPTION,
        target.key,
        target.platform,
        target.workspace,
        target.channel_id,
        created_by,
        source,
    )
    await conn.execute("DELETE FROM subscription_topics WHERE channel_key = $1", target.key)
    await conn.execute(_COPY_TOPICS, target.key, source)
