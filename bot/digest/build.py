"""Pure: one channel's digest for one day, from the day's papers and the subscription."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date

from bot.digest.ranking import rank_trending
from bot.digest.summary import summarize
from bot.digest.topics import match_paper
from bot.records.digest import Digest, DigestEntry
from bot.records.models import Match, Paper, Subscription, Topic


def build_digest(
    day: date,
    papers: Sequence[Paper],
    subscription: Subscription,
    *,
    already_posted: Collection[str] = frozenset(),
) -> Digest:
    """The digest of `papers` (the caller picked the covered day's list) for `subscription`.

    Filters run in this order: drop papers already posted in the channel, keep those that
    match the topics, keep those with enough upvotes, cap the count. When nothing is left,
    `empty_reason` names the filter that emptied the list.
    """
    settings = subscription.settings
    unique = unique_papers(papers)
    fresh = [p for p in unique if p.arxiv_id not in already_posted]
    matches = {p.arxiv_id: m for p in fresh if (m := match_paper(p, subscription.topics))}
    matched = [p for p in fresh if p.arxiv_id in matches]
    ranked = rank_trending(matched, min_upvotes=settings.min_upvotes, limit=settings.max_papers)
    entries = tuple(_entry(rank, matches[p.arxiv_id]) for rank, p in enumerate(ranked, start=1))
    reason = None
    if not entries:
        reason = empty_reason(len(unique), len(fresh), len(matched), subscription)
    return Digest(
        day=day,
        entries=entries,
        topics=subscription.topics,
        empty_reason=reason,
        total_candidates=len(unique),
    )


def unique_papers(papers: Sequence[Paper]) -> list[Paper]:
    """First occurrence of each arXiv id: the same paper may be listed twice."""
    seen: set[str] = set()
    unique = []
    for paper in papers:
        if paper.arxiv_id not in seen:
            seen.add(paper.arxiv_id)
            unique.append(paper)
    return unique


def entry_for(rank: int, paper: Paper, topics: Sequence[Topic]) -> DigestEntry:
    """`paper`'s entry at `rank`, with the reasons it fits `topics`: none when it fits them
    no longer (settling keeps a posted paper in its post whatever the topics became)."""
    return _entry(rank, match_paper(paper, topics) or Match(paper))


def _entry(rank: int, match: Match) -> DigestEntry:
    return DigestEntry(
        rank=rank, paper=match.paper, summary=summarize(match.paper), reasons=match.reasons
    )


def empty_reason(listed: int, fresh: int, matched: int, subscription: Subscription) -> str:
    settings = subscription.settings
    if listed == 0:
        return "No papers were listed for that day."
    if fresh == 0:
        if listed == 1:
            return "The only paper listed that day was already posted here."
        return f"All {listed} papers listed that day were already posted here."
    if matched == 0:
        if fresh == 1:
            return "The only paper did not match your topics."
        return f"None of the {fresh} papers matched your topics."
    if settings.max_papers == 0:
        return "This channel's maximum is set to 0 papers."
    minimum = (
        f"the minimum of {settings.min_upvotes} upvote{'' if settings.min_upvotes == 1 else 's'}"
    )
    which = "matching paper" if subscription.topics else "paper"
    if matched == 1:
        return f"The only {which} did not reach {minimum}."
    return f"None of the {matched} {which}s reached {minimum}."
