"""Settling a posted digest: its durable tasks, and what changed since it went out. Pure.

After a digest is posted, Hugging Face's page keeps moving: upvotes climb for days, and
papers submitted after our cut-off join the day's list. At each configured age after the
post (24 h and 7 d by default) a settle task re-reads the covered days and

1. edits the posted messages in place with the new counts, keeping the posted order (no
   one's "the third paper" changes meaning), a paper that rose marked "▲ +120 since posted";
2. posts, once, a "late additions" reply in the digest's thread: papers that joined the
   list after the post and that the channel's topics and threshold would have taken.

A task is a durable record with a lease, like a delivery (its states:
bot/records/settle.py). Editing is idempotent (the same edit twice shows the same message); the
late-additions reply is made exactly once by saving which papers it holds before posting
(`late_ids`) and its message id as soon as the platform accepts it; a retry that finds `late_ids`
saved but no message id posts with the same key, which the platform recognises (see
bot/lifecycle/settle.py).
"""

from __future__ import annotations

from collections.abc import Collection, Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta

from bot.digest.build import entry_for
from bot.digest.ranking import rank_trending
from bot.digest.topics import match_paper
from bot.records.delivery import Delivery, DeliveryState
from bot.records.digest import Digest, DigestEntry
from bot.records.models import Paper, PaperArtifacts, Subscription
from bot.records.settle import SettleTask

LATE_MAX = 10  # late additions in one reply (one Discord message holds 10 embeds)


def tasks_for(
    delivery: Delivery,
    ages_hours: Iterable[int],
    upvotes_at_post: Mapping[str, int],
    listed_at_post: Collection[str],
) -> list[SettleTask]:
    """The settle tasks of a posted delivery, one per age; none for any other record."""
    if delivery.state is not DeliveryState.POSTED or delivery.posted_at is None:
        return []
    if not any(delivery.message_ids):
        return []
    posted = tuple((i, upvotes_at_post.get(i, 0)) for i in delivery.paper_ids)
    listed = tuple(sorted(listed_at_post))
    return [
        SettleTask(
            delivery.channel,
            delivery.day,
            age,
            delivery.posted_at + timedelta(hours=age),
            posted=posted,
            listed=listed,
        )
        for age in sorted(set(ages_hours))
    ]


def settled_digests(
    day: date,
    posted: Sequence[tuple[str, int]],
    papers: Mapping[str, Paper],
    subscription: Subscription,
    artifacts: Mapping[str, PaperArtifacts] | None = None,
) -> tuple[Digest, Digest]:
    """(the digest as posted, the digest as it stands now), same papers in the same order.

    Both carry the papers' Hugging Face artifacts as cached now (`artifacts`), so that both
    split into messages alike.

    `papers` holds each paper as the store knows it now; the posted digest shows the
    upvotes recorded at post time, the settled one the new counts and how much each rose.
    A paper the store no longer knows is left out of both (so both split alike).
    """
    then: list[DigestEntry] = []
    now: list[DigestEntry] = []
    for arxiv_id, upvotes in posted:
        paper = papers.get(arxiv_id)
        if paper is None:
            continue
        entry = entry_for(len(now) + 1, paper, subscription.topics)
        entry = replace(entry, artifacts=(artifacts or {}).get(arxiv_id))
        then.append(replace(entry, paper=replace(paper, upvotes=upvotes)))
        now.append(replace(entry, risen=max(paper.upvotes - upvotes, 0)))
    digest = Digest(day=day, entries=(), topics=subscription.topics)
    return replace(digest, entries=tuple(then)), replace(digest, entries=tuple(now))


def late_additions(
    listed_now: Sequence[Paper],
    listed_at_post: Collection[str],
    already_posted: Collection[str],
    subscription: Subscription,
) -> list[Paper]:
    """Papers on the list now that were not on it when the digest went out, that the
    channel's topics and minimum upvotes take and that it was never shown, best first,
    at most the channel's maximum (and LATE_MAX)."""
    settings = subscription.settings
    seen: set[str] = set()
    fresh = []
    for paper in listed_now:
        if paper.arxiv_id in seen or paper.arxiv_id in listed_at_post:
            continue
        seen.add(paper.arxiv_id)
        if paper.arxiv_id not in already_posted and match_paper(paper, subscription.topics):
            fresh.append(paper)
    limit = min(settings.max_papers, LATE_MAX)
    return rank_trending(fresh, min_upvotes=settings.min_upvotes, limit=limit)


def late_digest(day: date, papers: Sequence[Paper], subscription: Subscription) -> Digest:
    """The late-additions reply as a digest (ranked 1..n, with why each matched)."""
    topics = subscription.topics
    entries = tuple(entry_for(rank, p, topics) for rank, p in enumerate(papers, start=1))
    return Digest(day=day, entries=entries, topics=topics)


def retry_delay(attempts: int) -> timedelta:
    """Backoff for a failed settle task: 5 min doubling, at most 6 h."""
    delay: timedelta = timedelta(minutes=5) * 2 ** max(attempts - 1, 0)
    return min(delay, timedelta(hours=6))
