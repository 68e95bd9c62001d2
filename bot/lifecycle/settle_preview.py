"""`paperbot digest --format slack|discord --settled`: a post as settling would edit it.

What settling does to a real post (bot/lifecycle/settle.py), on the lists at hand instead of a
post's record: the digest built from the day's list as this store last saw it is the post; the
day's list fetched again now gives the new counts (rises marked "▲ +N since posted", in the
posted order) and the late additions (papers that joined the list since, that the topics
and threshold take). With no stored list for the day (`paperbot fetch` stores one), the
post is the list as it is now: the edit then shows no rises and there is no late addition.
The offline sample has a later snapshot of its newest day, which stands for "now" there.
Both show the Hugging Face artifacts the store has cached.
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import date

from bot.digest.build import build_digest, unique_papers
from bot.lifecycle.settle_plan import late_additions, late_digest, settled_digests
from bot.ports import DailySource, Store
from bot.records.digest import Digest
from bot.records.models import PaperArtifacts, Subscription


@dataclass(frozen=True, slots=True)
class SettledPost:
    posted: Digest  # the post as it went out (its layout is kept)
    settled: Digest  # what the edit shows
    late: Digest | None  # the late-additions reply, if any
    stored: bool  # whether the post came from a list older than now's (else: no rises)


async def settled_post(
    store: Store,
    daily: DailySource,
    subscription: Subscription,
    day: date,
    *,
    later: DailySource | None = None,
) -> SettledPost:
    """The post of `day` for `subscription`, settled on the list fetched now. `later`: a
    source that answers with the list as it stands later (the offline sample's settled
    snapshot), `daily` then standing for the post when the store has no list. Raises
    SourceError (the fetch), StoreError."""
    now_list = await (later or daily).daily(day)
    stored_list = await store.papers_listed_on(day)
    then_list = stored_list or (await daily.daily(day) if later is not None else now_list)
    artifacts = await cached_artifacts(store, [p.arxiv_id for p in unique_papers(now_list)])
    post = build_digest(day, then_list, subscription)
    posted_counts = [(e.paper.arxiv_id, e.paper.upvotes) for e in post.entries]
    # a paper gone from the list since keeps its posted self (settling reads the store)
    by_id = {e.paper.arxiv_id: e.paper for e in post.entries}
    by_id |= {p.arxiv_id: p for p in unique_papers(now_list)}
    then, now = settled_digests(day, posted_counts, by_id, subscription, artifacts)
    total_then, total_now = len(unique_papers(then_list)), len(unique_papers(now_list))
    listed = {p.arxiv_id for p in then_list}
    late = late_additions(now_list, listed, {i for i, _ in posted_counts}, subscription)
    return SettledPost(
        replace(then, total_candidates=total_then),
        replace(now, total_candidates=total_now),
        late_digest(day, late, subscription) if late else None,
        bool(stored_list) or later is not None,
    )


async def cached_artifacts(store: Store, arxiv_ids: list[str]) -> dict[str, PaperArtifacts]:
    found = await store.hf_artifacts(arxiv_ids)
    return {arxiv_id: cached.artifacts for arxiv_id, cached in found.items()}
