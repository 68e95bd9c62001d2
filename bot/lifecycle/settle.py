"""Settling posted digests: re-read the covered day at each age, edit the post in place,
reply late additions once in its thread. The I/O shell around bot/lifecycle/settle_plan.py.

`SettleRunner.run_due()` is one pass, run by the scheduler's sweep after the day's digests
(`DeliveryRunner.run_due`), so settling never delays a digest:

1. plan: every post made within the longest age that has no settle task yet gets one per
   age, with a snapshot of its papers' upvotes and of the covered days' lists (taken right
   after the post, in the same sweep).
2. settle: `settle_concurrency` workers per platform each claim one due task of their
   platform at a time (with a lease),
   fetch the covered days again, edit every message of the post (idempotent), record the
   edit, decide the late additions and save them, post them as one reply, record its id.

A crash at any step leaves a claimed task whose lease expires: the retry edits again (the
same edit) and posts the late additions only if no reply id was recorded, with the same
key (Slack: metadata found in the thread; Discord: the nonce, then the reply's mark found
in the thread). A deleted message or a channel the bot left ends the post's settling
(`gone`), without pausing the channel.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Callable, Mapping, Sequence
from dataclasses import replace
from datetime import date, timedelta
from typing import NamedTuple

from bot.config.load import DeliveryConfig
from bot.delivery.lanes import DigestLane
from bot.delivery.runner import DayRefresher
from bot.delivery.worker import DEFAULT_LEASE, LeasedRunner, LeaseLost, error_text
from bot.digest.build import unique_papers
from bot.lifecycle.settle_plan import (
    late_additions,
    late_digest,
    retry_delay,
    settled_digests,
    tasks_for,
)
from bot.ports import ChatPlatform, Store
from bot.records.clock import Clock
from bot.records.delivery import Delivery, DeliveryState
from bot.records.errors import (
    MessageGone,
    MessageRejected,
    PermanentPlatformError,
    PlatformError,
    SourceError,
    StoreError,
)
from bot.records.models import Paper, Subscription
from bot.records.settle import SettleState, SettleTask, late_key
from bot.schedule.daily import WEEKEND

log = logging.getLogger(__name__)

# Named steps, for the crash tests: "settle-claimed", "edited", "edit-recorded",
# "late-decided", "late-accepted", "late-recorded", "settle-done".
SettleStep = Callable[[str, SettleTask], None]


class SettleRunner(LeasedRunner[[str, SettleTask]]):
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
        on_step: SettleStep | None = None,
        lane: DigestLane | None = None,
    ) -> None:
        super().__init__(
            store, platforms, clock, config, worker=worker, lease=lease, on_step=on_step
        )
        self.service = service
        self.lane = lane or DigestLane()  # the digests' (bot/delivery/lanes.py): they go first
        self._lists: dict[date, asyncio.Task[list[Paper]]] = {}

    async def run_due(self) -> Counter[str]:
        """Plan new tasks, then settle every due one; how many ended in each state."""
        outcomes: Counter[str] = Counter()
        if not self.config.settle_after_hours:
            return outcomes
        await self.plan()
        self._lists.clear()  # each pass reads the days afresh, each day once
        try:  # each platform's own workers: a slow platform's limits hold up only its own
            workers = [
                self._work(platform, outcomes)
                for platform in self.platforms
                for _ in range(self.config.settle_concurrency)
            ]
            await asyncio.gather(*workers)
        finally:
            self._lists.clear()
        return outcomes

    async def plan(self) -> int:
        """Create the settle tasks of recent posts that have none; how many were new."""
        ages = self.config.settle_after_hours
        since = self.clock.now() - timedelta(hours=max(ages))
        tasks: list[SettleTask] = []
        for delivery in await self.store.deliveries_to_settle(since):
            if delivery.channel.platform not in self.platforms:
                continue
            listed = await self._stored_lists(_days(delivery))
            upvotes = {p.arxiv_id: p.upvotes for p in listed}
            for arxiv_id in set(delivery.paper_ids) - set(upvotes):
                paper = await self.store.get_paper(arxiv_id)
                upvotes[arxiv_id] = paper.upvotes if paper is not None else 0
            tasks += tasks_for(delivery, ages, upvotes, {p.arxiv_id for p in listed})
        return await self.store.create_settle_tasks(tasks)

    # -- the workers -------------------------------------------------------------------

    async def _work(self, platform: str, outcomes: Counter[str]) -> None:
        while not self._stopping:
            await self.lane.behind_digests()
            try:
                claimed = await self.store.claim_due_settle_tasks(
                    self.clock.now(), self.worker, limit=1, lease=self.lease, platform=platform
                )
            except StoreError:
                log.exception("could not claim a settle task; the next pass tries again")
                return
            if not claimed:
                return
            outcomes[await self._settle(claimed[0])] += 1

    async def _settle(self, task: SettleTask) -> str:
        """One claimed task to its outcome; never raises (one post never stops others)."""
        self._step("settle-claimed", task)
        if task.attempts > self.config.max_attempts:
            return await self._end(
                task.failed(f"{task.attempts - 1} attempts never finished", None)
            )
        state = _State(task)
        try:
            return await self._attempt(state)
        except LeaseLost:
            return "lease-lost"
        except MessageGone as exc:
            log.info("settling %s %s ends: %s", task.channel.key, task.day, exc)
            return await self._end(state.task.ended(SettleState.GONE, str(exc)[:300]))
        except PermanentPlatformError as exc:  # the bot left the channel: not a pause here
            log.info("settling %s %s ends: %s", task.channel.key, task.day, exc.reason)
            return await self._end(state.task.ended(SettleState.GONE, exc.reason[:300]))
        except MessageRejected as exc:  # the same edit would be refused on every retry
            log.warning("settling %s %s: %s", task.channel.key, task.day, exc)
            return await self._end(state.task.failed(error_text(exc), None))
        except (PlatformError, SourceError, StoreError) as exc:
            return await self._retry_later(state.task, error_text(exc))
        except Exception as exc:  # a bug: log it, keep the others going
            log.exception("settling %s %s failed unexpectedly", task.channel.key, task.day)
            return await self._retry_later(state.task, error_text(exc))

    async def _attempt(self, state: _State) -> str:
        task = state.task
        delivery = await self.store.get_delivery(task.channel, task.day)
        if delivery is None or delivery.state is not DeliveryState.POSTED:
            return await self._end(task.ended(SettleState.DONE, "the post is not recorded"))
        siblings = await self.store.settle_tasks_of(task.channel, task.day)
        if any(s.state is SettleState.GONE for s in siblings):
            return await self._end(task.ended(SettleState.GONE, "the post is gone"))
        subscription = await self.store.get_subscription(task.channel)
        if subscription is None:
            return await self._end(task.ended(SettleState.GONE, "the channel unsubscribed"))
        listed = await self._fresh_lists(_days(delivery))
        papers = {p.arxiv_id: p for p in listed}
        for arxiv_id, _ in task.posted:
            if arxiv_id not in papers and (paper := await self.store.get_paper(arxiv_id)):
                papers[arxiv_id] = paper
        post = _Post(delivery, subscription, listed)
        if task.edited_at is None and not await self._edit(state, post, papers):
            return await self._end(task.ended(SettleState.DONE, "its papers are unknown"))
        await self._late_additions(state, post, siblings)
        return await self._end(state.task.ended(SettleState.DONE))

    async def _edit(self, state: _State, post: _Post, papers: Mapping[str, Paper]) -> bool:
        """Edit the post in place with the new counts, then record it; False (nothing done)
        when the store knows none of its papers: a post is never overwritten with nothing."""
        task, delivery, listed = state.task, post.delivery, post.listed
        ids = [arxiv_id for arxiv_id, _ in task.posted]
        cached = {i: c.artifacts for i, c in (await self.store.hf_artifacts(ids)).items()}
        posted, settled = settled_digests(
            delivery.day, task.posted, papers, post.subscription, cached
        )
        if posted.is_empty:
            return False
        since = min(_days(delivery))
        await self.platforms[task.channel.platform].edit_digest(
            task.channel,
            delivery.message_ids,
            replace(posted, since=since, total_candidates=len(set(task.listed))),
            replace(settled, since=since, total_candidates=len(unique_papers(listed))),
            idempotency_key=delivery.idempotency_key,
            votes=await self.store.vote_counts(await self.store.vote_key(task.channel.key), ids),
        )
        self._step("edited", state.task)
        await self._save(state, replace(state.task, edited_at=self.clock.now()))
        self._step("edit-recorded", state.task)
        return True

    async def _late_additions(
        self, state: _State, post: _Post, siblings: Sequence[SettleTask]
    ) -> None:
        """Decide (and save) the late additions once, then post them once as a reply."""
        task, (delivery, subscription, listed) = state.task, post
        if task.late_message_id is not None:
            return
        first = task.late_ids is None  # decided now: no earlier attempt can have posted them
        if task.late_ids is None:
            already = await self.store.posted_paper_ids(task.channel) | set(delivery.paper_ids)
            for sibling in siblings:
                already |= set(sibling.late_ids or ())
            late = late_additions(listed, task.listed, already, subscription)
            await self._save(state, replace(task, late_ids=tuple(p.arxiv_id for p in late)))
            self._step("late-decided", state.task)
        ids = state.task.late_ids or ()
        by_id = {p.arxiv_id: p for p in listed}
        late_papers = [by_id[i] for i in ids if i in by_id]
        if not late_papers:
            return
        reply_id = await self.platforms[task.channel.platform].post_reply(
            task.channel,
            delivery.message_ids[0],
            late_digest(delivery.day, late_papers, subscription),
            idempotency_key=late_key(delivery.idempotency_key, task.age_hours),
            first_attempt=first,
        )
        self._step("late-accepted", state.task)
        await self._save(state, replace(state.task, late_message_id=reply_id))
        self._step("late-recorded", state.task)
        log.info("late additions for %s %s: %d papers", task.channel.key, task.day, len(ids))

    # -- the covered days --------------------------------------------------------------

    async def _stored_lists(self, days: Sequence[date]) -> list[Paper]:
        papers: list[Paper] = []
        for day in days:
            papers += await self.store.papers_listed_on(day)
        return papers

    async def _fresh_lists(self, days: Sequence[date]) -> list[Paper]:
        """The covered days' lists fetched again (once per pass each); weekends: stored."""
        papers: list[Paper] = []
        for day in days:
            task = self._lists.get(day)
            if task is None:
                task = asyncio.ensure_future(self._refreshed(day))
                self._lists[day] = task
            papers += await asyncio.shield(task)
        return papers

    async def _refreshed(self, day: date) -> list[Paper]:
        if day.weekday() not in WEEKEND:
            await self.service.refresh_day(day)
        return await self.store.papers_listed_on(day)

    # -- outcomes ----------------------------------------------------------------------

    async def _retry_later(self, task: SettleTask, error: str) -> str:
        if task.attempts >= self.config.max_attempts:
            log.error("giving up settling %s %s: %s", task.channel.key, task.day, error)
            return await self._end(task.failed(error, None))
        delay = retry_delay(task.attempts)
        log.warning("will settle %s %s again in %s: %s", task.channel.key, task.day, delay, error)
        return await self._end(task.failed(error, self.clock.now() + delay))

    async def _end(self, task: SettleTask) -> str:
        try:
            if not await self.store.save_settle_task(task, worker=self.worker):
                return "lease-lost"
        except StoreError:  # the task stays claimed; its lease expiry brings it back
            log.exception("could not record settling %s %s", task.channel.key, task.day)
            return "store-error"
        self._step("settle-done", task)
        return task.state.value

    async def _save(self, state: _State, task: SettleTask) -> None:
        if not await self.store.save_settle_task(task, worker=self.worker):
            raise LeaseLost
        state.task = task


class _Post(NamedTuple):
    """What one attempt knows of the post it settles."""

    delivery: Delivery
    subscription: Subscription
    listed: Sequence[Paper]  # the covered days' lists as fetched now


class _State:
    """The task as last saved by this attempt (what an error outcome starts from)."""

    def __init__(self, task: SettleTask) -> None:
        self.task = task


def _days(delivery: Delivery) -> tuple[date, ...]:
    return delivery.days or (delivery.day,)
