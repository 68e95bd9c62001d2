"""Hugging Face artifacts of posted papers: which look-ups are due, and reading the Hub's
answers. Pure.

The Hub links a model, dataset or Space to a paper when its card cites the paper on arXiv
(the repo gets an `arxiv:<id>` tag); `GET /api/models?filter=arxiv:<id>` (and `/api/datasets`,
`/api/spaces`) lists them. `GET /api/papers/{id}` does not: it carries the paper's metadata,
GitHub repo and project page, not its artifacts (the Hub's paper-pages API notes).

A look-up asks for one page of `PAGE` repos per kind; a full page means "there may be more"
(`PaperArtifacts.more`), and the renderer says "50+ models" and links the Hub's filtered list.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from datetime import datetime, timedelta

from bot.digest.build import unique_papers
from bot.digest.ranking import trending_key
from bot.records.models import CachedArtifacts, Paper


def due(
    arxiv_ids: Sequence[str],
    cached: Mapping[str, CachedArtifacts],
    now: datetime,
    fresh_for: timedelta,
) -> list[str]:
    """The ids to look up: never looked up, or looked up `fresh_for` ago or more; the
    never-looked-up first (a digest shows nothing for them yet), each once, in order."""
    ordered = list(dict.fromkeys(arxiv_ids))
    missing = [i for i in ordered if i not in cached]
    stale = [i for i in ordered if i in cached and now - cached[i].fetched_at >= fresh_for]
    return missing + stale


def before_ids(papers: Sequence[Paper], top: int) -> list[str]:
    """Before a digest: the day's `top` papers in trending order, those most digests take
    (a channel's topics may reach further down; the pass after the post fills those in)."""
    return [p.arxiv_id for p in sorted(unique_papers(papers), key=trending_key)[:top]]
