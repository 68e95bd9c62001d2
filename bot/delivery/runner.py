"""Delivery: turn the schedule into delivery records, claim them, post them, record the outcome.

`DeliveryRunner.run_due()` is the whole cycle, safe to call at any time and from a restart:

1. plan: for every active subscription, the occurrences due since its latest record
   (`bot.schedule.daily.due_posts`) become records: pending, or missed when older than the grace.
2. fan out: per platform, `config.concurrency` workers (0: the platform's `digests_at_once`,
   derived from its rate limits) each claim one due record at a time
   (`Store.claim_due_deliveries`, with a lease), so a slow or failing channel holds up only
   its own worker, and a platform's rate limit is handled by its adapter.
3. post: build the digest (papers already posted in the channel are left out, except those
   an earlier attempt of this same record set out to post), save those paper ids, post with
   the record's idempotency key, record the post, mark the record posted.

A crash anywhere leaves a claimed record whose lease expires; the next claim posts again with
the same key, skipping the messages the record saved as accepted (bot/delivery/parts.py),
and the platform answers a message it has already (by that key) with the earlier one.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import replace
from datetime import date, datetime, timedelta
from typing import Protocol

from bot.config.load import DeliveryConfig
from bot.delivery.parts import AttemptRecord
from bot.delivery.periods import PeriodDigests, period_source_of
from bot.delivery.plan import plan_deliveries
from bot.delivery.state import describe
from bot.delivery.worker import DEFAULT_LEASE, LeasedRunner, LeaseLost, error_text
from bot.digest.run_papers import LoadArtifacts, RunPapers
from bot.ports import ChatPlatform, Store
from bot.records.clock import Clock
from bot.records.delivery import Delivery, EmptyReason
from bot.records.digest import Digest
from bot.records.errors import (
    MessageRejected,
    PermanentPlatformError,
    PlatformError,
    SourceError,
    StoreError,
)
from bot.records.models import Cadence, ChannelRef, Paper, PostReceipt, Subscription
from bot.schedule.cadence import next_post
from bot.schedule.daily import MAX_LOOKBACK, WEEKEND, covered_day, days_between

log = logging.getLogger(__name__)

RETRY_BASE = timedelta(seconds=30)
RETRY_CAP = timedelta(hours=1)

# A hook called at each named step: "planned" (no delivery), then per post "claimed",
# "frozen", per message "part-accepted" and "part-recorded" (bot/delivery/parts.py),
# "accepted", "recorded", "done". The crash tests kill the process there.
StepHook = Callable[[str, Delivery | None], None]
Sleep = Callable[[float], Awaitable[None]]


class DayRefresher(Protocol):
    """What delivery needs from PaperService: fetch a closed day's list into the store."""

    async def refresh_day(self, day: date) -> int:
        """Fetch and store the list for `day`; returns its size. Raises SourceError."""
        ...


class DeliveryRunner(LeasedRunner[[str, Delivery | None]]):
    def __init__(
        self,
        store: Store,
        service: DayRefresher,
        platforms: Mapping[str, ChatPlatform],
        clock: Clock,
        config: DeliveryConfig,
        *,
        worker: str | None = None,
        lease: timedelta = DEFAULT_LEASE,
        on_step: StepHook | None = None,
        sleep: Sleep = asyncio.sleep,
        artifacts: LoadArtifacts
        | None = None,  # bot/lifecycle/artifacts.py ArtifactsRunner.for_papers
    ) -> None:
        super().__init__(
            store, platforms, clock, config, worker=worker, lease=lease, on_step=on_step
        )
        self.service = service
        self._sleep = sleep
        self._refreshed: dict[date, asyncio.Task[int]] = {}
        self._run_papers = RunPapers(self._papers, artifacts)  # each day read once per run
        self._periods = PeriodDigests(store, period_source_of(service))  # weekly, monthly
        self._run_lock = asyncio.Lock()

    # -- the cycle ---------------------------------------------------------------------

    async def run_due(self) -> Counter[str]:
        """Plan, then post everything due now; returns how many records ended in each state."""
        async with self._run_lock:
            await self.plan()
            self._step("planned", None)
            return await self._drain_all()

    async def drain(self) -> Counter[str]:
        """Post what is due without planning: what a worker that is not the leader does."""
        async with self._run_lock:
            return await self._drain_all()

    async def _drain_all(self) -> Counter[str]:
        outcomes: Counter[str] = Counter()
        self._run_papers.clear()
        self._periods.clear()
        try:
            await asyncio.gather(*(self._drain(name, outcomes) for name in self.platforms))
        finally:
            self._run_papers.clear()
        return outcomes

    async def plan(self) -> int:
        """Create the records of every occurrence due by now; returns how many were new."""
        return await plan_deliveries(
            self.store,
            self.platforms,
            self.clock.now(),
            grace=self._grace,
            day_cutoff_utc=self.config.day_cutoff_utc,
        )

    async def wait_idle(self) -> None:
        """Return once no `run_due` is running."""
        async with self._run_lock:
            return

    async def post_now(self, channel: ChannelRef) -> Delivery | None:
        """Post the channel's digest for the latest closed day now. A record of that day
        recorded as empty is evaluated again (its topics or list may have changed); any other
        existing record is returned as it is. None if the channel is not subscribed."""
        subscription = await self.store.get_subscription(channel)
        if subscription is None:
            return None
        now = self.clock.now()
        day = covered_day(now, self.config.day_cutoff_utc)
        latest = await self.store.latest_deliveries(channel, 1)
        after = latest[0].day if latest else day - timedelta(days=1)
        # a channel back after months away: not one fetch per day since (as the planner)
        days = _span(max(after, day - MAX_LOOKBACK), day, subscription)
        if not await self.store.create_delivery(Delivery(channel, day, now, days)):
            await self.store.reopen_delivery(channel, day, now)  # never a posted one
        claimed = await self.store.claim_due_deliveries(
            now, self.worker, limit=1, lease=self.lease, channel=channel
        )
        self._run_papers.clear()  # this one post reads the lists as they are now
        for delivery in claimed:
            await self._process(delivery)
        return await self.store.get_delivery(channel, day)

    # -- status ------------------------------------------------------------------------

    async def next_for(self, channel: ChannelRef) -> datetime | None:
        """When the channel's next digest (or retry) is due; None if unsubscribed or paused."""
        subscription = await self.store.get_subscription(channel)
        if subscription is None or subscription.paused_reason:
            return None
        now = self.clock.now()
        upcoming = next_post(subscription.settings, now, self.config.day_cutoff_utc)
        latest = await self.store.latest_deliveries(channel, 1)
        retry = latest[0].next_try_at if latest and not latest[0].is_final else None
        return min(upcoming, retry) if retry else upcoming

    async def last_for(self, channel: ChannelRef) -> str | None:
        """The channel's latest record of each cadence, e.g. "2024-05-09: posted 7 papers"."""
        found = [await self.store.latest_deliveries(channel, 1, c) for c in Cadence]
        return "; ".join(describe(latest[0]) for latest in found if latest) or None

    # -- the fan-out -------------------------------------------------------------------

    @property
    def _grace(self) -> timedelta:
        return timedelta(hours=self.config.grace_hours)

    async def _drain(self, platform: str, outcomes: Counter[str]) -> None:
        width = self.config.concurrency or self.platforms[platform].digests_at_once
        workers = [self._work(platform, outcomes) for _ in range(width)]
        await asyncio.gather(*workers)

    async def _work(self, platform: str, outcomes: Counter[str]) -> None:
        while not self._stopping:
            try:
                claimed = await self.store.claim_due_deliveries(
                    self.clock.now(), self.worker, limit=1, lease=self.lease, platform=platform
                )
            except StoreError:  # end this worker only: the run must wait for the others' posts
                log.exception("could not claim a %s delivery; the next run tries again", platform)
                return
            if not claimed:
                return
            outcomes[await self._process(claimed[0])] += 1

    async def _process(self, delivery: Delivery) -> str:
        """One claimed record to its outcome; never raises (one channel never stops others)."""
        self._step("claimed", delivery)
        if delivery.attempts > self.config.max_attempts:
            return await self._give_up_unfinished(delivery)
        record = AttemptRecord(delivery, self._save, self._step)
        try:
            return await self._attempt(record)
        except LeaseLost:
            log.warning("lost the lease on %s %s", delivery.channel.key, delivery.day)
            return "lease-lost"
        except PermanentPlatformError as exc:
            return await self._pause(record.delivery, exc.reason)
        except MessageRejected as exc:  # retrying the same body cannot help
            log.error("giving up on %s %s: %s", delivery.channel.key, delivery.day, exc)
            return await self._end(record.delivery.failed(error_text(exc), None))
        except (PlatformError, SourceError) as exc:
            return await self._retry_later(record.delivery, exc)
        except Exception as exc:  # a bug or a store failure: log it, keep the fan-out going
            log.exception("delivery to %s failed unexpectedly", delivery.channel.key)
            return await self._retry_later(record.delivery, exc)

    async def _attempt(self, record: AttemptRecord) -> str:
        delivery = record.delivery
        subscription = await self.store.get_subscription(delivery.channel)
        if subscription is None:
            return await self._end(delivery.empty(EmptyReason.UNSUBSCRIBED))
        if subscription.paused_reason:
            return await self._end(delivery.paused(subscription.paused_reason))
        digest, reason = await self._digest(delivery, subscription)
        if reason is not None:
            return await self._end(delivery.empty(reason))
        ids = tuple(dict.fromkeys(delivery.paper_ids + _paper_ids(digest)))
        # a fresh lease for the post: fetching the lists may have used up most of the claim's
        lease_until = self.clock.now() + self.lease
        delivery = await record.update(
            lambda d: replace(d.with_papers(ids), lease_until=lease_until)
        )
        self._step("frozen", delivery)
        platform = self.platforms[delivery.channel.platform]
        posting = platform.post_digest(
            delivery.channel,
            digest,
            idempotency_key=delivery.idempotency_key,
            first_attempt=delivery.attempts <= 1,  # attempts counts claims, this one included
            posted=delivery.posted_parts,
            on_accepted=record.accepted,
        )
        receipt = await self._keeping_lease(record, posting)
        self._step("accepted", record.delivery)
        await self.store.record_post(receipt, delivery.day, ids, delivery.cadence)
        self._step("recorded", record.delivery)
        result = await self._end(record.delivery.posted(receipt))
        log.info("posted %d papers to %s for %s", len(ids), delivery.channel.key, delivery.day)
        return result

    async def _keeping_lease(
        self, record: AttemptRecord, post: Awaitable[PostReceipt]
    ) -> PostReceipt:
        """Await the post, renewing the lease every third of it: a post slowed by rate limits
        must not let another worker claim the record and post it a second time."""
        posting = asyncio.ensure_future(post)
        pause: asyncio.Future[None] | None = None
        try:
            while True:
                pause = asyncio.ensure_future(self._sleep(self.lease.total_seconds() / 3))
                await asyncio.wait({posting, pause}, return_when=asyncio.FIRST_COMPLETED)
                if posting.done():
                    return posting.result()
                try:
                    await record.renew(self.clock.now() + self.lease)
                except StoreError:  # the post goes on; a later renewal may still land
                    log.warning("could not renew the lease on %s", record.delivery.channel.key)
        finally:
            posting.cancel()  # a no-op unless we lost the lease or were cancelled ourselves
            if pause is not None:
                pause.cancel()

    async def _digest(
        self, delivery: Delivery, subscription: Subscription
    ) -> tuple[Digest, str | None]:
        """The digest to post, or the reason there is none."""
        if delivery.cadence is not Cadence.DAILY:
            return await self._periods.digest(delivery, subscription)
        papers = await self._run_papers.prepared(delivery.days)
        already = await self.store.posted_paper_ids(delivery.channel) - set(delivery.paper_ids)
        digest = papers.build(delivery.day, subscription, already_posted=already)
        digest = replace(digest, since=min(delivery.days, default=None))
        if not digest.is_empty:
            return digest, None
        if not papers.papers:
            weekend = all(d.weekday() in WEEKEND for d in delivery.days)
            return digest, EmptyReason.WEEKEND if weekend else EmptyReason.NO_LIST
        return digest, digest.empty_reason or EmptyReason.NO_MATCH

    async def _papers(self, day: date) -> list[Paper]:
        """The day's list, refreshed from the source once per process (weekends: stored only)."""
        if day.weekday() not in WEEKEND:
            task = self._refreshed.get(day)
            if task is None or (task.done() and task.exception() is not None):
                task = asyncio.ensure_future(self.service.refresh_day(day))
                self._refreshed[day] = task
            try:
                await asyncio.shield(task)
            except SourceError:
                stored = await self.store.papers_listed_on(day)
                if not stored:
                    raise
                log.warning("using the stored list for %s: the source failed", day)
                return stored
        return await self.store.papers_listed_on(day)

    # -- outcomes ----------------------------------------------------------------------

    async def _pause(self, delivery: Delivery, reason: str) -> str:
        log.warning("pausing %s: the platform said %s", delivery.channel.key, reason)
        try:
            subscription = await self.store.get_subscription(delivery.channel)
            if subscription is not None:
                await self.store.save_subscription(replace(subscription, paused_reason=reason))
        except StoreError:  # the record still ends paused; the next digest pauses it again
            log.exception("could not pause the subscription of %s", delivery.channel.key)
        return await self._end(delivery.paused(reason))

    async def _give_up_unfinished(self, delivery: Delivery) -> str:
        """Errors stop at max_attempts, so only re-claims of records whose workers died get
        past it: a digest that kills the process every time must not do so forever."""
        unfinished = delivery.attempts - 1
        log.error("giving up on %s %s: %d attempts never finished", *_ids(delivery), unfinished)
        return await self._end(delivery.failed(f"{unfinished} attempts never finished", None))

    async def _retry_later(self, delivery: Delivery, error: Exception) -> str:
        text = error_text(error)
        if delivery.attempts >= self.config.max_attempts:
            log.error("giving up on %s %s: %s", delivery.channel.key, delivery.day, text)
            if isinstance(error, SourceError):
                return await self._end(delivery.empty(EmptyReason.FEED_NOT_READY))
            return await self._end(delivery.failed(text, None))
        delay = min(RETRY_BASE * 2 ** max(delivery.attempts - 1, 0), RETRY_CAP)
        log.warning("will retry %s in %s: %s", delivery.channel.key, delay, text)
        return await self._end(delivery.failed(text, self.clock.now() + delay))

    async def _end(self, delivery: Delivery) -> str:
        try:
            await self._save(delivery)
        except LeaseLost:
            return "lease-lost"
        except StoreError:  # the record stays claimed; its lease expiry brings it back
            log.exception("could not record the outcome for %s", delivery.channel.key)
            return "store-error"
        self._step("done", delivery)
        return delivery.state.value

    async def _save(self, delivery: Delivery) -> None:
        if not await self.store.save_delivery(delivery, worker=self.worker):
            raise LeaseLost


def _span(after: date, day: date, subscription: Subscription) -> tuple[date, ...]:
    """The days in (after, day], as the channel's weekday policy covers them; `day` itself
    when `after` is not before it (an operator's post-now for a day already recorded)."""
    after = min(after, day - timedelta(days=1))
    return days_between(after, day, subscription.settings.weekday_policy)


def _paper_ids(digest: Digest) -> tuple[str, ...]:
    return tuple(entry.paper.arxiv_id for entry in digest.entries)


def _ids(delivery: Delivery) -> tuple[str, str]:
    return delivery.channel.key, delivery.day.isoformat()
