"""The Store contract for `similar`: the stored papers most like a given one, with a reason.

Runs over every backend of the `store` fixture (tests/contract/conftest.py).
"""

from __future__ import annotations

import pytest

from bot.ports import Store
from bot.records.models import Paper
from tests.contract.test_store_contract import paper

SPLAT = ("Gaussian Splatting", "avatars")
CORPUS = [
    paper(
        "2406.00001",
        "Gaussian Splatting Avatars from Monocular Video",
        "We reconstruct animatable human avatars with gaussian splatting from one video.",
        ai_keywords=SPLAT,
    ),
    paper(
        "2406.00002",
        "Animatable Gaussian Splatting Avatars",
        "Avatars rendered in real time by gaussian splatting, animatable by pose.",
        ai_keywords=SPLAT,
    ),
    paper(
        "2406.00003",
        "Relightable Avatars",
        "Human avatars that can be relit, reconstructed from multi-view capture.",
        ai_keywords=("avatars",),
    ),
    paper(
        "2406.00004",
        "Gaussian Splatting for City Scenes",
        "Large scenes rendered with gaussian splatting.",
        ai_keywords=("Gaussian Splatting",),
    ),
    paper("2406.00005", "Speculative Decoding", "Faster decoding for language models."),
    paper("2406.00006", "Tokenizer-Free Language Models", "Bytes instead of tokens."),
    paper("2406.00007", "A Survey of Reward Models", "Reward models for alignment."),
    paper("2406.00008", "Mixture of Experts at Scale", "Routing tokens to experts."),
]
SOURCE = CORPUS[0]


@pytest.fixture
async def similar_store(store: Store) -> Store:
    await store.upsert_papers(CORPUS)
    return store


async def similar_ids(store: Store, source: Paper, limit: int = 10) -> list[str]:
    return [found.paper.arxiv_id for found in await store.similar(source, limit)]


async def test_the_most_alike_paper_comes_first_and_the_paper_itself_is_left_out(
    similar_store: Store,
) -> None:
    found = await similar_ids(similar_store, SOURCE)
    assert found[:1] == ["2406.00002"]  # the title, keywords and abstract words it shares
    assert SOURCE.arxiv_id not in found
    assert set(found) <= {"2406.00002", "2406.00003", "2406.00004"}  # nothing unrelated


async def test_each_paper_says_which_keywords_it_shares(similar_store: Store) -> None:
    found = await similar_store.similar(SOURCE)
    reasons = {f.paper.arxiv_id: f.reason for f in found}
    assert reasons["2406.00002"].startswith("shares: Gaussian Splatting, avatars")
    assert "avatars" in reasons["2406.00003"]


async def test_a_paper_the_store_does_not_hold_finds_the_stored_ones_like_it(
    similar_store: Store,
) -> None:
    outsider = paper(
        "2406.09999",
        "Speculative Decoding with Draft Experts",
        "Draft models propose tokens; experts verify them with speculative decoding.",
    )
    assert (await similar_ids(similar_store, outsider))[:1] == ["2406.00005"]


async def test_the_limit_holds_and_a_paper_like_no_other_finds_nothing(
    similar_store: Store,
) -> None:
    assert len(await similar_ids(similar_store, SOURCE, limit=1)) == 1
    alone = paper("2406.09998", "Xylophone Zeppelin", "Quixotic marmalade.")
    assert await similar_store.similar(alone) == []
    assert await similar_store.similar(paper("2406.09997", "", "")) == []
