"""What only the SQLite store has to prove: its file settings, migrating a database that an
older version wrote, processes starting at once, the URL, and errors as StoreError."""

from __future__ import annotations

import asyncio
import sqlite3
import subprocess
import sys
from collections.abc import Mapping
from pathlib import Path

import pytest

from bot.records.errors import ConfigError, StoreError
from bot.records.models import ChannelRef, Paper
from bot.storage import open_store
from bot.storage.codecs.text import paper_params
from bot.storage.migrations import MIGRATIONS, split_sqlite_script
from bot.storage.sqlite import search as sqlite_search
from bot.storage.sqlite import similar as sqlite_similar
from bot.storage.sqlite.deliveries import _CLAIM
from bot.storage.sqlite.store import UPSERT_PAPER, SqliteStore
from tests.contract.test_listings_contract import OLD_LISTS_AFTER_MIGRATION, OLD_WRITES, listed_ids
from tests.contract.test_store_contract import CORPUS, FULL


def pragma(path: Path, name: str) -> object:
    with sqlite3.connect(path) as conn:
        return conn.execute(f"PRAGMA {name}").fetchone()[0]


async def test_the_file_is_in_wal_mode_with_every_migration_recorded(tmp_path: Path) -> None:
    db = tmp_path / "paperbot.db"
    store = await SqliteStore.open(db)
    await store.close()
    assert pragma(db, "journal_mode") == "wal"
    with sqlite3.connect(db) as conn:
        rows = conn.execute("SELECT id, name FROM schema_version ORDER BY id").fetchall()
    assert rows == [(m.id, m.name) for m in MIGRATIONS]


async def test_foreign_keys_are_enforced(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "paperbot.db")
    try:
        with pytest.raises(StoreError, match="FOREIGN KEY"):
            async with store._transaction() as conn:
                await conn.execute(
                    "INSERT INTO subscription_topics VALUES ('slack:T:C', 0, 'term', 'x')"
                )
    finally:
        await store.close()


def downgrade_to_version_2(db: Path) -> None:
    """Make `db` look as a paperbot before migration 3 left it (fts5vocab, no search_terms)."""
    with sqlite3.connect(db) as conn:
        conn.execute("DROP INDEX fetches_day")  # migration 33 (its other indexes go below)
        conn.execute("DROP TABLE not_for_me")  # migration 31 (its votes index goes with votes)
        conn.execute("DROP TABLE personal_subscriptions")  # migration 30 (its index on
        conn.execute("DROP TABLE personal_deliveries")  # deliveries goes with that table)
        conn.execute("DROP TABLE link_guards")  # migration 22
        conn.execute("DROP TABLE link_failures")
        conn.execute("DROP TABLE handled_requests")  # migration 21
        conn.execute("DROP TABLE fetch_attempts")  # migration 20
        conn.execute("DROP TABLE papers_title_fts")  # migration 17
        for trigger in ("insert", "delete", "update"):
            conn.execute(f"DROP TRIGGER papers_title_fts_{trigger}")
        conn.execute("DROP TABLE hf_artifacts")  # migration 15 (its followup_seen columns
        # go with that table below)
        conn.execute("DROP TABLE channel_links")  # migration 13
        conn.execute("DROP TABLE link_codes")
        conn.execute("DROP TABLE listings")
        conn.execute("DROP TABLE search_terms")
        conn.execute("CREATE VIRTUAL TABLE papers_vocab USING fts5vocab (papers_fts, 'row')")
        conn.execute("DROP TABLE deliveries")  # as migration 2 made it (5 and 10 changed it)
        for statement in split_sqlite_script(MIGRATIONS[1].sql("sqlite")):
            conn.execute(statement)
        conn.execute("ALTER TABLE subscriptions DROP COLUMN cadences")  # migration 10
        conn.execute("ALTER TABLE subscriptions DROP COLUMN weekly_day")
        conn.execute("DROP TABLE period_posted_papers")
        conn.execute("DROP TABLE votes")  # migration 7
        conn.execute("DROP TABLE saves")
        conn.execute("DROP TABLE settle_tasks")  # migration 11
        conn.execute("DROP INDEX IF EXISTS deliveries_posted_at")  # gone with its table
        conn.execute("DROP TABLE followup_events")  # migration 12
        conn.execute("DROP TABLE followup_seen")
        conn.execute("ALTER TABLE subscriptions DROP COLUMN followups")
        conn.execute("ALTER TABLE fetches DROP COLUMN skipped")  # migration 19
        conn.execute("DELETE FROM schema_version WHERE id >= 3")


async def test_migration_3_carries_the_indexed_words_over(tmp_path: Path) -> None:
    db = tmp_path / "old.db"
    store = await SqliteStore.open(db)
    await store.upsert_papers(CORPUS)
    await store.close()
    downgrade_to_version_2(db)
    store = await SqliteStore.open(db)
    try:
        assert await store.schema_version() == MIGRATIONS[-1].id
        # only a correction from search_terms can turn "splattting" into "splatting"
        found = (await store.search("gaussian splattting")).papers
        assert [p.arxiv_id for p in found][:1] == ["2405.01004"]
    finally:
        await store.close()


async def test_migration_4_lists_each_paper_on_the_day_an_old_database_knew(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    db = tmp_path / "old.db"
    with monkeypatch.context() as old_paperbot:
        old_paperbot.setattr("bot.storage.migrations.MIGRATIONS", MIGRATIONS[:3])
        store = await SqliteStore.open(db)
        assert await store.schema_version() == 3
        for papers in OLD_WRITES:  # as paperbot before migration 4 wrote them
            async with store._transaction() as conn:
                now = "2024-05-10T07:00:00.000000+00:00"
                await conn.executemany(UPSERT_PAPER, [(*paper_params(p), now) for p in papers])
        await store.close()
    store = await SqliteStore.open(db)
    try:
        assert await store.schema_version() == MIGRATIONS[-1].id
        assert await listed_ids(store) == OLD_LISTS_AFTER_MIGRATION
    finally:
        await store.close()


OPEN_AND_PRINT_VERSION = """
import asyncio, sys
from bot.storage.sqlite.store import SqliteStore
async def main():
    store = await SqliteStore.open(sys.argv[1])
    print(await store.schema_version())
    await store.close()
asyncio.run(main())
"""


def test_processes_starting_at_once_migrate_once(tmp_path: Path) -> None:
    db = tmp_path / "shared.db"
    root = Path(__file__).resolve().parents[2]
    processes = [
        subprocess.Popen(
            [sys.executable, "-c", OPEN_AND_PRINT_VERSION, str(db)],
            cwd=root,
            stdout=subprocess.PIPE,
            stderr=subprocess.PIPE,
            text=True,
        )
        for _ in range(3)
    ]
    outputs = [p.communicate(timeout=60) for p in processes]
    assert [p.returncode for p in processes] == [0, 0, 0], outputs
    assert {out.strip() for out, _ in outputs} == {str(MIGRATIONS[-1].id)}
    with sqlite3.connect(db) as conn:
        assert conn.execute("SELECT count(*) FROM schema_version").fetchone()[0] == len(MIGRATIONS)


async def test_open_store_understands_sqlite_urls(tmp_path: Path) -> None:
    store = await open_store(f"sqlite:///{tmp_path / 'by-url.db'}")
    try:
        assert await store.upsert_papers([FULL]) == 1
    finally:
        await store.close()
    assert (tmp_path / "by-url.db").exists()


@pytest.mark.parametrize("url", ["sqlite:///", "mysql://x@y/z", "paperbot.db", ""])
async def test_open_store_rejects_what_it_cannot_open(url: str) -> None:
    with pytest.raises(ConfigError, match="database_url"):
        await open_store(url)


async def test_a_directory_is_not_a_database(tmp_path: Path) -> None:
    with pytest.raises(StoreError):
        await SqliteStore.open(tmp_path)


async def test_a_file_that_is_not_sqlite_is_a_store_error(tmp_path: Path) -> None:
    junk = tmp_path / "junk.db"
    junk.write_bytes(b"this is not a database" * 100)
    with pytest.raises(StoreError):
        await SqliteStore.open(junk)
    assert junk.read_bytes().startswith(b"this is not a database")  # nothing overwritten


async def test_a_closed_store_raises_store_error(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "closed.db")
    await store.close()
    with pytest.raises(StoreError):
        await store.get_paper("2405.00001")
    with pytest.raises(StoreError):
        await store.upsert_papers([FULL])


async def test_a_locked_database_is_a_store_error_not_a_hang(tmp_path: Path) -> None:
    db = tmp_path / "locked.db"
    store = await SqliteStore.open(db)
    await store._conn.execute("PRAGMA busy_timeout = 50")
    blocker = sqlite3.connect(db, isolation_level=None)
    try:
        blocker.execute("BEGIN IMMEDIATE")
        with pytest.raises(StoreError, match="locked"):
            await store.record_fetch(
                CORPUS[0].listed_on or FULL.published_at.date(), 1, FULL.published_at
            )
    finally:
        blocker.execute("ROLLBACK")
        blocker.close()
        await store.close()


async def test_a_corrupt_row_is_a_store_error(tmp_path: Path) -> None:
    db = tmp_path / "corrupt.db"
    store = await SqliteStore.open(db)
    try:
        await store.upsert_papers([FULL])
        with sqlite3.connect(db) as conn:
            conn.execute("UPDATE papers SET published_at = 'yesterday'")
        with pytest.raises(StoreError, match="inconsistent"):
            await store.get_paper(FULL.arxiv_id)
    finally:
        await store.close()


async def test_search_results_are_papers_in_rank_order(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "rank.db")
    try:
        await store.upsert_papers(CORPUS)
        found = await asyncio.gather(*(store.search("experts") for _ in range(3)))
        assert all(isinstance(p, Paper) for p in found[0].papers)
        assert found[0] == found[1] == found[2]
        assert await store.get_subscription(ChannelRef("slack", "none")) is None
    finally:
        await store.close()


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("splattign", "2405.01004"),  # typo at the end: the words starting "sp"
        ("slpatting", "2405.01004"),  # typo in the first two letters: the words ending "ing"
        ("xpeculative", "2405.01002"),
        ("quantisation", "2405.01006"),
    ],
)
async def test_one_misspelt_word_is_corrected(tmp_path: Path, query: str, expected: str) -> None:
    store = await SqliteStore.open(tmp_path / "typos.db")
    try:
        await store.upsert_papers(CORPUS)
        assert [p.arxiv_id for p in (await store.search(query)).papers] == [expected]
    finally:
        await store.close()


async def test_a_typo_that_some_paper_also_made_is_still_corrected(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "typos.db")
    try:
        sloppy = Paper("2405.02000", "Sloppy", "Gaussian splattng, sic.", (), FULL.published_at)
        await store.upsert_papers([*CORPUS, sloppy])
        found = [p.arxiv_id for p in (await store.search("splattng")).papers]
        assert found == ["2405.02000", "2405.01004"]
    finally:
        await store.close()


def query_plan(db: Path, sql: str, params: Mapping[str, object] | tuple[object, ...] = ()) -> str:
    with sqlite3.connect(db) as conn:
        rows = conn.execute(f"EXPLAIN QUERY PLAN {sql}", params).fetchall()
    return " | ".join(row[-1] for row in rows)


async def test_the_claim_reads_due_records_in_index_order_without_sorting(tmp_path: Path) -> None:
    db = tmp_path / "paperbot.db"
    await (await SqliteStore.open(db)).close()
    names = ("worker", "until", "now", "platform", "channel")
    plan = query_plan(db, _CLAIM, {**dict.fromkeys(names, "x"), "limit": 1})
    assert "deliveries_due_channel" in plan
    assert "TEMP B-TREE" not in plan, plan


async def test_one_channels_subscription_is_read_through_its_primary_key(tmp_path: Path) -> None:
    db = tmp_path / "paperbot.db"
    store = await SqliteStore.open(db)
    seen: list[str] = []
    await store._conn.set_trace_callback(seen.append)
    try:
        await store.get_subscription(ChannelRef("slack", "C1", "T1"))
    finally:
        await store.close()
    for sql in [s for s in seen if s.startswith("SELECT")]:
        plan = query_plan(db, sql)
        assert "SCAN" not in plan, (sql, plan)


@pytest.mark.parametrize(
    "sql",
    [sqlite_search._RANKED, sqlite_similar._SIMILAR],
    ids=["search", "similar"],
)
def test_ranking_picks_its_best_before_reading_their_rows_from_papers(
    tmp_path: Path, sql: str
) -> None:
    """A join before the sort read the row of every match in the rank window (abstracts and
    all), which tripled the time of a broad search ("reasoning models") on the real archive."""

    async def plan() -> list[str]:
        store = await SqliteStore.open(tmp_path / "plan.db")
        await store.close()
        with sqlite3.connect(tmp_path / "plan.db") as conn:
            rows = conn.execute("EXPLAIN QUERY PLAN " + sql, ('"x"', 2000, 30)[: sql.count("?")])
            return [str(row[3]) for row in rows]

    steps = asyncio.run(plan())
    sort = next(i for i, step in enumerate(steps) if step.startswith("USE TEMP B-TREE"))
    read = next(i for i, step in enumerate(steps) if step.startswith("SEARCH p "))
    assert sort < read, steps
