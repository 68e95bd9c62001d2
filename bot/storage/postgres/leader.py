"""The scheduler role on PostgreSQL: a session advisory lock held on a dedicated connection.

PostgreSQL releases a session lock the moment its session ends, so a worker that dies (or
loses its connection) loses the role, and the next worker to poll `acquire()` takes it.
A killed process's socket is closed by its kernel and the server notices at once; for a
host that vanishes without closing anything, TCP keepalives (set per session below) end the
session within about 10 s. The holder checks its own connection on every `held()` poll with
a short timeout, so it steps down before the server can hand the role to anyone else.
"""

from __future__ import annotations

import logging
from typing import Any

from bot.records.errors import StoreError
from bot.storage.postgres.conn import advisory_key, connect, translated

log = logging.getLogger(__name__)

CHECK_TIMEOUT_S = 2.0
KEEPALIVES = {
    "tcp_keepalives_idle": "5",
    "tcp_keepalives_interval": "2",
    "tcp_keepalives_count": "3",
}


class PostgresLeaderElection:
    """`bot.app.leader.LeaderElection` on PostgreSQL. Never raises: no database means no role."""

    def __init__(self, url: str, *, name: str = "scheduler", schema: str | None = None) -> None:
        self._url = url
        self._schema = schema
        # Deployments that share a database but not a schema must not share the role.
        self._key = advisory_key(f"paperbot:leader:{name}:{schema or ''}")
        self._conn: Any = None
        self._holding = False

    async def acquire(self) -> bool:
        """Take the role if nobody holds it; True if this process holds it now."""
        if self._holding:
            return await self.held()
        try:
            conn = await self._connection()
            async with translated("leader election"):
                self._holding = bool(
                    await conn.fetchval(
                        "SELECT pg_try_advisory_lock($1)", self._key, timeout=CHECK_TIMEOUT_S
                    )
                )
        except StoreError as exc:
            log.warning("cannot try for the scheduler role: %s", exc)
            await self._drop_connection()
        return self._holding

    async def held(self) -> bool:
        """True while the lock's session is alive; False (for good) once it is lost."""
        if not self._holding:
            return False
        try:
            async with translated("leader election"):
                await self._conn.fetchval("SELECT 1", timeout=CHECK_TIMEOUT_S)
        except StoreError as exc:
            log.warning("lost the scheduler role with the database connection: %s", exc)
            await self._drop_connection()
        return self._holding

    async def release(self) -> None:
        """Give the role up (if held) and close the connection."""
        conn = self._conn
        try:
            async with translated("leader election"):
                if self._holding and conn is not None:
                    await conn.execute("SELECT pg_advisory_unlock($1)", self._key)
                if conn is not None:
                    await conn.close(timeout=CHECK_TIMEOUT_S)
        except StoreError as exc:
            log.warning("could not unlock the scheduler role (its session ends): %s", exc)
        await self._drop_connection()

    async def _connection(self) -> Any:
        if self._conn is None or self._conn.is_closed():
            self._conn = await connect(
                self._url, schema=self._schema, application="paperbot-leader", settings=KEEPALIVES
            )
        return self._conn

    async def _drop_connection(self) -> None:
        """Forget the connection (and with it the lock, which its session held)."""
        self._holding = False
        conn, self._conn = self._conn, None
        if conn is not None and not conn.is_closed():
            conn.terminate()
