"""Follow-ups in a digest's thread: the I/O shell around bot/lifecycle/followup_plan.py.

`FollowupRunner.run_due()` is one pass, run by the scheduler's sweep after the day's digests
and after settling (whose re-fetched day lists bring the store's GitHub repos and stars up
to date), so a follow-up never delays a digest:

1. detect: for every paper posted in the last `followup_days` in a channel with follow-ups
   on, compare the paper as the store knows it now with what the last pass saw; record each
   event once per channel that posted it (the store ignores a key it holds), then remember
   what was seen. A crash in between detects the same events again, which changes nothing.
2. reply: per channel and digest thread, the events not yet in a reply are given one reply
   key (saved before posting; a key is never given to a second batch). A worker leases the
   batch (like a delivery: no other worker posts it while the lease runs), posts it as one
   short reply with that key, and records the reply's id under its lease. A retry after a
   crash (once the lease expired) posts with the same key, which the platform recognises
   (Slack: metadata found in the thread; Discord: the nonce), so an event is replied at
   most once. A batch tried `max_attempts` times (a lease apart) is given up.

The first look at a paper (in the sweep that posted it) records only the baseline.
arXiv versions come from the arXiv source's batched `id_list` look-up (100 ids a request,
one request every 3 s), at most every `VERSIONS_EVERY`, not every sweep. A first model,
dataset or Space comes from the artifacts cache (bot/lifecycle/artifacts.py), which the sweep
refreshes for posted papers just before this pass; a paper never looked up has no baseline and so no
event until one look-up has been seen.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter, defaultdict
from collections.abc import Callable, Iterator, Mapping, Sequence
from datetime import datetime, timedelta
from typing import Protocol, runtime_checkable

from bot.config.load import DeliveryConfig
from bot.delivery.lanes import DigestLane
from bot.delivery.worker import DEFAULT_LEASE, LeasedRunner
from bot.lifecycle.followup_plan import changes, reply_text
from bot.ports import ChatPlatform, Store
from bot.records.clock import Clock
from bot.records.delivery import Delivery
from bot.records.digest import Digest
from bot.records.errors import (
    MessageGone,
    PermanentPlatformError,
    PlatformError,
    SourceError,
    StoreError,
)
from bot.records.followups import FollowupEvent, Seen, reply_key
from bot.records.models import ChannelRef, Paper, Subscription

log = logging.getLogger(__name__)

# Named steps, for the crash tests: "followup-recorded", "followup-keyed",
# "followup-claimed", "followup-accepted", "followup-sent".
FollowupStep = Callable[[str], None]
GONE = ""  # the message id recorded for a reply whose thread is gone: never retried
VERSIONS_EVERY = timedelta(hours=6)  # arXiv versions change rarely; its API is slow


@runtime_checkable
class VersionLookup(Protocol):
    """arXiv's latest versions (bot/sources/arxiv.py `ArxivSource.versions`)."""

    async def versions(self, arxiv_ids: Sequence[str]) -> dict[str, int]:
        """The latest version of each paper known, by bare id. Raises SourceError."""
        ...


class FollowupRunner(LeasedRunner[[str]]):
    def __init__(
        self,
        store: Store,
        platforms: Mapping[str, ChatPlatform],
        clock: Clock,
        config: DeliveryConfig,
        *,
        versions: VersionLookup | None = None,
        worker: str | None = None,
        lease: timedelta = DEFAULT_LEASE,
        on_step: FollowupStep | None = None,
        lane: DigestLane | None = None,
    ) -> None:
        super().__init__(
            store, platforms, clock, config, worker=worker, lease=lease, on_step=on_step
        )
        self.versions = versions
        self.lane = lane or DigestLane()  # the digests' (bot/delivery/lanes.py): they go first
        self._versions_at: datetime | None = None  # the last look-up (memory: a restart asks)

    async def run_due(self) -> Counter[str]:
        """Detect, record and reply; how many events were new and replies were posted."""
        outcomes: Counter[str] = Counter()
        if not self.config.followup_days:
            return outcomes
        since = self.clock.now() - timedelta(days=self.config.followup_days)
        try:
            posts = await self._recent_posts(since)
            outcomes["events"] += await self._detect(posts)
            outcomes["replies"] += await self._reply(since, posts)
        except StoreError:
            log.exception("follow-ups stopped for this pass; the next one tries again")
        return +outcomes

    async def _recent_posts(self, since: datetime) -> dict[str, list[Delivery]]:
        """Posted digests since `since` of channels with follow-ups on, by channel key."""
        subscriptions = {s.channel.key: s for s in await self.store.list_subscriptions()}
        posts: dict[str, list[Delivery]] = defaultdict(list)
        for delivery in await self.store.deliveries_posted_since(since):
            subscription = subscriptions.get(delivery.channel.key)
            on = _follows(subscription) and delivery.channel.platform in self.platforms
            if on and delivery.message_ids and delivery.message_ids[0]:
                posts[delivery.channel.key].append(delivery)
        return posts

    # -- detect ------------------------------------------------------------------------

    async def _detect(self, posts: Mapping[str, Sequence[Delivery]]) -> int:
        threads = _latest_post_per_paper(posts)
        ids = sorted({arxiv_id for (_, arxiv_id) in threads})
        before = await self.store.followups_seen(ids)
        now = self.clock.now()
        versions = await self._latest_versions(ids, now)
        cached = await self.store.hf_artifacts(ids)
        events: list[FollowupEvent] = []
        seen: list[Seen] = []
        for arxiv_id in ids:
            paper = await self.store.get_paper(arxiv_id)
            if paper is None:
                continue
            artifacts = cached.get(arxiv_id)
            current = Seen.of(
                paper, versions.get(arxiv_id), artifacts.artifacts if artifacts else None
            )
            last = before.get(arxiv_id)
            if last is not None:
                events += _addressed(last, current, paper, threads, now)
            seen.append(last.merged(current) if last is not None else current)
        new = await self.store.record_followup_events(events)
        self._step("followup-recorded")
        await self.store.save_followups_seen(seen, now)
        return new

    async def _latest_versions(self, ids: Sequence[str], now: datetime) -> dict[str, int]:
        """arXiv's versions when a look-up is due; {} (nothing known) otherwise."""
        if self.versions is None or not ids:
            return {}
        if self._versions_at is not None and now - self._versions_at < VERSIONS_EVERY:
            return {}
        self._versions_at = now
        try:
            return await self.versions.versions(ids)
        except SourceError as exc:
            log.warning("arXiv versions unknown this pass: %s", exc)
            return {}

    # -- reply -------------------------------------------------------------------------

    async def _reply(self, since: datetime, posts: Mapping[str, Sequence[Delivery]]) -> int:
        events = await self.store.followup_events_since(since)
        if await self._key_new_batches(events, posts):
            events = await self.store.followup_events_since(since)
        batches: dict[tuple[ChannelRef, str], list[FollowupEvent]] = defaultdict(list)
        for event in events:
            if event.reply_key and event.message_id is None and event.channel.key in posts:
                batches[(event.channel, event.reply_key)].append(event)
        queues: dict[str, list[tuple[ChannelRef, str, list[FollowupEvent]]]] = defaultdict(list)
        for (channel, key), batch in sorted(batches.items(), key=lambda b: b[0][0].key):
            queues[channel.platform].append((channel, key, batch))
        workers = []
        for queue in queues.values():  # each platform's own replies, at its own pace
            shared = iter(queue)  # its workers take the next batch in turn
            workers += [self._post_all(shared) for _ in range(self.config.settle_concurrency)]
        return sum(await asyncio.gather(*workers))

    async def _post_all(self, queue: Iterator[tuple[ChannelRef, str, list[FollowupEvent]]]) -> int:
        """One worker: replies from the platform's queue (shared with its other workers)."""
        posted = 0
        for channel, key, batch in queue:
            if self._stopping:
                break
            posted += await self._post(channel, key, batch)
        return posted

    async def _key_new_batches(
        self, events: Sequence[FollowupEvent], posts: Mapping[str, Sequence[Delivery]]
    ) -> bool:
        """Give each thread's events that are in no reply yet one new reply key."""
        by_thread: dict[tuple[ChannelRef, str], list[FollowupEvent]] = defaultdict(list)
        for event in events:
            if event.channel.key in posts:
                by_thread[(event.channel, event.thread_of)].append(event)
        keyed = False
        for (channel, thread_of), thread in by_thread.items():
            if all(e.reply_key for e in thread):
                continue
            batches = len({e.reply_key for e in thread if e.reply_key})
            key = reply_key(thread[0].delivery_key, batches + 1)
            keyed |= await self.store.assign_followup_reply(channel, thread_of, key) > 0
            self._step("followup-keyed")
        return keyed

    async def _post(self, channel: ChannelRef, key: str, batch: Sequence[FollowupEvent]) -> int:
        """One reply for the batch under a lease; 1 if posted (or found posted), 0 if not
        this pass (another worker holds it, or the platform said try later)."""
        await self.lane.behind_digests()
        claims = await self.store.claim_followup_reply(
            channel, key, self.worker, self.clock.now(), lease=self.lease
        )
        if not claims:
            return 0
        first = batch[0]
        if claims > self.config.max_attempts:  # failed or died that often: give it up
            log.error("giving up the follow-up reply %s in %s", key, channel.key)
            await self._finish(channel, key, GONE)
            return 0
        self._step("followup-claimed")
        digest = Digest(day=first.day, entries=(), heading=reply_text(batch))
        try:
            message_id = await self.platforms[channel.platform].post_reply(
                channel, first.thread_of, digest, idempotency_key=key, first_attempt=claims == 1
            )
        except (MessageGone, PermanentPlatformError) as exc:
            log.info("follow-ups for %s %s end: %s", channel.key, first.day, exc)
            await self._finish(channel, key, GONE)
            return 0
        except PlatformError as exc:
            log.warning("follow-up for %s %s waits a pass: %s", channel.key, first.day, exc)
            await self._finish(channel, key, None)
            return 0
        self._step("followup-accepted")
        await self._finish(channel, key, message_id)
        self._step("followup-sent")
        return 1

    async def _finish(self, channel: ChannelRef, key: str, message_id: str | None) -> None:
        done = await self.store.finish_followup_reply(
            channel, key, worker=self.worker, message_id=message_id
        )
        if not done:  # the lease ran out and another worker took the batch: it records it
            log.warning("follow-up reply %s in %s: lease lost", key, channel.key)


def _follows(subscription: Subscription | None) -> bool:
    return (
        subscription is not None
        and subscription.settings.followups
        and not subscription.paused_reason
    )


def _latest_post_per_paper(
    posts: Mapping[str, Sequence[Delivery]],
) -> dict[tuple[str, str], Delivery]:
    """(channel key, paper id) → the latest digest that posted the paper there."""
    threads: dict[tuple[str, str], Delivery] = {}
    for channel_key, deliveries in posts.items():
        for delivery in sorted(deliveries, key=lambda d: d.posted_at or d.post_at):
            for arxiv_id in delivery.paper_ids:
                threads[(channel_key, arxiv_id)] = delivery
    return threads


def _addressed(
    before: Seen,
    now: Seen,
    paper: Paper,
    threads: Mapping[tuple[str, str], Delivery],
    at: datetime,
) -> list[FollowupEvent]:
    """The paper's changes, one event per channel that posted it (in that post's thread)."""
    found = changes(before, now)
    if not found:
        return []
    events = []
    for (_, arxiv_id), delivery in threads.items():
        if arxiv_id != paper.arxiv_id:
            continue
        for change in found:
            events.append(
                FollowupEvent(
                    delivery.channel,
                    arxiv_id,
                    change.kind,
                    change.value,
                    delivery.day,
                    delivery.message_ids[0],
                    delivery.idempotency_key,
                    paper.title,
                    at,
                )
            )
    return events
