"""Retention on PostgreSQL (bot/retention/): the same contract as
bot/storage/sqlite/upkeep/retention.py. A batch deletes through `ctid`, so a row another worker
changed in between (its `ctid` moved) is left for the next run.

PostgreSQL reuses the space of deleted rows once autovacuum has passed; `bloated_tables`
reports the tables where dead rows pile up all the same (autovacuum falling behind), which
the job logs as a warning.
"""

from __future__ import annotations

from contextlib import AbstractAsyncContextManager
from datetime import datetime
from typing import TYPE_CHECKING, Any

from bot.records.retention import PruneKind, TableBloat
from bot.storage.codecs.retention import prune_sql

_PRUNE = {kind: prune_sql(kind, row_id="ctid", before="$1", limit="$2") for kind in PruneKind}
DEAD_ROWS = 10_000  # fewer dead rows than this is never bloat worth a warning
DEAD_SHARE = 0.2  # autovacuum's default trigger: dead rows past 20% of the live ones
_BLOATED = (
    "SELECT relname, n_live_tup, n_dead_tup FROM pg_stat_user_tables "
    "WHERE schemaname = current_schema() AND n_dead_tup >= $1 "
    "AND n_dead_tup > $2 * greatest(n_live_tup, 1) ORDER BY n_dead_tup DESC"
)


class PostgresRetention:
    """RetentionStore methods of PostgresStore; they borrow its pool's connections."""

    if TYPE_CHECKING:

        def _transaction(self) -> AbstractAsyncContextManager[Any]: ...

        async def _fetch(self, sql: str, *args: Any) -> list[Any]: ...

    async def prune(self, kind: PruneKind, before: datetime, limit: int) -> int:
        async with self._transaction() as conn:
            status = await conn.execute(_PRUNE[kind], before, limit)
        return int(str(status).rsplit(" ", 1)[-1])  # "DELETE <n>"

    async def reclaim_space(self) -> list[TableBloat]:
        return []  # autovacuum makes the space of deleted rows reusable

    async def bloated_tables(self) -> list[TableBloat]:
        rows = await self._fetch(_BLOATED, DEAD_ROWS, DEAD_SHARE)
        return [TableBloat(str(r[0]), int(r[1]), int(r[2])) for r in rows]
