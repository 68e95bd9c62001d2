"""Weekly and monthly digests: the period's list ranked by its settled upvotes, then the
channel's own top votes. The daily path is DeliveryRunner's; this is the same contract for
records whose cadence is not daily (`PeriodDigests.digest` returns a digest or the reason
there is none).

The papers come from Hugging Face's week or month list (`week=2026-W34`, `month=2026-08`),
fetched after the period closed, so its upvotes have settled; they are stored (counts only,
no day listing) so buttons and look-ups know them. If the source fails, the stored day lists
of the period stand in, with the counts the store has. The channel's topics, minimum upvotes
and cap apply as for a daily digest; a paper an earlier digest of the same cadence posted in
the channel is left out (a daily digest's papers are not: the best of the week may repeat
them). Then up to `TOP_VOTES` papers with the most 👍 cast in the channel during the period
(UTC days: a catch-up posted late leaves out the votes cast after the period), each saying
so, when there are votes.
"""

from __future__ import annotations

import asyncio
import logging
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from typing import Protocol, runtime_checkable

from bot.digest.prepared import PreparedPapers
from bot.digest.summary import summarize
from bot.ports import Store
from bot.records.delivery import Delivery, EmptyReason
from bot.records.digest import Digest, DigestEntry
from bot.records.errors import SourceError
from bot.records.models import Cadence, Paper, Subscription
from bot.schedule.cadence import Period, period_containing

log = logging.getLogger(__name__)

TOP_VOTES = 5
DEFINITION = (
    "Best of the {noun} = the {noun}'s Hugging Face Daily Papers ordered by their upvotes "
    "now (ties: comments, then GitHub stars), then this channel's top votes (👍)"
)


@runtime_checkable
class PeriodSource(Protocol):
    async def period(self, period: Period) -> list[Paper]:
        """The week's or month's papers. Raises SourceError."""
        ...


def period_source_of(service: object) -> PeriodSource | None:
    """The service's daily source if it can list a period (Hugging Face can; the offline
    sample cannot, and its stored day lists stand in)."""
    source = getattr(service, "daily", None)
    return source if isinstance(source, PeriodSource) else None


class PeriodDigests:
    def __init__(self, store: Store, source: PeriodSource | None) -> None:
        self._store = store
        self._source = source
        self._lists: dict[Period, asyncio.Future[list[Paper]]] = {}  # one fetch per run
        self._prepared: dict[Period, PreparedPapers] = {}  # and one ranking index per run

    def clear(self) -> None:
        """Forget the lists fetched: the next run asks the source again."""
        self._lists.clear()
        self._prepared.clear()

    async def digest(
        self, delivery: Delivery, subscription: Subscription
    ) -> tuple[Digest, str | None]:
        """The record's digest, or the reason there is none. Raises SourceError when neither
        the source nor the store has the period's papers."""
        period = period_containing(delivery.cadence, delivery.day)
        prepared = await self._shared_prepared(period)
        papers = prepared.papers
        channel, cadence = delivery.channel, delivery.cadence
        already = await self._store.posted_paper_ids(channel, cadence) - set(delivery.paper_ids)
        ranked = prepared.build(period.end, subscription, already_posted=already)
        shown = {entry.paper.arxiv_id for entry in ranked.entries} | already
        voted = await self._top_votes(subscription, period, shown, len(ranked.entries))
        noun = "week" if cadence is Cadence.WEEKLY else "month"
        digest = replace(
            ranked,
            entries=ranked.entries + voted,
            heading=f"Best papers of {period.title}",
            trending_definition=DEFINITION.format(noun=noun),
        )
        if not digest.is_empty:
            return digest, None
        if not papers:
            return digest, EmptyReason.NO_LIST
        return digest, ranked.empty_reason or EmptyReason.NO_MATCH

    async def _shared_prepared(self, period: Period) -> PreparedPapers:
        """The period's papers, indexed for ranking once for every channel of the run
        (indexing them again for each channel was where a weekly run's time went:
        docs/benchmarks.md, "Clicks and weekly digests")."""
        papers = await self._shared_papers(period)
        prepared = self._prepared.get(period)
        if prepared is None:
            prepared = self._prepared[period] = PreparedPapers(papers)
        return prepared

    async def _shared_papers(self, period: Period) -> list[Paper]:
        """`_papers`, loaded once for every channel of the run (a failed load is not kept)."""
        loading = self._lists.get(period)
        if loading is None:
            loading = self._lists[period] = asyncio.ensure_future(self._papers(period))
        try:
            return await asyncio.shield(loading)
        except SourceError:
            if self._lists.get(period) is loading:
                del self._lists[period]
            raise

    async def _papers(self, period: Period) -> list[Paper]:
        if self._source is not None:
            try:
                papers = await self._source.period(period)
            except SourceError:
                log.warning("using the stored lists for %s: the source failed", period.label)
            else:
                await self._store.upsert_papers(papers)
                return papers
        stored = [paper for day in period.days for paper in await self._store.papers_listed_on(day)]
        if not stored and self._source is not None:
            raise SourceError(f"no list for {period.label}")
        return stored

    async def _top_votes(
        self, subscription: Subscription, period: Period, shown: set[str], ranked: int
    ) -> tuple[DigestEntry, ...]:
        since = datetime.combine(period.start, time(0, 0), tzinfo=UTC)
        # the votes cast in the period: a catch-up posted days late counts no later ones
        until = datetime.combine(period.end + timedelta(days=1), time(0, 0), tzinfo=UTC)
        key = await self._store.vote_key(subscription.channel.key)
        top = await self._store.top_voted(key, since, TOP_VOTES + len(shown), until)
        entries: list[DigestEntry] = []
        for paper, count in top:
            if paper.arxiv_id in shown or len(entries) >= TOP_VOTES:
                continue
            why = f"this channel's top votes: {count} 👍"
            entries.append(DigestEntry(ranked + len(entries) + 1, paper, summarize(paper), (why,)))
        return tuple(entries)
