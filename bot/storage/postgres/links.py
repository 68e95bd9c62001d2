"""Linked channels on PostgreSQL: the LinkStore port, mixed into PostgresStore.

The one-time code is consumed by `DELETE ... RETURNING`: under READ COMMITTED a second join
with the same code waits on the row's lock and then finds it gone, so one join wins. A
group's first row is inserted with ON CONFLICT DO NOTHING and read back, so two joins to one
inviting channel agree on its group. `_sync_group` runs inside save_subscription's
transaction, writing a linked channel's settings and topics to every channel of its group.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.records.links import JoinOutcome, JoinResult, is_expired
from bot.records.models import ChannelRef
from bot.storage.codecs.link_sql import copy_subscription_sql, copy_topics_sql, copy_votes_sql

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
            row = await conn.fetchrow(
                "DELETE FROM link_codes WHERE code_hash = $1 RETURNING channel_key, expires_at",
                code_hash,
            )
            if row is None:
                return JoinResult(JoinOutcome.UNKNOWN)
            inviter = str(row["channel_key"])
            if is_expired(row["expires_at"], now):
                return JoinResult(JoinOutcome.EXPIRED, inviter)
            problem = await _join_problem(conn, inviter, joiner.key)
            if problem is not None:
                return JoinResult(problem, inviter)
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


async def _join_problem(conn: Any, inviter: str, joiner: str) -> JoinOutcome | None:
    if inviter == joiner:
        return JoinOutcome.SAME_CHANNEL
    if await conn.fetchval(_GROUP_OF, joiner) is not None:
        return JoinOutcome.ALREADY_LINKED
    found = await conn.fetchval("SELECT 1 FROM subscriptions WHERE channel_key = $1", inviter)
    return None if found else JoinOutcome.NOT_SUBSCRIBED


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
