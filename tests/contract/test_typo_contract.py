"""Typo correction (search stage 2), one contract for every store (issue 12).

A rare word of the query gets its nearest indexed words as alternatives, the most common
first (bot/storage/search/typo_plan.py): a paper's own typo ("Diusion") does not win over the word
meant, a word many papers hold is left as typed, the papers found are "close" matches, and
exclusions hold. The last test runs both stores on one corpus and compares their answers.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path

import pytest

from bot.ports import Store
from bot.records.models import SearchResults
from bot.storage.postgres.store import PostgresStore
from bot.storage.sqlite.store import SqliteStore
from tests.contract.test_store_contract import paper
from tests.pg_schema import fresh_schema, postgres_url

TARGET = "2405.03001"
OWN_TYPO = "2405.03002"
ANIMALS = ["cats", "dogs", "owls", "bees", "frogs", "foxes", "bats", "crabs", "eels", "moths"]
PLACES = ["rivers", "forests", "deserts", "islands", "cities", "farms", "caves", "reefs"]
# Enough papers hold "diffusion" (24) that the one holding the typo "diusion" is under the
# share of the commonest a correction needs; a handful hold "mode" (3) and many "model".
TYPOS = [
    paper(TARGET, "Latent Diffusion Model for Audio", "Diffusion for sound."),
    paper(OWN_TYPO, "CONFLUX: A Latent Diusion Model", "A typo in its own title."),
    *(
        paper(f"2405.031{i:02d}", f"Diffusion Model of {ANIMALS[i % 10]} in {PLACES[i % 8]}")
        for i in range(11)
    ),
    *(
        paper(f"2405.032{i:02d}", f"Sampling {ANIMALS[i % 10]} with diffusion", "Denoising.")
        for i in range(12)
    ),
    *(
        paper(f"2405.033{i:02d}", f"Decoding {PLACES[i]}", f"A new decoding mode for {PLACES[i]}.")
        for i in range(3)
    ),
    paper("2405.03400", "Speech synthesis with flow matching", "Vocoders."),
    paper("2405.03500", "Does Your Agent Know When to Stop?", "Halting."),
    paper("2405.03600", "Residual Attention", "Skip connections."),
    *(paper(f"2405.0361{i}", f"Edge inference {i}", "It resides on device.") for i in range(3)),
]
MISSPELT = [
    "difusion modle",
    "latent difusion",
    "difusion modle -audio",
    "flow matchng",
    "speech synthesis with flow matchng",
    "sampling dogs with difussion",
    "diffusion modle of owls",
    "decodng mode",
    "cahts in rivers",
    "does yyour agent know wehn to stop",
]  # not "residals": its English stem finds "resides" exactly on PostgreSQL, not on SQLite


@pytest.fixture
async def typo_store(store: Store) -> Store:
    await store.upsert_papers(TYPOS)
    return store


def titles(found: SearchResults) -> list[str]:
    return [p.title for p in found.papers]


async def test_a_misspelt_word_finds_the_word_meant_not_a_papers_own_typo(
    typo_store: Store,
) -> None:
    found = await typo_store.search("difusion", 50)
    diffusion = {p.arxiv_id for p in TYPOS if "diffusion" in p.title.lower()}
    assert {p.arxiv_id for p in found.close} == diffusion  # 24 papers, the target among them
    assert TARGET in diffusion
    assert OWN_TYPO not in [p.arxiv_id for p in found.papers]


async def test_corrected_matches_are_labelled_close(typo_store: Store) -> None:
    found = await typo_store.search("difusion modle")
    assert not found.exact
    assert len(found.close) == 10
    assert all("Diffusion Model" in title for title in titles(found))


async def test_a_word_many_papers_hold_is_not_corrected_away(typo_store: Store) -> None:
    """Three papers hold "mode": it is no typo of the commoner "model"."""
    found = await typo_store.search("mode")
    assert sorted(p.arxiv_id for p in found.exact) == ["2405.03300", "2405.03301", "2405.03302"]
    assert not found.close


async def test_a_typo_of_a_small_common_word_is_corrected_too(typo_store: Store) -> None:
    """ "your" and "when" are words PostgreSQL's configuration leaves out of its index."""
    found = await typo_store.search("does yyour agent know wehn to stop")
    assert [p.arxiv_id for p in found.close][:1] == ["2405.03500"]


async def test_a_typo_is_corrected_whatever_papers_its_stem_finds(typo_store: Store) -> None:
    """No paper holds "residals", though three hold "resides", its stem to an English
    stemmer: it is a rare word, corrected to "residuals"."""
    found = await typo_store.search("residals")
    assert [p.arxiv_id for p in found.close][:1] == ["2405.03600"]


async def test_exclusions_hold_in_the_corrected_stage(typo_store: Store) -> None:
    found = await typo_store.search("latent difusion modle -audio")
    assert found.close
    assert TARGET not in [p.arxiv_id for p in found.papers]
    owls = await typo_store.search("difusion modle -owls -cats")
    assert owls.close
    assert not [t for t in titles(owls) if "owls" in t or "cats" in t]


@pytest.mark.postgres
async def test_both_stores_correct_the_same_typos_alike(tmp_path: Path) -> None:
    async with _both_stores(tmp_path) as (sqlite, postgres):
        for query in MISSPELT:
            on_sqlite = await sqlite.search(query, 50)  # every match: the order within a
            on_postgres = await postgres.search(query, 50)  # stage is each index's ranking
            assert on_sqlite.papers, query
            assert _ids(on_postgres) == _ids(on_sqlite), query


def _ids(found: SearchResults) -> tuple[set[str], set[str]]:
    return {p.arxiv_id for p in found.exact}, {p.arxiv_id for p in found.close}


@asynccontextmanager
async def _both_stores(tmp_path: Path) -> AsyncIterator[tuple[Store, Store]]:
    """SQLite in tmp_path and PostgreSQL in a fresh schema, each holding TYPOS."""
    async with AsyncExitStack() as stack:
        pg = await stack.enter_async_context(fresh_schema(postgres_url()))
        sqlite = await SqliteStore.open(tmp_path / "typos.db")
        stack.push_async_callback(sqlite.close)
        postgres = await PostgresStore.open(pg.url, schema=pg.schema)
        stack.push_async_callback(postgres.close)
        for store in (sqlite, postgres):
            await store.upsert_papers(TYPOS)
        yield sqlite, postgres
