"""Trending order, thresholds and caps, by tables."""

from __future__ import annotations

import re
from datetime import datetime

import pytest

from bot.digest import ranking
from bot.digest.ranking import rank_trending
from bot.records.digest import TRENDING_DEFINITION
from bot.records.models import Paper


def _paper(arxiv_id: str, upvotes: int, comments: int = 0, stars: int | None = None) -> Paper:
    return Paper(
        arxiv_id=arxiv_id,
        title=f"Paper {arxiv_id}",
        abstract="",
        authors=(),
        published_at=datetime(2026, 8, 20),
        upvotes=upvotes,
        comments=comments,
        github_stars=stars,
    )


# The top of 2026-08-21's list, with its real counts.
DAY = [
    _paper("2608.19880", 163, 1, 8),  # EnvHarness
    _paper("2608.18580", 54, 2, 8),  # FACET
    _paper("2608.20335", 38, 3, 20),  # 4DAnyone
    _paper("2608.19799", 32, 1, 13),  # SWE-bench Science
    _paper("2608.19891", 3, 0, None),  # EXIMO
    _paper("2608.20281", 3, 1, None),  # Inject, Align, Recover
]


def _ids(papers: list[Paper]) -> list[str]:
    return [p.arxiv_id for p in papers]


@pytest.mark.parametrize(
    ("min_upvotes", "limit", "expected"),
    [
        (
            0,
            None,
            ["2608.19880", "2608.18580", "2608.20335", "2608.19799", "2608.20281", "2608.19891"],
        ),
        (0, 3, ["2608.19880", "2608.18580", "2608.20335"]),
        (38, None, ["2608.19880", "2608.18580", "2608.20335"]),  # the threshold is inclusive
        (39, None, ["2608.19880", "2608.18580"]),
        (10, 1, ["2608.19880"]),
        (0, 0, []),
        (1000, None, []),
        (
            0,
            100,
            ["2608.19880", "2608.18580", "2608.20335", "2608.19799", "2608.20281", "2608.19891"],
        ),
    ],
)
def test_threshold_then_cap(min_upvotes: int, limit: int | None, expected: list[str]) -> None:
    assert _ids(rank_trending(DAY, min_upvotes=min_upvotes, limit=limit)) == expected


@pytest.mark.parametrize(
    ("papers", "expected"),
    [
        # upvotes first, whatever the comments and stars
        ([_paper("a", 1, 9, 99), _paper("b", 2, 0, 0)], ["b", "a"]),
        # equal upvotes: more comments first
        ([_paper("a", 5, 1, 99), _paper("b", 5, 2, 0)], ["b", "a"]),
        # equal upvotes and comments: more GitHub stars first
        ([_paper("a", 5, 1, 3), _paper("b", 5, 1, 4)], ["b", "a"]),
        # no repo counts as 0 stars
        ([_paper("a", 5, 1, None), _paper("b", 5, 1, 1)], ["b", "a"]),
        ([_paper("a", 5, 1, 0), _paper("b", 5, 1, None)], ["a", "b"]),
        # all equal: arXiv id, whatever order they came in
        ([_paper("2608.2", 5, 1, 1), _paper("2608.1", 5, 1, 1)], ["2608.1", "2608.2"]),
        ([_paper("2608.1", 5, 1, 1), _paper("2608.2", 5, 1, 1)], ["2608.1", "2608.2"]),
        ([], []),
    ],
)
def test_tie_breaking(papers: list[Paper], expected: list[str]) -> None:
    assert _ids(rank_trending(papers)) == expected


def test_accepts_any_iterable_and_keeps_the_input() -> None:
    day = list(DAY)
    assert _ids(rank_trending(iter(day), limit=1)) == ["2608.19880"]
    assert day == DAY


def test_negative_limit_is_refused() -> None:
    with pytest.raises(ValueError, match="limit"):
        rank_trending(DAY, limit=-1)


def test_definition_agrees_with_the_digest_model() -> None:
    """Both texts name the same sort keys in the same order."""
    doc = ranking.__doc__ or ""
    for text in (doc, TRENDING_DEFINITION):
        found = [m.group().lower() for m in re.finditer(r"upvotes|comments|GitHub stars", text)]
        assert found[:3] == ["upvotes", "comments", "github stars"], text
