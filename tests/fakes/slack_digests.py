"""Digests built from the real snapshot shipped in bot/sample, for the Slack tests."""

from __future__ import annotations

import dataclasses
from datetime import date

from bot.records.digest import Digest, DigestEntry
from bot.records.models import Paper
from bot.sources.sample import load_snapshot, snapshot_dir

DAY = date(2026, 8, 21)


def real_papers() -> list[Paper]:
    """The 17 papers listed on 2026-08-21, most upvoted first."""
    return sorted(load_snapshot(snapshot_dir())[DAY], key=lambda p: -p.upvotes)


def digest_of(papers: list[Paper], day: date = DAY) -> Digest:
    entries = tuple(
        DigestEntry(rank=i, paper=p, summary=p.ai_summary or p.abstract[:280])
        for i, p in enumerate(papers, 1)
    )
    return Digest(day=day, entries=entries, total_candidates=len(papers))


def long_papers(count: int = 50) -> list[Paper]:
    """Real papers made long (tripled abstracts, consortium-sized author lists)."""
    base = real_papers()
    return [
        dataclasses.replace(
            base[i % len(base)],
            arxiv_id=f"2608.{10000 + i}",
            authors=base[i % len(base)].authors * 12,
            abstract=(base[i % len(base)].abstract + " ") * 3,
            ai_summary=(base[i % len(base)].ai_summary or "A summary.") * 4,
        )
        for i in range(count)
    ]
