"""build_digest: filters in order, ranks, summarises, and explains an empty digest."""

from __future__ import annotations

from datetime import date, datetime

import pytest

from bot.digest.build import build_digest
from bot.digest.topics import parse_topics
from bot.records.digest import Digest, DigestEntry
from bot.records.models import ChannelRef, ChannelSettings, Paper, Subscription

DAY = date(2026, 8, 21)
CHANNEL = ChannelRef("slack", "C1", "T1")


def _paper(
    arxiv_id: str, title: str, upvotes: int, comments: int = 1, ai_summary: str | None = None
) -> Paper:
    return Paper(
        arxiv_id=arxiv_id,
        title=title,
        abstract=f"We study {title}. More detail follows.",
        authors=("Chengsong Huang",),
        published_at=datetime(2026, 8, 20),
        listed_on=DAY,
        upvotes=upvotes,
        comments=comments,
        ai_summary=ai_summary,
    )


# Titles and counts from the 2026-08-21 list, given out of order on purpose.
ENV = _paper(
    "2608.19880",
    "EnvHarness: Awakening Static Worlds for Agent Learning",
    163,
    ai_summary="EnvHarness reshapes static environments to target agent weaknesses.",
)
SWE = _paper("2608.19799", "SWE-bench Science: Can Coding Agents Resolve Engineering Tasks?", 32)
FOURD = _paper("2608.20335", "4DAnyone: Create Anyone in 4D from a Casual Monocular Video", 38, 3)
WM = _paper("2608.14022", "ForgeWM: Few-Step Action-Conditioned Video World Models", 12)
ASR = _paper("2608.19936", "Towards Quantifying Benchmark Optimization in ASR Models", 2)
PAPERS = (SWE, ASR, ENV, WM, FOURD)


def _sub(topics: str = "", min_upvotes: int = 0, max_papers: int = 10) -> Subscription:
    settings = ChannelSettings(min_upvotes=min_upvotes, max_papers=max_papers)
    return Subscription(CHANNEL, parse_topics(topics), settings)


def _ids(digest: Digest) -> list[str]:
    return [e.paper.arxiv_id for e in digest.entries]


@pytest.mark.parametrize(
    ("topics", "min_upvotes", "max_papers", "posted", "expected"),
    [
        ("", 0, 10, (), [ENV, FOURD, SWE, WM, ASR]),  # no topics: the trending list
        ("", 0, 2, (), [ENV, FOURD]),
        ("", 30, 10, (), [ENV, FOURD, SWE]),
        ("", 30, 2, (), [ENV, FOURD]),
        ("agents", 0, 10, (), [ENV, SWE]),
        ("agents", 50, 10, (), [ENV]),
        ('agents "world model"', 0, 10, (), [ENV, SWE, WM]),
        ("models -asr", 0, 10, (), [WM]),
        ("-video", 0, 10, (), [ENV, SWE, ASR]),
        ("", 0, 10, ("2608.19880", "2608.20335"), [SWE, WM, ASR]),
        ("agents", 0, 1, ("2608.19880",), [SWE]),  # the cap applies after posted removal
    ],
)
def test_selects_ranks_and_caps(
    topics: str, min_upvotes: int, max_papers: int, posted: tuple[str, ...], expected: list[Paper]
) -> None:
    digest = build_digest(
        DAY, PAPERS, _sub(topics, min_upvotes, max_papers), already_posted=frozenset(posted)
    )
    assert _ids(digest) == [p.arxiv_id for p in expected]
    assert [e.rank for e in digest.entries] == list(range(1, len(expected) + 1))
    assert digest.total_candidates == len(PAPERS)
    assert digest.empty_reason is None
    assert digest.day == DAY


def test_entries_carry_reasons_and_summaries() -> None:
    digest = build_digest(DAY, PAPERS, _sub('agents "world model"', max_papers=2))
    assert digest.entries == (
        DigestEntry(
            rank=1,
            paper=ENV,
            summary="EnvHarness reshapes static environments to target agent weaknesses.",
            reasons=('title mentions "Agent"',),
        ),
        DigestEntry(
            rank=2,
            paper=SWE,
            summary=f"We study {SWE.title}. More detail follows.",
            reasons=('title mentions "Agents"',),
        ),
    )
    assert digest.topics == parse_topics('agents "world model"')


def test_trending_list_has_no_reasons() -> None:
    digest = build_digest(DAY, PAPERS, _sub())
    assert all(e.reasons == () for e in digest.entries)


def test_a_paper_listed_twice_appears_once() -> None:
    digest = build_digest(DAY, (ENV, SWE, ENV), _sub())
    assert _ids(digest) == ["2608.19880", "2608.19799"]
    assert digest.total_candidates == 2


@pytest.mark.parametrize(
    ("papers", "topics", "min_upvotes", "max_papers", "posted", "reason"),
    [
        ((), "", 0, 10, (), "No papers were listed for that day."),
        ((), "agents", 50, 10, (), "No papers were listed for that day."),
        (
            PAPERS,
            "",
            0,
            10,
            [p.arxiv_id for p in PAPERS],
            "All 5 papers listed that day were already posted here.",
        ),
        (
            (ENV,),
            "",
            0,
            10,
            ["2608.19880"],
            "The only paper listed that day was already posted here.",
        ),
        (PAPERS, "diffusion", 0, 10, (), "None of the 5 papers matched your topics."),
        (PAPERS, "diffusion", 0, 10, ["2608.19880"], "None of the 4 papers matched your topics."),
        ((ENV,), "diffusion", 0, 10, (), "The only paper did not match your topics."),
        (PAPERS, "-agents -video -asr", 0, 10, (), "None of the 5 papers matched your topics."),
        (PAPERS, "", 200, 10, (), "None of the 5 papers reached the minimum of 200 upvotes."),
        (
            PAPERS,
            "agents",
            200,
            10,
            (),
            "None of the 2 matching papers reached the minimum of 200 upvotes.",
        ),
        ((ASR,), "", 3, 10, (), "The only paper did not reach the minimum of 3 upvotes."),
        (
            (ASR,),
            "asr",
            3,
            10,
            (),
            "The only matching paper did not reach the minimum of 3 upvotes.",
        ),
        (PAPERS, "", 0, 0, (), "This channel's maximum is set to 0 papers."),
    ],
)
def test_empty_reason_names_the_filter(
    papers: tuple[Paper, ...],
    topics: str,
    min_upvotes: int,
    max_papers: int,
    posted: list[str],
    reason: str,
) -> None:
    digest = build_digest(
        DAY, papers, _sub(topics, min_upvotes, max_papers), already_posted=set(posted)
    )
    assert digest.is_empty
    assert digest.empty_reason == reason
    assert digest.total_candidates == len(papers)


def test_does_not_change_its_inputs() -> None:
    papers = list(PAPERS)
    posted = {"2608.19880"}
    build_digest(DAY, papers, _sub("agents"), already_posted=posted)
    assert papers == list(PAPERS)
    assert posted == {"2608.19880"}
