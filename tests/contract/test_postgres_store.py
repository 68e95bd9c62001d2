"""What only the PostgreSQL store has to prove: migrations for both dialects from one list,
safe concurrent starts, the URL switch, search ranking and typo correction, and errors."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Sequence
from datetime import UTC, date, datetime, timedelta

import asyncpg
import pytest

from bot.records.delivery import Delivery
from bot.records.errors import ConfigError, StoreError
from bot.records.models import ChannelRef, Paper
from bot.storage import open_store
from bot.storage.migrations import MIGRATIONS, Migration
from bot.storage.postgres.codec import paper_params
from bot.storage.postgres.conn import redacted
from bot.storage.postgres.search import exclusion_text, tsquery_text
from bot.storage.postgres.store import UPSERT_PAPER, PostgresStore
from bot.storage.search.search_plan import parse_query
from tests.contract.test_listings_contract import OLD_LISTS_AFTER_MIGRATION, OLD_WRITES, listed_ids
from tests.pg_schema import PgSchema, fresh_schema, postgres_url

NOW = datetime(2024, 5, 10, 7, 0, tzinfo=UTC)


@pytest.fixture
async def pg() -> AsyncIterator[PgSchema]:
    async with fresh_schema(postgres_url()) as schema:
        yield schema


def paper(arxiv_id: str, title: str, abstract: str = "An abstract.", **extra: object) -> Paper:
    return Paper(
        arxiv_id=arxiv_id,
        title=title,
        abstract=abstract,
        authors=("Ada Lovelace",),
        published_at=NOW,
        listed_on=date(2024, 5, 9),
        **extra,  # type: ignore[arg-type]
    )


async def write_as_before_18(store: PostgresStore, papers: Sequence[Paper]) -> None:
    """Write `papers` as paperbot did before migration 18 (no search_terms to write to)."""
    async with store._transaction() as conn:
        await conn.executemany(UPSERT_PAPER, [(*paper_params(p), NOW) for p in papers])


@pytest.mark.parametrize("migration", MIGRATIONS, ids=lambda m: m.name)
@pytest.mark.parametrize("dialect", ["sqlite", "postgres"])
def test_every_migration_has_both_dialects(migration: Migration, dialect: str) -> None:
    assert migration.sql(dialect).strip()


def test_a_password_never_appears_in_errors() -> None:
    assert redacted("postgresql://bot:s3cret@db:5432/pb") == "postgresql://bot:***@db:5432/pb"
    assert redacted("postgresql://bot@db/pb") == "postgresql://bot@db/pb"


async def test_a_bad_scheme_names_both_backends() -> None:
    with pytest.raises(ConfigError, match=r"sqlite:///.*postgresql://"):
        await open_store("mysql://x")


@pytest.mark.postgres
async def test_several_workers_starting_at_once_migrate_once(pg: PgSchema) -> None:
    stores = await asyncio.gather(
        *(PostgresStore.open(pg.url, schema=pg.schema, pool_size=2) for _ in range(4))
    )
    try:
        assert {await s.schema_version() for s in stores} == {MIGRATIONS[-1].id}
        conn = await asyncpg.connect(pg.url_with_schema)
        try:
            rows = await conn.fetch("SELECT id FROM schema_version ORDER BY id")
        finally:
            await conn.close()
        assert [r["id"] for r in rows] == [m.id for m in MIGRATIONS]
    finally:
        await asyncio.gather(*(s.close() for s in stores))


@pytest.mark.postgres
@pytest.mark.parametrize("scheme", ["postgresql", "postgres"])
async def test_open_store_picks_postgres_by_url(pg: PgSchema, scheme: str) -> None:
    url = scheme + pg.url_with_schema[pg.url_with_schema.index(":") :]
    store = await open_store(url)
    try:
        assert isinstance(store, PostgresStore)
        assert await store.schema_version() == MIGRATIONS[-1].id
        await store.upsert_papers([paper("2405.00001", "Reopened")])
    finally:
        await store.close()
    again = await PostgresStore.open(pg.url, schema=pg.schema)
    try:
        found = await again.get_paper("2405.00001")
        assert found is not None
        assert found.title == "Reopened"
    finally:
        await again.close()


@pytest.mark.postgres
async def test_migration_4_lists_each_paper_on_the_day_an_old_database_knew(
    pg: PgSchema, monkeypatch: pytest.MonkeyPatch
) -> None:
    with monkeypatch.context() as old_paperbot:
        old_paperbot.setattr("bot.storage.migrations.MIGRATIONS", MIGRATIONS[:3])
        store = await PostgresStore.open(pg.url, schema=pg.schema)
        assert await store.schema_version() == 3
        for papers in OLD_WRITES:  # as paperbot before migration 4 wrote them
            await write_as_before_18(store, papers)
        await store.close()
    store = await PostgresStore.open(pg.url, schema=pg.schema)
    try:
        assert await store.schema_version() == MIGRATIONS[-1].id
        assert await listed_ids(store) == OLD_LISTS_AFTER_MIGRATION
    finally:
        await store.close()


@pytest.mark.postgres
async def test_migration_17_carries_papers_into_paper_ranks_and_keeps_them_in_step(
    pg: PgSchema, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Search ranks titles from the narrow paper_ranks: the papers stored before it existed
    are copied over, and a later change of title reaches it through the trigger."""
    before = next(i for i, m in enumerate(MIGRATIONS) if m.id == 17)
    with monkeypatch.context() as old_paperbot:
        old_paperbot.setattr("bot.storage.migrations.MIGRATIONS", MIGRATIONS[:before])
        store = await PostgresStore.open(pg.url, schema=pg.schema)
        await write_as_before_18(store, [paper("2405.00001", "Speculative decoding made fast")])
        await store.close()
    store = await PostgresStore.open(pg.url, schema=pg.schema)
    try:
        assert await store.schema_version() == MIGRATIONS[-1].id
        found = (await store.search("speculative decoding made fast")).papers
        assert [p.arxiv_id for p in found] == ["2405.00001"]
        await store.upsert_papers([paper("2405.00001", "Lookahead sampling for drafts")])
        assert [p.arxiv_id for p in (await store.search("lookahead sampling")).papers] == [
            "2405.00001"
        ]
        assert not (await store.search("speculative decoding made fast")).papers
    finally:
        await store.close()


@pytest.mark.postgres
async def test_an_unreachable_server_is_a_store_error_without_the_password() -> None:
    postgres_url()  # only where PostgreSQL tests run: a closed port on loopback
    with pytest.raises(StoreError) as caught:
        await PostgresStore.open("postgresql://bot:hunter2@127.0.0.1:1/none")
    assert "hunter2" not in str(caught.value)
    assert "***" in str(caught.value)


@pytest.mark.postgres
async def test_title_words_outrank_abstract_words(pg: PgSchema) -> None:
    store = await PostgresStore.open(pg.url, schema=pg.schema)
    try:
        await store.upsert_papers(
            [
                paper("2405.00001", "Scaling laws", "We study speculative decoding at scale."),
                paper("2405.00002", "Speculative decoding made fast"),
                paper("2405.00003", "Agents", ai_keywords=("speculative decoding",)),
            ]
        )
        found = (await store.search("speculative decoding")).papers
        assert [p.arxiv_id for p in found] == ["2405.00002", "2405.00003", "2405.00001"]
    finally:
        await store.close()


_TRGM_INDEXES = "SELECT indexname FROM pg_indexes WHERE schemaname = $1 AND indexdef LIKE '%trgm%'"


@pytest.mark.postgres
async def test_migration_18_corrects_typos_in_older_papers_and_leaves_pg_trgm_unused(
    pg: PgSchema, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Typos are corrected from the indexed words (search_terms), back-filled from the papers
    stored before migration 18; the trigram index of the old typo stage is gone, so nothing
    in the schema needs pg_trgm."""
    before = next(i for i, m in enumerate(MIGRATIONS) if m.id == 18)
    with monkeypatch.context() as old_paperbot:
        old_paperbot.setattr("bot.storage.migrations.MIGRATIONS", MIGRATIONS[:before])
        store = await PostgresStore.open(pg.url, schema=pg.schema)
        old_papers = [
            paper("2405.00001", "Retrieval Augmented Generation for Long Documents"),
            paper("2405.00002", "Vision Language Action Models for Robots", "Grasping."),
        ]
        await write_as_before_18(store, old_papers)
        assert await store._fetch(_TRGM_INDEXES, pg.schema), "pg_trgm on the test server"
        await store.close()
    store = await PostgresStore.open(pg.url, schema=pg.schema)
    try:
        assert store.corrects_typos
        assert not await store._fetch(_TRGM_INDEXES, pg.schema)
        terms = {row[0] for row in await store._fetch("SELECT term FROM search_terms")}
        assert {"retrieval", "robots", "grasping", "lovelace"} <= terms  # every field
        found = await store.search("retreival augmentd generation")
        assert [p.arxiv_id for p in found.close][:1] == ["2405.00001"]
        assert (await store.search("grasping robts")).close[:1] == (old_papers[1],)
    finally:
        await store.close()


def test_all_but_one_words_leaves_out_stopwords_and_syntax() -> None:
    relaxed = tsquery_text(parse_query("the cat & dog | bird"), all_but_one=True)
    assert relaxed == "((dog & bird) | (cat & bird) | (cat & dog))"
    assert tsquery_text(parse_query("cat dog"), all_but_one=True) == "(cat | dog)"
    assert tsquery_text(parse_query("of the cat"), all_but_one=True) == "cat"


def test_corrected_words_are_or_groups_in_every_stage() -> None:
    plan = parse_query('difusion modle "latent space"')
    groups = [["difusion", "diffusion"], ["modle", "model", "mode"]]
    assert tsquery_text(plan, groups) == (
        "(difusion | diffusion) & (modle | model | mode) & (latent <-> space)"
    )
    assert tsquery_text(plan, groups, all_but_one=True) == (
        "((difusion | diffusion) | (modle | model | mode)) & (latent <-> space)"
    )


def test_phrases_and_exclusions_become_tsquery_operators_never_user_syntax() -> None:
    plan = parse_query('"world models" -video -"text to speech" agents:*')
    assert tsquery_text(plan) == "agents & (world <-> models)"
    assert exclusion_text(plan) == "(video) | (text <-> to <-> speech)"


@pytest.mark.postgres
async def test_skip_locked_claims_from_two_stores_never_overlap(pg: PgSchema) -> None:
    """Two stores (two pools, as two worker processes have) claim concurrently."""
    first = await PostgresStore.open(pg.url, schema=pg.schema)
    second = await PostgresStore.open(pg.url, schema=pg.schema)
    try:
        for n in range(60):
            channel = ChannelRef("slack", f"C{n:02}", "T")
            await first.create_delivery(Delivery(channel, date(2024, 5, 9), NOW))

        async def drain(store: PostgresStore, worker: str) -> list[str]:
            taken: list[str] = []
            lease = timedelta(minutes=5)
            while batch := await store.claim_due_deliveries(NOW, worker, limit=2, lease=lease):
                taken += [d.channel.key for d in batch]
            return taken

        results = await asyncio.gather(
            *(
                drain(s, f"{name}-{n}")
                for n in range(3)
                for s, name in ((first, "a"), (second, "b"))
            )
        )
        everything = [key for taken in results for key in taken]
        assert sorted(everything) == sorted(set(everything))
        assert len(everything) == 60
        assert sum(1 for taken in results if taken) > 1, "the work was shared"
    finally:
        await first.close()
        await second.close()
