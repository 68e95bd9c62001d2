"""SqliteStore: the `Store` port on one SQLite file (WAL), through aiosqlite.

This module and its `sqlite_*` siblings are the only users of aiosqlite. Every sqlite3 error
leaves as StoreError. Writes run in explicit `BEGIN IMMEDIATE` transactions, serialised by
an asyncio lock: one connection is shared, so two coroutines' transactions must not mix.
"""

from __future__ import annotations

import asyncio
import sqlite3
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import aiosqlite

from bot.records.errors import StoreError
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
from bot.storage.migrations import pending, split_sqlite_script
from bot.storage.search.similar_plan import rank_similar, shared_reason
from bot.storage.search.typo_plan import WrittenTerms
from bot.storage.sqlite.artifacts import SqliteArtifacts
from bot.storage.sqlite.deliveries import SqliteDeliveries
from bot.storage.sqlite.followups import SqliteFollowups
from bot.storage.sqlite.integrity import check_pages
from bot.storage.sqlite.links import SqliteLinks
from bot.storage.sqlite.open import (
    TYPED_CODES,
    connect_read_only,
    connect_read_write,
    open_error,
    primary_code,
)
from bot.storage.sqlite.people.store import SqlitePeople
from bot.storage.sqlite.replays import SqliteReplays
from bot.storage.sqlite.search import ranked_paper_ids
from bot.storage.sqlite.settle import SqliteSettle
from bot.storage.sqlite.similar import similar_ids
from bot.storage.sqlite.taste import SqliteTaste
from bot.storage.sqlite.upkeep.retention import SqliteRetention
from bot.storage.sqlite.votes import SqliteVotes

BUSY_TIMEOUT_MS = 10_000

_ADD_PERIOD_POSTED = (
    "INSERT INTO period_posted_papers (channel_key, cadence, arxiv_id, day, posted_at) "
    "VALUES (?, ?, ?, ?, ?) ON CONFLICT DO NOTHING"
)
_SET_NEWEST = ", ".join(
    f"{c} = excluded.{c}" for c in ("title", "abstract", "authors", "published_at")
)
UPSERT_PAPER = (
    f"INSERT INTO papers ({', '.join(codec.PAPER_COLUMNS)}, updated_at) "  # noqa: S608
    f"VALUES ({', '.join('?' * (len(codec.PAPER_COLUMNS) + 1))}) "
    f"ON CONFLICT (arxiv_id) DO UPDATE SET {_SET_NEWEST}, {codec.UPSERT_MERGE}, "
    "ai_keywords = CASE WHEN excluded.ai_keywords = '[]' THEN papers.ai_keywords "
    "ELSE excluded.ai_keywords END, updated_at = excluded.updated_at"
)
_SELECT_PAPER = f"SELECT {', '.join(codec.PAPER_COLUMNS)} FROM papers"  # noqa: S608
# A paper listed on several days is in each day's list, shown as listed on that day.
_LISTED_COLUMNS = ", ".join(
    "l.day AS listed_on" if c == "listed_on" else f"p.{c} AS {c}" for c in codec.PAPER_COLUMNS
)
_SELECT_LISTED_ON = (
    f"SELECT {_LISTED_COLUMNS} FROM listings l "  # noqa: S608
    "JOIN papers p ON p.arxiv_id = l.arxiv_id WHERE l.day = ?"
)
_ADD_LISTING = "INSERT INTO listings (arxiv_id, day) VALUES (?, ?) ON CONFLICT DO NOTHING"


class SqliteStore(
    SqliteDeliveries,
    SqliteSettle,
    SqliteVotes,
    SqliteTaste,
    SqliteFollowups,
    SqliteLinks,
    SqliteArtifacts,
    SqliteReplays,
    SqliteRetention,
    SqlitePeople,
):
    """The Store port on SQLite. Open with `await SqliteStore.open(path)`."""

    def __init__(self, conn: aiosqlite.Connection, *, read_only: bool = False) -> None:
        self._conn = conn
        self._path: str | Path = ""  # named in errors: which file is busy, full or damaged
        self._busy_timeout_ms = BUSY_TIMEOUT_MS
        self.read_only = read_only
        self._write_lock = asyncio.Lock()
        self._terms_written = WrittenTerms()  # words known to be in search_terms

    @classmethod
    async def open(
        cls,
        path: str | Path,
        *,
        read_only: bool = False,
        busy_timeout_ms: int = BUSY_TIMEOUT_MS,
        check: bool = False,
    ) -> SqliteStore:
        """Open (creating if needed) the database at `path` and bring its schema up to date.

        `read_only` (the reading commands: `digest`, `search`, `show`) never creates a file
        and keeps nothing: an existing file is opened without a write lock or any write (the
        store's writes then raise StoreError); a missing one is stood in for by an empty
        store in memory, gone when closed; an older schema is upgraded first, as `run` would,
        then opened read-only. `read_only` is True in every case. Waiting for another
        process's lock ends after `busy_timeout_ms` with a StoreError.
        `check` (for `paperbot run`): refuse a file with damaged pages (StoreCorrupt) before
        using it.
        """
        if not read_only:
            return await cls._open_for_writing(path, busy_timeout_ms, check)
        conn = await connect_read_only(path, busy_timeout_ms)
        if conn is None and not await asyncio.to_thread(Path(path).is_file):
            scratch = await cls._open_for_writing(":memory:", busy_timeout_ms)
            scratch.read_only = True  # the service then keeps nothing, as with a file
            return scratch
        if conn is None:  # behind: upgrade it, then read it like any other
            await (await cls._open_for_writing(path, busy_timeout_ms)).close()
            conn = await connect_read_only(path, busy_timeout_ms)
        if conn is None:
            raise StoreError(f"SQLite database {str(path)!r} changed while it was opened")
        return cls(conn, read_only=True)._on_file(path, busy_timeout_ms)

    @classmethod
    async def _open_for_writing(
        cls, path: str | Path, busy_timeout_ms: int, check: bool = False
    ) -> SqliteStore:
        conn = await connect_read_write(path, busy_timeout_ms)
        store = cls(conn)._on_file(path, busy_timeout_ms)
        try:
            if check:
                await check_pages(conn, path)
            await store._migrate()
        except StoreError as exc:
            await conn.close()
            cause = exc.__cause__
            if isinstance(cause, sqlite3.Error):
                raise open_error(path, cause, busy_timeout_ms) from cause
            raise
        except BaseException:
            await conn.close()
            raise
        return store

    def _on_file(self, path: str | Path, busy_timeout_ms: int) -> SqliteStore:
        """Note the file and the busy timeout, for errors that name them."""
        self._path = path
        self._busy_timeout_ms = busy_timeout_ms
        return self

    async def _migrate(self) -> None:
        async with self._transaction() as conn:
            await conn.execute(
                "CREATE TABLE IF NOT EXISTS schema_version "
                "(id INTEGER PRIMARY KEY, name TEXT NOT NULL, applied_at TEXT NOT NULL)"
            )
            rows = await conn.execute_fetchall("SELECT id FROM schema_version")
            for migration in pending({int(row[0]) for row in rows}):
                for statement in split_sqlite_script(migration.sql("sqlite")):
                    await conn.execute(statement)
                await conn.execute(
                    "INSERT INTO schema_version (id, name, applied_at) VALUES (?, ?, ?)",
                    (migration.id, migration.name, _now_text()),
                )

    async def schema_version(self) -> int:
        """The id of the newest migration applied (0 for none)."""
        async with self._translated():
            rows = await self._conn.execute_fetchall("SELECT max(id) FROM schema_version")
        return int(next(iter(rows))[0] or 0)

    @asynccontextmanager
    async def _transaction(self) -> AsyncIterator[aiosqlite.Connection]:
        """One write transaction; the immediate lock makes other processes wait, not fail."""
        async with self._write_lock, self._translated():
            await self._conn.execute("BEGIN IMMEDIATE")
            try:
                yield self._conn
                await self._conn.execute("COMMIT")
            except BaseException:
                # SQLite may have rolled back already (SQLITE_FULL can end the transaction):
                # a ROLLBACK then fails and would hide the error that says why.
                if self._conn.in_transaction:
                    await self._conn.execute("ROLLBACK")
                raise

    @asynccontextmanager
    async def _translated(self) -> AsyncIterator[None]:
        """sqlite3 errors (and a closed connection's ValueError) leave as StoreError: busy,
        full and damaged as StoreBusy, StoreFull and StoreCorrupt, naming the file."""
        try:
            yield
        except sqlite3.Error as exc:
            if primary_code(exc) in TYPED_CODES:
                raise open_error(self._path, exc, self._busy_timeout_ms) from exc
            raise StoreError(f"SQLite: {exc}") from exc
        except ValueError as exc:
            raise StoreError(f"SQLite store: {exc}") from exc

    async def _fetch(self, sql: str, params: Sequence[Any] = ()) -> list[sqlite3.Row]:
        async with self._translated():
            return list(await self._conn.execute_fetchall(sql, params))

    # -- papers ------------------------------------------------------------------------

    async def upsert_papers(self, papers: Sequence[Paper]) -> int:
        now = _now_text()
        params = [(*codec.paper_params(paper), now) for paper in papers]
        if not params:
            return 0
        new_terms = self._terms_written.new(papers)
        async with self._transaction() as conn:
            cursor = await conn.executemany(UPSERT_PAPER, params)
            await conn.executemany(_ADD_LISTING, _listings(papers))
            await conn.executemany(
                "INSERT INTO search_terms (term) VALUES (?) ON CONFLICT DO NOTHING",
                [(term,) for term in new_terms],
            )
            written = cursor.rowcount
        self._terms_written.remember(new_terms)
        return written

    async def get_paper(self, arxiv_id: str) -> Paper | None:
        rows = await self._fetch(f"{_SELECT_PAPER} WHERE arxiv_id = ?", (arxiv_id,))
        return _paper(rows[0]) if rows else None

    async def papers_listed_on(self, day: date) -> list[Paper]:
        rows = await self._fetch(_SELECT_LISTED_ON, (day.isoformat(),))
        return [_paper(row) for row in rows]

    async def search(self, query: str, limit: int = 10) -> SearchResults:
        async with self._translated():
            found = await ranked_paper_ids(self._conn, query, limit)
        ids = found.exact + found.close
        if not ids:
            return SearchResults()
        marks = ", ".join("?" * len(ids))
        rows = await self._fetch(f"SELECT id, {_SELECT_PAPER[7:]} WHERE id IN ({marks})", ids)
        by_id = {row["id"]: _paper(row) for row in rows}
        return SearchResults(
            tuple(by_id[i] for i in found.exact if i in by_id),
            tuple(by_id[i] for i in found.close if i in by_id),
        )

    async def similar(self, paper: Paper, limit: int = 10) -> list[SimilarPaper]:
        async with self._translated():
            ids, terms = await similar_ids(self._conn, paper, limit)
        if not ids:
            return []
        marks = ", ".join("?" * len(ids))
        rows = await self._fetch(f"{_SELECT_PAPER} WHERE arxiv_id IN ({marks})", ids)
        by_id = {row["arxiv_id"]: _paper(row) for row in rows}
        found = rank_similar(paper, [by_id[i] for i in ids if i in by_id], terms)
        return [SimilarPaper(p, shared_reason(paper, p, terms)) for p in found[:limit]]

    # -- subscriptions -----------------------------------------------------------------

    async def get_subscription(self, channel: ChannelRef) -> Subscription | None:
        found = await self._subscriptions(channel.key)
        return found[0] if found else None

    async def list_subscriptions(self) -> list[Subscription]:
        return await self._subscriptions(None)

    async def _subscriptions(self, key: str | None) -> list[Subscription]:
        """One channel's subscription (key given) or all of them (None).

        Two query texts, not one `?1 IS NULL OR channel_key = ?1`: SQLite plans a statement
        once, and that form cannot use the primary key, so every look-up scanned the table.
        """
        where, params = ("WHERE channel_key = ? ", (key,)) if key is not None else ("", ())
        rows = await self._fetch(
            f"SELECT * FROM subscriptions {where}ORDER BY channel_key",  # noqa: S608
            params,
        )
        topics = await self._fetch(
            f"SELECT * FROM subscription_topics {where}ORDER BY channel_key, position",  # noqa: S608
            params,
        )
        return codec.subscriptions_from_rows(rows, topics)  # type: ignore[arg-type]

    async def count_subscriptions(self) -> tuple[int, int]:
        rows = await self._fetch("SELECT count(*), count(paused_reason) FROM subscriptions")
        total, paused = rows[0]
        return int(total), int(paused)

    async def save_subscription(self, subscription: Subscription) -> None:
        channel = subscription.channel
        async with self._transaction() as conn:
            await conn.execute(
                "INSERT INTO subscriptions (channel_key, platform, workspace, channel_id, "
                "post_time, timezone, min_upvotes, max_papers, weekday_policy, cadences, "
                "weekly_day, followups, paused_reason, created_by, updated_at) "
                "VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?) "
                "ON CONFLICT (channel_key) DO UPDATE SET post_time = excluded.post_time, "
                "timezone = excluded.timezone, min_upvotes = excluded.min_upvotes, "
                "max_papers = excluded.max_papers, weekday_policy = excluded.weekday_policy, "
                "cadences = excluded.cadences, weekly_day = excluded.weekly_day, "
                "followups = excluded.followups, paused_reason = excluded.paused_reason, "
                "created_by = excluded.created_by, "
                "updated_at = excluded.updated_at",
                (
                    channel.key,
                    channel.platform,
                    channel.workspace,
                    channel.channel_id,
                    *codec.settings_params(subscription.settings),
                    subscription.paused_reason,
                    subscription.created_by,
                    _now_text(),
                ),
            )
            await conn.execute(
                "DELETE FROM subscription_topics WHERE channel_key = ?", (channel.key,)
            )
            await conn.executemany(
                "INSERT INTO subscription_topics (channel_key, position, kind, value) "
                "VALUES (?, ?, ?, ?)",
                [
                    (channel.key, position, topic.kind.value, topic.value)
                    for position, topic in enumerate(subscription.topics)
                ],
            )
            await self._sync_group(conn, channel.key, _now_text())

    async def delete_subscription(self, channel: ChannelRef) -> None:
        async with self._transaction() as conn:
            await self._leave_group(conn, channel.key)
            await conn.execute("DELETE FROM subscriptions WHERE channel_key = ?", (channel.key,))

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
            at = codec.instant_text(receipt.posted_at)
            papers = [(key, cadence.value, arxiv_id, day.isoformat(), at) for arxiv_id in arxiv_ids]
            async with self._transaction() as conn:
                await conn.executemany(_ADD_PERIOD_POSTED, papers)
            return
        async with self._transaction() as conn:
            rows = await conn.execute_fetchall(
                "INSERT INTO posts (channel_key, day, message_ids, posted_at) VALUES (?, ?, ?, ?) "
                "ON CONFLICT (channel_key, day) DO UPDATE SET message_ids = excluded.message_ids, "
                "posted_at = excluded.posted_at RETURNING id",
                (
                    key,
                    day.isoformat(),
                    codec.json_list(receipt.message_ids),
                    codec.instant_text(receipt.posted_at),
                ),
            )
            post_id = next(iter(rows))[0]
            await conn.executemany(
                "INSERT INTO posted_papers (channel_key, arxiv_id, post_id) VALUES (?, ?, ?) "
                "ON CONFLICT (channel_key, arxiv_id) DO NOTHING",
                [(key, arxiv_id, post_id) for arxiv_id in arxiv_ids],
            )

    async def posted_paper_ids(
        self, channel: ChannelRef, cadence: Cadence = Cadence.DAILY
    ) -> set[str]:
        sql = "SELECT arxiv_id FROM period_posted_papers WHERE channel_key = ? AND cadence = ?"
        params: tuple[str, ...] = (channel.key, cadence.value)
        if cadence is Cadence.DAILY:
            sql, params = "SELECT arxiv_id FROM posted_papers WHERE channel_key = ?", (channel.key,)
        return {row[0] for row in await self._fetch(sql, params)}

    async def record_fetch(self, day: date, count: int, at: datetime, skipped: int = 0) -> None:
        async with self._transaction() as conn:
            await conn.execute(
                "INSERT INTO fetches (day, count, fetched_at, skipped) VALUES (?, ?, ?, ?)",
                (
                    day.isoformat(),
                    codec.stored_count(count),
                    codec.instant_text(at),
                    codec.stored_count(skipped),
                ),
            )

    async def last_fetch(self) -> FetchRecord | None:
        rows = await self._fetch(
            "SELECT day, count, fetched_at, skipped FROM fetches "
            "ORDER BY fetched_at DESC, id DESC LIMIT 1"
        )
        if not rows:
            return None
        day, count, at, skipped = rows[0]
        return FetchRecord(
            date.fromisoformat(day), int(count), codec.instant_from_text(at), int(skipped)
        )

    async def latest_fetches(self, since: date, until: date) -> dict[date, datetime]:
        # instant_text is fixed-width UTC, so max() on the text is the latest instant.
        rows = await self._fetch(
            "SELECT day, max(fetched_at) FROM fetches WHERE day BETWEEN ? AND ? GROUP BY day",
            (since.isoformat(), until.isoformat()),
        )
        return {date.fromisoformat(day): codec.instant_from_text(at) for day, at in rows}

    async def record_fetch_attempt(self, attempt: FetchAttempt) -> None:
        async with self._transaction() as conn:
            await conn.execute(
                "INSERT INTO fetch_attempts (source, day, attempted_at, error) "
                "VALUES (?, ?, ?, ?) ON CONFLICT (source) DO UPDATE SET day = excluded.day, "
                "attempted_at = excluded.attempted_at, error = excluded.error",
                (
                    attempt.source,
                    attempt.day.isoformat(),
                    codec.instant_text(attempt.at),
                    attempt.error,
                ),
            )

    async def last_fetch_attempt(self) -> FetchAttempt | None:
        rows = await self._fetch(
            "SELECT source, day, attempted_at, error FROM fetch_attempts "
            "ORDER BY attempted_at DESC, source LIMIT 1"
        )
        if not rows:
            return None
        source, day, at, error = rows[0]
        return FetchAttempt(source, date.fromisoformat(day), codec.instant_from_text(at), error)

    async def close(self) -> None:
        async with self._translated():
            await self._conn.close()


def _paper(row: sqlite3.Row) -> Paper:
    try:
        return codec.paper_from_row(row)  # type: ignore[arg-type]
    except (ValueError, KeyError, TypeError) as exc:
        raise StoreError(f"paper row is inconsistent: {exc}") from exc


def _listings(papers: Sequence[Paper]) -> list[tuple[str, str]]:
    """The (arxiv_id, day) rows `papers` add; a look-up outside the daily list adds none."""
    return [(p.arxiv_id, p.listed_on.isoformat()) for p in papers if p.listed_on is not None]


def _now_text() -> str:
    return codec.instant_text(datetime.now(UTC))
