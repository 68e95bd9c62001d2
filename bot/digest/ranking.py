"""Pure ranking: which of a day's papers are trending, in what order.

Trending means the day's Hugging Face Daily Papers ordered by upvotes, most first. Ties are
broken by comments (more first), then by GitHub stars (more first; a paper without a repo
counts as 0), then by arXiv id so the order never depends on the order papers arrived in.

A channel's minimum-upvotes threshold is applied first, then its cap on the number of papers.
`bot.records.digest.TRENDING_DEFINITION` states the same definition for readers of a digest.
"""

from __future__ import annotations

from collections.abc import Iterable

from bot.records.models import Paper


def trending_key(paper: Paper) -> tuple[int, int, int, str]:
    """Sort key: ascending order of this key is the trending order."""
    return (-paper.upvotes, -paper.comments, -(paper.github_stars or 0), paper.arxiv_id)


def rank_trending(
    papers: Iterable[Paper], *, min_upvotes: int = 0, limit: int | None = None
) -> list[Paper]:
    """Papers with at least `min_upvotes`, in trending order, at most `limit` of them."""
    if limit is not None and limit < 0:
        raise ValueError(f"limit must be >= 0, got {limit}")
    kept = sorted((p for p in papers if p.upvotes >= min_upvotes), key=trending_key)
    return kept if limit is None else kept[:limit]
