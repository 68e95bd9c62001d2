"""The DM digests: each person's, posted exactly once, at their time, in their zone.

A DM is a channel with its own delivery record (`personal_deliveries`): this runner is the
channels' (bot/delivery/runner.py) with the person's records, subscription and digest in
place of a channel's. It inherits the claim-under-lease fan-out, the lease kept alive
during a slow post, the retries and the give-up, and posts through the platform's own
`post_digest`, with the record's idempotency key and its saved parts, after opening the DM
(`DirectMessages.open_dm`). What is posted is never recorded as posted in a channel: a DM
does not keep a channel from posting a paper.

A platform that refuses to write to the person (Discord 50007: they block DMs from server
members) pauses that person's digest, saying why in `/papers me`; `me resume` lifts it.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Mapping
from dataclasses import replace
from datetime import date, timedelta

from bot.config.load import DeliveryConfig
from bot.delivery.parts import AttemptRecord
from bot.delivery.runner import DayRefresher, DeliveryRunner, Sleep, StepHook
from bot.delivery.worker import DEFAULT_LEASE, LeaseLost
from bot.digest.run_papers import LoadArtifacts
from bot.people.compose import compose_dm
from bot.people.plan import plan_personal_deliveries
from bot.ports import ChatPlatform, DirectMessages, Store
from bot.records.clock import Clock
from bot.records.delivery import Delivery, EmptyReason
from bot.records.digest import Digest
from bot.records.errors import StoreError
from bot.records.foryou import ForYouList, ForYouRanker
from bot.records.models import Cadence, ChannelRef
from bot.records.people import Person

log = logging.getLogger(__name__)

FOR_YOU_LIMIT = 5  # picks after the matches: a DM stays a short read


class PeopleRunner(DeliveryRunner):
    """Plans and posts the DM digests. `ranker` makes the "For you" section; None leaves
    it out. Use `run_due` and `drain`: the channel runner's `post_now`, `next_for` and
    `last_for` read the channels' records and are not for people (`/papers me` reads the
    person's own)."""

    def __init__(
        self,
        store: Store,
        service: DayRefresher,
        platforms: Mapping[str, ChatPlatform],
        clock: Clock,
        config: DeliveryConfig,
        *,
        ranker: ForYouRanker | None = None,
        worker: str | None = None,
        lease: timedelta = DEFAULT_LEASE,
        on_step: StepHook | None = None,
        sleep: Sleep = asyncio.sleep,
        artifacts: LoadArtifacts | None = None,
    ) -> None:
        dm_platforms = {n: p for n, p in platforms.items() if isinstance(p, DirectMessages)}
        super().__init__(
            store,
            service,
            dm_platforms,
            clock,
            config,
            worker=worker,
            lease=lease,
            on_step=on_step,
            sleep=sleep,
            artifacts=artifacts,
        )
        self.ranker = ranker

    async def plan(self) -> int:
        return await plan_personal_deliveries(
            self.store,
            self.platforms,
            self.clock.now(),
            grace=self._grace,
            day_cutoff_utc=self.config.day_cutoff_utc,
        )

    async def _work(self, platform: str, outcomes: Counter[str]) -> None:
        while not self._stopping:
            try:
                claimed = await self.store.claim_due_personal_deliveries(
                    self.clock.now(), self.worker, limit=1, lease=self.lease, platform=platform
                )
            except StoreError:
                log.exception("could not claim a %s DM; the next run tries again", platform)
                return
            if not claimed:
                return
            outcomes[await self._process(claimed[0])] += 1

    async def _attempt(self, record: AttemptRecord) -> str:
        delivery = record.delivery
        person = await self.store.get_person(delivery.channel.key)
        if person is None:
            return await self._end(delivery.empty(EmptyReason.UNSUBSCRIBED))
        if person.paused_reason:
            return await self._end(delivery.paused(person.paused_reason))
        digest, reason = await self._dm_digest(delivery, person)
        if reason is not None:
            return await self._end(delivery.empty(reason))
        ids = tuple(dict.fromkeys(delivery.paper_ids + _paper_ids(digest)))
        lease_until = self.clock.now() + self.lease
        delivery = await record.update(
            lambda d: replace(d.with_papers(ids), lease_until=lease_until)
        )
        self._step("frozen", delivery)
        platform = self.platforms[delivery.channel.platform]
        assert isinstance(platform, DirectMessages)  # only those were kept
        dm = await self._dm(platform, person)
        posting = platform.post_digest(
            dm,
            digest,
            idempotency_key=delivery.idempotency_key,
            first_attempt=delivery.attempts <= 1,
            posted=delivery.posted_parts,
            on_accepted=record.accepted,
        )
        receipt = await self._keeping_lease(record, posting)
        self._step("accepted", record.delivery)
        self._step("recorded", record.delivery)
        result = await self._end(record.delivery.posted(receipt))
        log.info("sent %d papers to %s for %s", len(ids), delivery.channel.key, delivery.day)
        return result

    async def _dm(self, platform: DirectMessages, person: Person) -> ChannelRef:
        """The person's DM channel: the one kept from an earlier digest, else opened now and
        kept (a failure to keep it costs one more open next time, nothing else)."""
        if person.dm_channel:
            return ChannelRef(person.ref.platform, person.dm_channel, person.ref.workspace)
        dm = await platform.open_dm(person.ref)
        try:
            await self.store.save_person(replace(person, dm_channel=dm.channel_id))
        except StoreError:
            log.warning("could not keep the DM channel of %s", person.key)
        return dm

    async def _dm_digest(self, delivery: Delivery, person: Person) -> tuple[Digest, str | None]:
        """The person's digest, or the reason there is none."""
        subscription = person.as_subscription()
        if delivery.cadence is not Cadence.DAILY:
            matches, reason = await self._periods.digest(delivery, subscription)
        else:
            matches, reason = await self._digest(delivery, subscription)
        foryou = await self._foryou(person, delivery.days)
        posts = []
        if person.home:
            posts = await self.store.channel_posts(person.ref.platform, person.home, delivery.day)
        digest = compose_dm(matches, posts, foryou)
        if digest.is_empty:
            return digest, reason or EmptyReason.NO_MATCH
        return digest, None

    async def _foryou(self, person: Person, days: tuple[date, ...]) -> ForYouList | None:
        """The ranker's picks among the covered days' papers (read once per run for every
        person, as the matches' are); None without a ranker."""
        if self.ranker is None:
            return None
        papers = (await self._run_papers.prepared(days)).papers
        if not papers:
            return None
        try:
            return await self.ranker.rank(person.key, papers, FOR_YOU_LIMIT)
        except Exception:  # the matches go out without it rather than not at all
            log.exception("the For you ranking failed for %s", person.key)
            return None

    async def _pause(self, delivery: Delivery, reason: str) -> str:
        """The platform will not write to this person: pause their digest, saying why."""
        log.warning(
            "pausing the DM digest of %s: the platform said %s", delivery.channel.key, reason
        )
        try:
            person = await self.store.get_person(delivery.channel.key)
            if person is not None:
                await self.store.save_person(replace(person, blocked_reason=reason))
        except StoreError:
            log.exception("could not pause the DM digest of %s", delivery.channel.key)
        return await self._end(delivery.paused(reason))

    async def _save(self, delivery: Delivery) -> None:
        if not await self.store.save_personal_delivery(delivery, worker=self.worker):
            raise LeaseLost


def _paper_ids(digest: Digest) -> tuple[str, ...]:
    return tuple(entry.paper.arxiv_id for entry in digest.entries)
