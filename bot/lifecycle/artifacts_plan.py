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

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.digest.build import unique_papers
from bot.digest.ranking import trending_key
from bot.records.models import Paper, PaperArtifacts

PAGE = 50  # repos asked per kind and look-up
KINDS = ("models", "datasets", "spaces")  # the Hub's API paths, in PaperArtifacts' order
# "org/name" (or a legacy top-level model "name"): what a repo id may be; anything else in an
# answer is dropped, since ids become links in chat.
_REPO_ID = re.compile(r"^(?:[A-Za-z0-9][A-Za-z0-9_.-]{0,95}/)?[A-Za-z0-9][A-Za-z0-9_.-]{0,95}$")


@dataclass(frozen=True, slots=True)
class CachedArtifacts:
    """A paper's artifacts as the store holds them, and when they were looked up."""

    artifacts: PaperArtifacts
    fetched_at: datetime


def repo_ids(payload: object) -> tuple[str, ...] | None:
    """The repo ids of a list answer (`[{"id": "org/name", ...}, ...]`), in its order,
    de-duplicated; None if the answer is not such a list."""
    if not isinstance(payload, list):
        return None
    ids: dict[str, None] = {}
    for item in payload:
        repo = item.get("id") if isinstance(item, dict) else None
        if isinstance(repo, str) and _REPO_ID.match(repo) and ".." not in repo:
            ids[repo] = None
    return tuple(ids)


def artifacts_of(arxiv_id: str, found: Mapping[str, Sequence[str]], page: int) -> PaperArtifacts:
    """One paper's artifacts from the three lists (by KINDS name), `more` if one was full."""
    lists = [tuple(found.get(kind, ())) for kind in KINDS]
    more = any(len(ids) >= page for ids in lists)
    return PaperArtifacts(arxiv_id, lists[0], lists[1], lists[2], more)


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
