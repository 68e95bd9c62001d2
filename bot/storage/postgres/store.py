"""PostgresStore: the `Store` port on PostgreSQL, through an asyncpg connection pool.

This module and its `postgres_*` siblings are the only users of asyncpg. Every asyncpg or
network error leaves as StoreError. Several processes may share one database: migrations run
at start under a transaction-scoped advisory lock, so workers starting at once apply each
migration exactly once, and delivery claims skip rows another worker holds.
"""

from __future__ import annotations

from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from typing import Any

from bot.records.models import (
    Cadence,
    ChannelRef,
    FetchAttempt,
    FetchRecord,
    Paper,
    PostReceipt,
    SearchResults,
    SimilarPaper,
    Subscription,
)
from bot.storage.codecs import text as codec
from bot.storage.codecs.text import (
    PAPER_COLUMNS,
    UPSERT_MERGE,
    stored_count,
    subscriptions_from_rows,
)
from bot.storage.migrations import pending
from bot.storage.postgres.artifacts import PostgresArtifacts
from bot.storage.postgres.codec import aware, paper_from_row, paper_params, subscription_from_rows
from bot.storage.postgres.conn import (
    MIGRATION_LOCK,
    create_pool,
    ensure_schema,
    redacted,
    translated,
)
from bot.storage.postgres.deliveries import PostgresDeliveries
from bot.storage.postgres.followups import PostgresFollowups
from bot.storage.postgres.links import PostgresLinks
from bot.storage.postgres.people.store import PostgresPeople
from bot.storage.postgres.replays import PostgresReplays
from bot.storage.postgres.search import ranked_paper_ids
from bot.storage.postgres.settle import PostgresSettle
from bot.storage.postgres.similar import similar_ids
from bot.storage.postgres.taste import PostgresTaste
from bot.storage.postgres.upkeep.retention import PostgresRetention
from bot.storage.postgres.votes import PostgresVotes
from bot.storage.search.similar_plan import rank_similar, shared_reason
from bot.storage.search.typo_plan import WrittenTerms

POOL_SIZE = 10
# A write waits this long for another transaction's lock, then fails as StoreBusy ("the
# bot's database is busy"), as SQLite's busy timeout does; without it the wait ran to the
# command timeout and ended in a generic error.
LOCK_TIMEOUT_MS = 10_000

_COLUMNS = (*PAPER_COLUMNS, "updated_at")
UPSERT_PAPER = (
    f"INSERT INTO papers ({', '.join(_COLUMNS)}) "  # noqa: S608
    f"VALUES ({', '.join(f'${n}' for n in range(1, len(_COLUMNS) + 1))}) "
    "ON CONFLICT (arxiv_id) DO UPDATE SET title = excluded.title, "
    "abstract = excluded.abstract, authors = excluded.authors, "
    f"published_at = excluded.published_at, {UPSERT_MERGE}, "
    "ai_keywords = CASE WHEN cardinality(excluded.ai_keywords) = 0 THEN papers.ai_keywords "
    "ELSE excluded.ai_keywords END, updated_at = excluded.updated_at"
)
_SELECT_PAPER = f"SELECT id, {', '.join(PAPER_COLUMNS)} FROM papers"  # noqa: S608
# A paper listed on several days is in each day's list, shown as listed on that day.
_LISTED_COLUMNS = ", ".join(
    "l.day AS listed_on" if c == "listed_on" else f"p.{c}" for c in PAPER_COLUMNS
)
_SELECT_LISTED_ON = (
    f"SELECT {_LISTED_COLUMNS} FROM listings l "  # noqa: S608
    "JOIN papers p ON p.arxiv_id = l.arxiv_id WHERE l.day = $1"
)
_ADD_LISTING = "INSERT INTO listings (arxiv_id, day) VALUES ($1, $2) ON CONFLICT DO NOTHING"
# The words typo correction may suggest (migration 18), one statement per batch, inserted in
# sorted order: two workers writing the same new words then wait on each other rather than
# deadlock.
_ADD_TERMS = (
    "INSERT INTO search_terms (term) SELECT unnest($1::text[]) ORDER BY 1 ON CONFLICT DO NOTHING"
)
_ADD_PERIOD_POSTED = (
    "INSERT INTO period_posted_papers (channel_key, cadence, arxiv_id, day, posted_at) "
    "VALUES ($1, $2, $3, $4, $5) ON CONFLICT DO NOTHING"
)
_SAVE_SUBSCRIPTION = (
    "INSERT INTO subscriptions (channel_key, platform, workspace, channel_id, post_time, "
    "timezone, min_upvotes, max_papers, weekday_policy, cadences, weekly_day, followups, "
    "paused_reason, created_by, updated_at) "
    "VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, now()) "
    "ON CONFLICT (channel_key) DO UPDATE SET post_time = excluded.post_time, "
    "timezone = excluded.timezone, min_upvotes = excluded.min_upvotes, "
    "max_papers = excluded.max_papers, weekday_policy = excluded.weekday_policy, "
    "cadences = excluded.cadences, weekly_day = excluded.weekly_day, "
    "followups = excluded.followups, paused_reason = excluded.paused_reason, "
    "created_by = excluded.created_by, "
    "updated_at = excluded.updated_at"
)


class PostgresStore(
    PostgresDeliveries,
    PostgresSettle,
    PostgresVotes,
    PostgresTaste,
    PostgresFollowups,
    PostgresLinks,
    PostgresArtifacts,
    PostgresReplays,
    PostgresRetention,
    PostgresPeople,
):
    """The Store port on PostgreSQL. Open with `await PostgresStore.open(url)`."""

    read_only = False  # readers never wait for writers here: see open_store

    # Typos are corrected from the indexed words (`search_terms`, migration 18), as on
    # SQLite: no extension needed (bot/storage/search/typo_plan.py).
    corrects_typos = True

    def __init__(self, pool: Any) -> None:
        self._pool = pool
        # words known to be in search_terms; accents kept, as the `english` configuration
        self._terms_written = WrittenTerms(keep_accents=True)

    @classmethod
    async def open(
        cls,
        url: str,
        *,
        schema: str | None = None,
        pool_size: int = POOL_SIZE,
        lock_timeout_ms: int | None = LOCK_TIMEOUT_MS,
    ) -> PostgresStore:
        """Connect, and bring the schema up to date. Raises StoreError, ConfigError.

        `schema` confines every table to that schema (created if missing); None uses the
        connection's default search_path (normally `public`). `lock_timeout_ms`: a write
        waiting longer for a lock fails with StoreBusy (None: the server's lock_timeout,
        normally none, and the command timeout ends the wait). Migrations wait as long as
        they need: another worker may be applying them.
        """
        if schema is not None:
            await ensure_schema(url, schema)
        pool = await create_pool(
            url, schema=schema, max_size=pool_size, lock_timeout_ms=lock_timeout_ms
        )
        try:
            async with translated(f"PostgreSQL at {redacted(url)}"), pool.acquire() as conn:
                await migrate(conn)
        except BaseException:
            await pool.close()
            raise
        return cls(pool)

    async def schema_version(self) -> int:
        """The id of the newest migration applied (0 for none)."""
        rows = await self._fetch("SELECT coalesce(max(id), 0) FROM schema_version")
        return int(rows[0][0])

    @asynccontextmanager
    async def _connection(self) -> AsyncIterator[Any]:
        async with translated("PostgreSQL"), self._pool.acquire() as conn:
            yield conn

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[Any]:
        async with self._connection() as conn, conn.transaction():
            yield conn

    async def _fetch(self, sql: str, *args: Any) -> list[Any]:
        async with self._connection() as conn:
            return list(await conn.fetch(sql, *args))

    # -- papers ------------------------------------------------------------------------

    async def upsert_papers(self, papers: Sequence[Paper]) -> int:
        now = datetime.now(UTC)
        params = [(*paper_params(paper), now) for paper in papers]
        if not params:
            return 0
        new_terms = self._terms_written.new(papers)
        async with self._transaction() as conn:
            await conn.executemany(UPSERT_PAPER, params)
            await conn.executemany(_ADD_LISTING, _listings(papers))
            if new_terms:
                await conn.execute(_ADD_TERMS, new_terms)
        self._terms_written.remember(new_terms)
        return len(params)

    async def get_paper(self, arxiv_id: str) -> Paper | None:
        rows = await self._fetch(f"{_SELECT_PAPER} WHERE arxiv_id = $1", arxiv_id)
        return paper_from_row(rows[0]) if rows else None

    async def papers_listed_on(self, day: date) -> list[Paper]:
        rows = await self._fetch(_SELECT_LISTED_ON, day)
        return [paper_from_row(row) for row in rows]

    async def search(self, query: str, limit: int = 10) -> SearchResults:
        async with self._connection() as conn:
            found = await ranked_paper_ids(conn, query, limit)
        ids = found.exact + found.close
        if not ids:
            return SearchResults()
        rows = await self._fetch(f"{_SELECT_PAPER} WHERE id = ANY($1::bigint[])", ids)
        by_id = {row["id"]: paper_from_row(row) for row in rows}
        return SearchResults(
            tuple(by_id[i] for i in found.exact if i in by_id),
            tuple(by_id[i] for i in found.close if i in by_id),
        )

    async def similar(self, paper: Paper, limit: int = 10) -> list[SimilarPaper]:
        async with self._connection() as conn:
            ids, terms = await similar_ids(conn, paper, limit)
        if not ids:
            return []
        rows = await self._fetch(f"{_SELECT_PAPER} WHERE arxiv_id = ANY($1::text[])", ids)
        by_id = {row["arxiv_id"]: paper_from_row(row) for row in rows}
        found = rank_similar(paper, [by_id[i] for i in ids if i in by_id], terms)
        return [SimilarPaper(p, shared_reason(paper, p, terms)) for p in found[:limit]]

    # -- subscriptions -----------------------------------------------------------------

    async def get_subscription(self, channel: ChannelRef) -> Subscription | None:
        found = await self._subscriptions(channel.key)
        return found[0] if found else None

    async def list_subscriptions(self) -> list[Subscription]:
        return await self._subscriptions(None)

    async def _subscriptions(self, key: str | None) -> list[Subscription]:
        """One channel's subscription (key given) or all of them (None); two query texts,
        as on SQLite, so a one-channel look-up is planned on the primary key."""
        where, args = ("WHERE channel_key = $1 ", (key,)) if key is not None else ("", ())
        rows = await self._fetch(
            f"SELECT * FROM subscriptions {where}ORDER BY channel_key",  # noqa: S608
            *args,
        )
        topics = await self._fetch(
            f"SELECT * FROM subscription_topics {where}ORDER BY channel_key, position",  # noqa: S608
            *args,
        )
        return subscriptions_from_rows(rows, topics, subscription_from_rows)

    async def count_subscriptions(self) -> tuple[int, int]:
        rows = await self._fetch("SELECT count(*), count(paused_reason) FROM subscriptions")
        return int(rows[0][0]), int(rows[0][1])

    async def save_subscription(self, subscription: Subscription) -> None:
        channel, settings = subscription.channel, subscription.settings
        async with self._transaction() as conn:
            await conn.execute(
                _SAVE_SUBSCRIPTION,
                channel.key,
                channel.platform,
                channel.workspace,
                channel.channel_id,
                settings.post_time,
                settings.timezone,
                settings.min_upvotes,
                settings.max_papers,
                settings.weekday_policy.value,
                codec.cadences_text(settings.cadences),
                settings.weekly_day,
                settings.followups,
                subscription.paused_reason,
                subscription.created_by,
            )
            await conn.execute(
                "DELETE FROM subscription_topics WHERE channel_key = $1", channel.key
            )
            await conn.executemany(
                "INSERT INTO subscription_topics (channel_key, position, kind, value) "
                "VALUES ($1, $2, $3, $4)",
                [
                    (channel.key, position, topic.kind.value, topic.value)
                    for position, topic in enumerate(subscription.topics)
                ],
            )
            await self._sync_group(conn, channel.key)

    async def delete_subscription(self, channel: ChannelRef) -> None:
        async with self._transaction() as conn:
            await self._leave_group(conn, channel.key)
            await conn.execute("DELETE FROM subscriptions WHERE channel_key = $1", channel.key)

    # -- posts and fetches -------------------------------------------------------------

    async def record_post(
        self,
        receipt: PostReceipt,
        day: date,
        arxiv_ids: Sequence[str],
        cadence: Cadence = Cadence.DAILY,
    ) -> None:
        key = receipt.channel.key
        if cadence is not Cadence.DAILY:
            at = aware(receipt.posted_at)
            rows = [(key, cadence.value, arxiv_id, day, at) for arxiv_id in arxiv_ids]
            async with self._transaction() as conn:
                await conn.executemany(_ADD_PERIOD_POSTED, rows)
            return
        async with self._transaction() as conn:
            post_id = await conn.fetchval(
                "INSERT INTO posts (channel_key, day, message_ids, posted_at) "
                "VALUES ($1, $2, $3, $4) ON CONFLICT (channel_key, day) DO UPDATE SET "
                "message_ids = excluded.message_ids, posted_at = excluded.posted_at RETURNING id",
                key,
                day,
                list(receipt.message_ids),
                aware(receipt.posted_at),
            )
            await conn.executemany(
                "INSERT INTO posted_papers (channel_key, arxiv_id, post_id) VALUES ($1, $2, $3) "
                "ON CONFLICT (channel_key, arxiv_id) DO NOTHING",
                [(key, arxiv_id, post_id) for arxiv_id in arxiv_ids],
            )

    async def posted_paper_ids(
        self, channel: ChannelRef, cadence: Cadence = Cadence.DAILY
    ) -> set[str]:
        if cadence is Cadence.DAILY:
            sql = "SELECT arxiv_id FROM posted_papers WHERE channel_key = $1"
            rows = await self._fetch(sql, channel.key)
        else:
            sql = (
                "SELECT arxiv_id FROM period_posted_papers WHERE channel_key = $1 AND cadence = $2"
            )
            rows = await self._fetch(sql, channel.key, cadence.value)
        return {row[0] for row in rows}

    async def record_fetch(self, day: date, count: int, at: datetime, skipped: int = 0) -> None:
        async with self._connection() as conn:
            await conn.execute(
                "INSERT INTO fetches (day, count, fetched_at, skipped) VALUES ($1, $2, $3, $4)",
                day,
                stored_count(count),
                aware(at),
                stored_count(skipped),
            )

    async def last_fetch(self) -> FetchRecord | None:
        rows = await self._fetch(
            "SELECT day, count, fetched_at, skipped FROM fetches "
            "ORDER BY fetched_at DESC, id DESC LIMIT 1"
        )
        if not rows:
            return None
        day, count, at, skipped = rows[0]
        return FetchRecord(day, int(count), at, int(skipped))

    async def latest_fetches(self, since: date, until: date) -> dict[date, datetime]:
        rows = await self._fetch(
            "SELECT day, max(fetched_at) FROM fetches WHERE day BETWEEN $1 AND $2 GROUP BY day",
            since,
            until,
        )
        return {row[0]: row[1] for row in rows}

    async def record_fetch_attempt(self, attempt: FetchAttempt) -> None:
        async with self._connection() as conn:
            await conn.execute(
                "INSERT INTO fetch_attempts (source, day, attempted_at, error) "
                "VALUES ($1, $2, $3, $4) ON CONFLICT (source) DO UPDATE SET day = excluded.day, "
                "attempted_at = excluded.attempted_at, error = excluded.error",
                attempt.source,
                attempt.day,
                aware(attempt.at),
                attempt.error,
            )

    async def last_fetch_attempt(self) -> FetchAttempt | None:
        rows = await self._fetch(
            "SELECT source, day, attempted_at, error FROM fetch_attempts "
            "ORDER BY attempted_at DESC, source LIMIT 1"
        )
        if not rows:
            return None
        source, day, at, error = rows[0]
        return FetchAttempt(source, day, at, error)

    async def close(self) -> None:
        async with translated("PostgreSQL"):
            await self._pool.close()


async def migrate(conn: Any) -> None:
    """Apply every pending migration in one transaction, one process at a time."""
    async with conn.transaction():
        # no lock_timeout here: a worker starting while another migrates waits its turn, and
        # the migrations' DDL waits for the running queries of other workers
        await conn.execute("SET LOCAL lock_timeout = 0")
        await conn.execute("SELECT pg_advisory_xact_lock($1)", MIGRATION_LOCK)
        await conn.execute(
            "CREATE TABLE IF NOT EXISTS schema_version (id INTEGER PRIMARY KEY, "
            "name TEXT NOT NULL, applied_at TIMESTAMPTZ NOT NULL DEFAULT now())"
        )
        applied = {int(row[0]) for row in await conn.fetch("SELECT id FROM schema_version")}
        for migration in pending(applied):
            await conn.execute(migration.sql("postgres"))
            await conn.execute(
                "INSERT INTO schema_version (id, name) VALUES ($1, $2)",
                migration.id,
                migration.name,
            )


def _listings(papers: Sequence[Paper]) -> list[tuple[str, date]]:
    """The (arxiv_id, day) rows `papers` add; a look-up outside the daily list adds none."""
    return [(p.arxiv_id, p.listed_on) for p in papers if p.listed_on is not None]
