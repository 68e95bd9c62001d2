"""author:, org: and kw: in a search, one contract for every store, through the service.

Topics accept these filters; a search now does too, with the same meaning: each store finds
candidates by the names' words in its index, and the topic matcher decides (a paper that
only mentions an author in its abstract is not theirs). The look-up source is the shipped
offline sample, asked only when the store finds nothing.
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.digest.service import PaperService
from bot.ports import Store
from bot.records.clock import FixedClock
from bot.records.models import ChannelSettings
from bot.sources.sample import SampleSource
from tests.contract.test_store_contract import paper

NOW = datetime(2026, 8, 22, 10, 0, tzinfo=UTC)
PAPERS = [
    paper(
        "2405.04001",
        "Agents that plan",
        "Planning for agents.",
        authors=("Chengsong Huang", "Ada Lovelace"),
        organization="Ant Research",
        ai_keywords=("reinforcement learning",),
    ),
    paper(
        "2405.04002",
        "Agents that talk",
        "Following Chengsong Huang and Wei Huang, we build agents that talk.",
        organization="Google",
    ),
    paper(
        "2405.04003",
        "Agents that act",
        "Reinforcement learning for agents that act.",
        authors=("Wei Huang",),
        ai_keywords=("tool use",),
    ),
    paper("2405.04004", "Diffusion of agents", "Agents spread.", authors=("Chengsong Huang",)),
    # Names that an English stemmer changes ("Jones" -> "jone", "Charles" -> "charl"): the
    # index holds names as written.
    paper("2405.04005", "Planning agents", "Plans.", authors=("Charles Jones", "Thomas Rees")),
]


@pytest.fixture
async def service(store: Store) -> PaperService:
    await store.upsert_papers(PAPERS)
    sample = SampleSource()
    return PaperService(store, sample, sample, FixedClock(NOW), defaults=ChannelSettings())


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ('author:"Chengsong Huang"', {"2405.04001", "2405.04004"}),  # not 04002's abstract
        ('AUTHOR:"chengsong  huang"', {"2405.04001", "2405.04004"}),
        ("agents author:huang", {"2405.04001", "2405.04003", "2405.04004"}),  # a last name
        ('author:"Chengsong Huang" -diffusion', {"2405.04001"}),  # exclusions still hold
        ('agents org:"ant research"', {"2405.04001"}),
        ("agents org:antresearch", {"2405.04001"}),  # as topics: spacing ignored
        ("agents org:google", {"2405.04002"}),
        ('agents kw:"reinforcement learning"', {"2405.04001"}),  # not 04003's abstract
        ('kw:"tool use"', {"2405.04003"}),
        ('author:"Grace Hopper"', set()),
        ('author:"Charles Jones"', {"2405.04005"}),
        ("planning author:jones", {"2405.04005"}),
        ("agents author:Rees", {"2405.04005"}),
    ],
)
async def test_search_filters_mean_what_topics_mean(
    service: PaperService, query: str, expected: set[str]
) -> None:
    found = await service.search(query, limit=10)
    assert {p.arxiv_id for p in found.papers} == expected


async def test_a_filtered_search_still_fills_its_limit(service: PaperService) -> None:
    # The store's first candidates for "huang" include a paper only mentioning the name;
    # the filter drops it and the places are filled from further candidates.
    found = await service.search("author:huang", limit=2)
    assert len(found.papers) == 2
    assert "2405.04002" not in {p.arxiv_id for p in found.papers}


@pytest.mark.parametrize("query", ["-agents", '-"agents that"', "-agents -huang", "org:google"])
async def test_nothing_to_look_for_finds_nothing_anywhere(
    service: PaperService, query: str
) -> None:
    assert not await service.search(query, limit=10)
