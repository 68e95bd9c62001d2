"""The imperative shell: fetch -> store -> build. Commands, the CLI and delivery call this.

Everything pure (matching, ranking, building) lives elsewhere; this module only sequences
I/O through the ports, so any store, source or clock can be plugged in.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Protocol

from bot.digest.day_lists import DayLists
from bot.digest.prepared import PreparedPapers
from bot.digest.search_match import holds_query, narrowed
from bot.ports import DailySource, LookupSource, Store
from bot.records.chat import ConnectionStatus
from bot.records.clock import Clock
from bot.records.digest import Digest
from bot.records.errors import SourceError, StoreError
from bot.records.models import (
    ChannelRef,
    ChannelSettings,
    DayList,
    FetchAttempt,
    FetchRecord,
    OfflineSample,
    Paper,
    SearchResults,
    Subscription,
)
from bot.schedule.daily import covered_day
from bot.storage.search.search_plan import parse_query

log = logging.getLogger(__name__)

# A search with filters asks the store for this many times the papers it shows: the store
# finds candidates by the names' words, and the filters (as topics match) drop some.
FILTERED_OVERFETCH = 5
# The look-up source is asked for this many times the papers shown, at most MAX_LOOKUP
# (one arXiv request either way): its own matching is looser, and the query drops some.
LOOKUP_OVERFETCH = 3
MAX_LOOKUP = 100

# Hugging Face publishes no list on weekends: Monday morning's latest list is Friday's.
LATEST_LIST_LOOKBACK_DAYS = 4
# While the source is down, `today` shows the newest list stored within this many days.
STORED_LIST_LOOKBACK_DAYS = 7


@dataclass(frozen=True, slots=True)
class StatusReport:
    now: datetime
    covered_day: date
    last_fetch: FetchRecord | None
    subscription: Subscription | None  # this channel's; None if never subscribed
    next_digest_at: datetime | None  # this channel's next post, aware
    last_digest: str | None  # e.g. "2026-08-21: posted 7 papers"
    paused_channels: int = 0  # how many channels are paused, this one included
    connections: tuple[ConnectionStatus, ...] = ()  # platforms holding a connection
    last_attempt: FetchAttempt | None = None  # the daily source's latest, failed or not
    sample: OfflineSample | None = None  # the run answers from the offline sample


class DeliveryInfo(Protocol):
    """What the delivery side knows about a channel, for `/papers status`."""

    async def next_for(self, channel: ChannelRef) -> datetime | None: ...

    async def last_for(self, channel: ChannelRef) -> str | None: ...


def unclosed_day(day: date, covered: date, today: date) -> str | None:
    """Why `day` has no complete list yet, or None once it has. `covered` is the latest
    closed day, `today` the UTC date now. `/papers today DAY` and `paperbot digest --date
    DAY` both answer with this."""
    if day > today:
        return f"{day.isoformat()} is in the future."
    if day > covered:
        return (
            f"The list for {day.isoformat()} is not complete yet; "
            f"the latest complete day is {covered.isoformat()}."
        )
    return None


class PaperService:
    """What the sources answer is kept in the store, unless the store is read-only (a
    command that only reads must not take, or wait for, the write lock)."""

    def __init__(
        self,
        store: Store,
        daily: DailySource,
        lookup: LookupSource,
        clock: Clock,
        *,
        defaults: ChannelSettings,
        day_cutoff_utc: time = time(3, 0),
    ) -> None:
        self.store = store
        self.daily = daily
        self.lookup = lookup
        self.clock = clock
        self.defaults = defaults
        self.day_cutoff_utc = day_cutoff_utc
        self._closed_empty: set[date] = set()  # closed days whose list was empty (weekends)
        # Digests for commands (`/papers today`) from each day prepared once a minute, in a
        # worker thread: parsed and matched on the event loop for every command, a 500-paper
        # day held up every other command's ack (docs/benchmarks.md, "Slash-command acks
        # through the real adapters").
        self._lists = DayLists(self.papers_for_day, clock)
        self.delivery: DeliveryInfo | None = None  # set by the runtime when delivery runs
        # Called after a user changes a channel's subscription (the scheduler reschedules).
        self.on_change: Callable[[ChannelRef], Awaitable[None]] | None = None
        # How the platforms' connections stand (set by the runtime), for `/papers status`.
        self.connections: Callable[[], tuple[ConnectionStatus, ...]] = tuple
        # Set (bot/app/bootstrap.py) when the papers come from the offline sample: replies
        # then say so, which days it holds, and that its clock stands still.
        self.sample: OfflineSample | None = None

    def covered_day(self) -> date:
        return covered_day(self.clock.now(), self.day_cutoff_utc)

    def why_not_closed(self, day: date) -> str | None:
        """Why `day`'s list cannot be shown as a digest yet (see `unclosed_day`), or None.
        On the offline sample: a day it does not hold."""
        now = self.clock.now()
        closed = covered_day(now, self.day_cutoff_utc)
        problem = unclosed_day(day, closed, now.astimezone(UTC).date())
        if problem is None and self.sample is not None and day not in self.sample.days:
            return (
                f"{day.isoformat()} is not in the offline sample; it holds the lists of "
                f"{self.sample.days_text()}."
            )
        return problem

    async def refresh_day(self, day: date) -> int:
        """Fetch the day's list from the daily source and store it. Raises SourceError."""
        count = len(await self.store_day(day))
        log.info("fetched %d papers listed on %s from %s", count, day, self.daily.name)
        return count

    async def store_day(self, day: date) -> DayList:
        """`refresh_day` without its log line: a backfill sums up its empty days at the end.
        A read-only store (a reading command) keeps nothing. The day's papers, and how many
        items the source sent that could not be read (left out, and counted in the fetch)."""
        return await self._fetch_day(day)

    async def _fetch_day(self, day: date) -> DayList:
        try:
            papers = await self.daily.daily(day)
        except SourceError as exc:
            await self._attempted(day, str(exc))
            raise
        if not self.store.read_only:
            await self.store.upsert_papers(papers)
            await self.store.record_fetch(day, len(papers), self.clock.now(), papers.skipped)
            await self._attempted(day, None)
        self._lists.forget(day)
        return papers

    async def _attempted(self, day: date, error: str | None) -> None:
        """Keep this attempt for `status` (every worker's), failed or not."""
        if self.store.read_only:
            return
        attempt = FetchAttempt(self.daily.name, day, self.clock.now(), error)
        try:
            await self.store.record_fetch_attempt(attempt)
        except StoreError as exc:  # the fetch's own outcome matters more than its record
            log.warning("could not record the fetch attempt for %s: %s", day, exc)

    async def papers_for_day(self, day: date) -> list[Paper]:
        """The stored list for `day`, fetched first if the store has none of it."""
        papers = await self.store.papers_listed_on(day)
        if papers or day in self._closed_empty:
            return papers
        fetched = await self._fetch_day(day)
        log.info("fetched %d papers listed on %s from %s", len(fetched), day, self.daily.name)
        papers = fetched if self.store.read_only else await self.store.papers_listed_on(day)
        if not papers and day <= self.covered_day():
            self._closed_empty.add(day)  # a closed list never grows: do not ask again
        return papers

    async def digest_for(
        self, channel: ChannelRef, day: date | None = None, *, exclude_posted: bool = False
    ) -> Digest:
        """The channel's digest for `day` (default: the latest closed day).

        `exclude_posted` drops papers already posted in the channel (scheduled delivery);
        a user asking for a day's digest sees the whole of it.
        """
        subscription = await self.subscription_or_default(channel)
        return await self.digest_of(subscription, day, exclude_posted=exclude_posted)

    async def digest_of(
        self, subscription: Subscription, day: date | None = None, *, exclude_posted: bool = False
    ) -> Digest:
        """The digest a subscription (stored or not) gets for `day`; without a day, the
        latest closed day that has a list (Monday morning: Friday's, not Sunday's empty one)."""
        if day is None:
            day, prepared = await self._latest_list()
        else:
            prepared = await self._lists.prepared(day)
        channel = subscription.channel
        posted = await self.store.posted_paper_ids(channel) if exclude_posted else set()
        return prepared.build(day, subscription, already_posted=posted)

    async def stored_digest_for(self, channel: ChannelRef) -> Digest | None:
        """The channel's digest of the newest list the store holds (within a week), never
        asking the source: what `today` shows while the source is down. None if none."""
        return await self.stored_digest_of(await self.subscription_or_default(channel))

    async def stored_digest_of(self, subscription: Subscription) -> Digest | None:
        """`stored_digest_for` a subscription stored or not (the CLI's)."""
        newest = self.covered_day()
        for back in range(STORED_LIST_LOOKBACK_DAYS):
            day = newest - timedelta(days=back)
            if await self.store.papers_listed_on(day):
                return await self.digest_of(subscription, day)
        return None

    async def _latest_list(self) -> tuple[date, PreparedPapers]:
        """The newest closed day with papers, looking back over a weekend and a holiday."""
        newest = self.covered_day()
        for back in range(LATEST_LIST_LOOKBACK_DAYS):
            prepared = await self._lists.prepared(newest - timedelta(days=back))
            if prepared.papers:
                return newest - timedelta(days=back), prepared
        return newest, PreparedPapers(())  # the digest says no papers were listed that day

    async def search(self, query: str, limit: int = 10) -> SearchResults:
        """Search the store; when it knows nothing, ask the lookup source (arXiv).

        One reading of the query holds at every step (`parse_query`): a query with nothing
        to look for (only exclusions) finds nothing, never "everything"; the store's papers
        pass the author:, org: and kw: filters as topics match them; the look-up source's
        pass the whole query (`search_match`), since its own matching is not ours. Those
        count as exact: they hold every word.
        """
        plan = parse_query(query)
        if plan.is_empty or limit < 1:
            return SearchResults()
        asked = limit * FILTERED_OVERFETCH if plan.filters else limit
        found = narrowed(await self.store.search(query, asked), plan, limit)
        if found:
            return found
        remote = await self.lookup.search(query, min(limit * LOOKUP_OVERFETCH, MAX_LOOKUP))
        kept = [paper for paper in remote if holds_query(paper, plan)][:limit]
        if kept and not self.store.read_only:
            await self.store.upsert_papers(kept)
        return SearchResults(exact=tuple(kept))

    async def show(self, arxiv_id: str) -> Paper | None:
        """One paper: the store's copy (it has the HF counts), else arXiv's."""
        paper = await self.store.get_paper(arxiv_id)
        if paper is not None:
            return paper
        paper = await self.lookup.get(arxiv_id)
        if paper is not None and not self.store.read_only:
            await self.store.upsert_papers([paper])
        return paper

    async def get_subscription(self, channel: ChannelRef) -> Subscription | None:
        return await self.store.get_subscription(channel)

    async def subscription_or_default(self, channel: ChannelRef) -> Subscription:
        found = await self.store.get_subscription(channel)
        return found or Subscription(channel=channel, settings=self.defaults)

    async def save_subscription(self, subscription: Subscription) -> None:
        """Save a user's change. It resumes a paused channel: the command came from there."""
        await self.store.save_subscription(replace(subscription, paused_reason=None))
        await self._changed(subscription.channel)

    async def delete_subscription(self, channel: ChannelRef) -> None:
        await self.store.delete_subscription(channel)
        await self._changed(channel)

    async def _changed(self, channel: ChannelRef) -> None:
        if self.on_change is not None:
            await self.on_change(channel)

    async def status(self, channel: ChannelRef) -> StatusReport:
        # One counting query, not every subscription loaded and scanned: that work grew with
        # the subscriptions and ran on the event loop, holding up every other command's ack
        # (docs/benchmarks.md, "Digest and commands").
        _, paused = await self.store.count_subscriptions()
        delivery = self.delivery
        return StatusReport(
            now=self.clock.now(),
            covered_day=self.covered_day(),
            last_fetch=await self.store.last_fetch(),
            subscription=await self.store.get_subscription(channel),
            next_digest_at=await delivery.next_for(channel) if delivery else None,
            last_digest=await delivery.last_for(channel) if delivery else None,
            paused_channels=paused,
            connections=self.connections(),
            last_attempt=await self.store.last_fetch_attempt(),
            sample=self.sample,
        )

    async def try_refresh(self, day: date) -> int | None:
        """`refresh_day` that logs a source failure instead of raising (for background use)."""
        try:
            return await self.refresh_day(day)
        except SourceError as exc:
            log.warning("could not fetch the list for %s: %s", day, exc)
            return None
