"""The wake-up calls: APScheduler 3.x, wrapped. The only module that imports apscheduler.

The store is the source of truth; APScheduler only wakes the runner up. There is one job per
subscribed channel, at its next post of any cadence (`bot.schedule.cadence.next_post`), plus a sweep
every minute that picks up retries, records whose worker died, and anything a wake-up missed.
Every wake-up calls `DeliveryRunner.run_due()`, which decides from the store what is due, so
a job that fires twice, late or not at all changes nothing: the next wake-up catches up.

Settling, follow-ups and retention (bot/retention/, every few hours) run after each sweep's
digests, in a task of their own, one pass at a time: a pass over thousands of posts can take
as long as Slack's 50 edits a minute allow, and the next sweeps and wake-ups post their
digests meanwhile; settling steps aside whenever a digest run is in flight
(bot/delivery/lanes.py).

APScheduler arms its timer on the monotonic clock from a wall-clock difference, so a wall
clock that steps forward (a VM resumed, an NTP correction) would leave a wake-up asleep until
the old timer ran out; the scheduler therefore looks at the wall clock again every
`recheck_every` (monotonic) and runs whatever fell due meanwhile.

APScheduler's own job store is memory only: it is rebuilt from the store at `start()`, and
`reschedule(channel)` is called whenever a channel changes its subscription or settings.
"""

from __future__ import annotations

import asyncio
import logging
from datetime import UTC, datetime, timedelta

from apscheduler.schedulers.asyncio import AsyncIOScheduler
from apscheduler.triggers.date import DateTrigger
from apscheduler.triggers.interval import IntervalTrigger

from bot.delivery.lanes import DigestLane
from bot.delivery.runner import DeliveryRunner
from bot.lifecycle.artifacts import ArtifactsRunner
from bot.lifecycle.followups import FollowupRunner
from bot.lifecycle.settle import SettleRunner
from bot.people.runner import PeopleRunner
from bot.ports import Store
from bot.records.clock import Clock
from bot.records.models import ChannelRef, Subscription
from bot.retention.runner import RetentionRunner
from bot.schedule.cadence import next_post

log = logging.getLogger(__name__)

SWEEP_ID = "sweep"
RECHECK_EVERY = timedelta(seconds=1)


class PaperScheduler:
    def __init__(
        self,
        runner: DeliveryRunner,
        store: Store,
        clock: Clock,
        *,
        sweep_every: timedelta = timedelta(minutes=1),
        settler: SettleRunner | None = None,
        followups: FollowupRunner | None = None,
        artifacts: ArtifactsRunner | None = None,
        retention: RetentionRunner | None = None,
        lane: DigestLane | None = None,
        people: PeopleRunner | None = None,
        recheck_every: timedelta = RECHECK_EVERY,
    ) -> None:
        self.runner = runner
        self.people = people  # people's own digests by DM, after the channels' in each run
        self.lane = lane or DigestLane()  # digest runs go first: the others wait in line
        for behind in (settler, followups):
            if behind is not None:
                behind.lane = self.lane
        self.settler = settler  # settles posted digests after each sweep's deliveries
        self.followups = followups  # replies follow-ups in their threads after settling
        self.artifacts = artifacts  # refreshes posted papers' HF artifacts before settling
        self.retention = retention  # prunes old rows after follow-ups, every few hours
        self.store = store
        self.clock = clock
        self.sweep_every = sweep_every
        self._behind: asyncio.Task[None] | None = None  # the settling pass in flight
        self._scheduler = AsyncIOScheduler(timezone=UTC)
        self._shut_down = False
        self._stopping = False
        self._sweeping = asyncio.Lock()
        self._recheck_every = recheck_every
        self._rechecking: asyncio.Task[None] | None = None

    async def start(self, *, catch_up: bool = True) -> None:
        """Build the jobs from the store and start, with the event loop running.

        With `catch_up`, the first sweep (posting what was missed while down) runs at once;
        otherwise one sweep interval from now.
        """
        first_sweep = self.clock.now() + (timedelta(0) if catch_up else self.sweep_every)
        self._scheduler.add_job(
            self._sweep_job,
            IntervalTrigger(seconds=self.sweep_every.total_seconds(), timezone=UTC),
            id=SWEEP_ID,
            next_run_time=first_sweep,
            **_JOB_OPTIONS,
        )
        for subscription in await self.store.list_subscriptions():
            self._schedule(subscription)
        if self._stopping:  # shut down while the jobs were loading: nothing may run now
            return
        self._scheduler.start()
        self._rechecking = asyncio.create_task(self._recheck_wall_clock(), name="recheck")
        log.info("scheduler started with %d channel jobs", len(self._scheduler.get_jobs()) - 1)

    async def reschedule(self, channel: ChannelRef) -> None:
        """Bring the channel's job in line with its stored subscription (call after a change)."""
        subscription = await self.store.get_subscription(channel)
        if subscription is None or subscription.paused_reason:
            if self._scheduler.get_job(channel.key) is not None:
                self._scheduler.remove_job(channel.key)
            return
        self._schedule(subscription)

    async def shutdown(self, wait: bool = True, *, stop_runner: bool = True) -> None:
        """Stop waking up; claim nothing new; with `wait`, let the posts in flight finish.

        `stop_runner=False` (the scheduler role moved to another worker) only stops the
        wake-ups: the runner is shared with this worker's own sweep, which goes on posting.
        """
        self._stopping = True  # a start() still loading its jobs will not start
        if self._rechecking is not None:
            self._rechecking.cancel()
        if self._scheduler.running:
            self._scheduler.pause()  # no new wake-ups; a running job goes on
        if stop_runner:
            self.runner.request_stop()
            if self.people is not None:
                self.people.request_stop()
            if self.settler is not None:  # a task cut short is retried once its lease expires
                self.settler.request_stop()
            if self.followups is not None:  # replies not started wait for the next pass
                self.followups.request_stop()
            if self.retention is not None:  # batches not started wait for the next run
                self.retention.request_stop()
        if wait:
            await self.runner.wait_idle()
            # A sweep job that began but had not yet taken the runner's lock when
            # wait_idle looked: APScheduler's shutdown below would cancel it mid-plan.
            await self.lane.idle()
            if self._behind is not None:  # the settling pass in flight ends too
                await asyncio.wait({self._behind})
            async with self._sweeping:  # and one the test or a caller runs itself
                pass
        # AsyncIOScheduler.shutdown only queues the real shutdown (call_soon), so `running`
        # stays True until the loop runs it: a second call (SIGTERM stops the run and takes
        # the scheduler role away at once) would queue another one, which raises
        # SchedulerNotRunningError in a loop callback. Shut down once.
        if self._scheduler.running and not self._shut_down:
            self._shut_down = True
            # APScheduler cancels the jobs still running here: with `wait`, none is posting
            self._scheduler.shutdown(wait=False)

    async def _recheck_wall_clock(self) -> None:
        """Wake APScheduler up every `recheck_every` of real time: it then compares its jobs
        with the wall clock as it reads now, and runs those a clock step made due."""
        while True:
            await asyncio.sleep(self._recheck_every.total_seconds())
            if self._scheduler.running and not self._stopping:
                self._scheduler.wakeup()

    @property
    def running(self) -> bool:
        """Whether APScheduler was started (and not yet shut down): wake-ups may fire."""
        return bool(self._scheduler.running) and not self._shut_down

    def next_wakeup(self, channel: ChannelRef) -> datetime | None:
        """When the channel's job fires next (None: no job)."""
        job = self._scheduler.get_job(channel.key)
        return job.next_run_time if job is not None else None

    async def sweep(self) -> None:
        """Everything due, in order: the digests, then settling, then follow-ups."""
        await self.digests()
        await self.settle_and_follow_up()

    async def digests(self) -> None:
        """Post every digest due (the sweep job, and each channel's wake-up)."""
        if self._stopping:  # a job that began as the scheduler shut down: claim nothing
            return
        async with self.lane.digests():  # settling and follow-ups step aside meanwhile
            outcomes = await self.runner.run_due()
            if self.people is not None and not self._stopping:  # within a sweep of their time
                outcomes += await self.people.run_due()
        if outcomes:
            log.info("delivery run: %s", dict(outcomes))

    async def _sweep_job(self) -> None:
        """The sweep job: the digests, then a settling pass started behind them unless one
        is still running (the job itself ends with the digests: the next sweep is on time)."""
        await self.digests()
        behind = (self.settler, self.followups, self.artifacts, self.retention)
        if all(runner is None for runner in behind):
            return
        if not self._stopping and (self._behind is None or self._behind.done()):
            self._behind = asyncio.create_task(self._settle_in_background(), name="settling")

    async def _settle_in_background(self) -> None:
        try:
            await self.settle_and_follow_up()
        except Exception:  # nobody awaits this task: log it; the next sweep starts another
            log.exception("settling and follow-ups failed; the next sweep tries again")

    async def settle_and_follow_up(self) -> None:
        """One settling pass, then follow-ups on its fresh counts (the settle job)."""
        # Held for the whole pass: a shutdown waits for it rather than have APScheduler
        # cancel it mid-settle (a CancelledError traceback, and a settle task left leased).
        async with self._sweeping:
            if self.artifacts is not None and not self._stopping:  # the counts settling shows
                looked_up = await self.artifacts.run_due()
                if looked_up:
                    log.info("artifacts run: %s", dict(looked_up))
            if self.settler is not None and not self._stopping:
                settled = await self.settler.run_due()
                if settled:
                    log.info("settle run: %s", dict(settled))
            if self.followups is not None and not self._stopping:
                followed = await self.followups.run_due()
                if followed:
                    log.info("follow-up run: %s", dict(followed))
            if self.retention is not None and not self._stopping:  # logs its own outcome
                await self.retention.run_due()

    async def fire(self, channel_key: str) -> None:
        """A channel's post time: post what is due, then set its next wake-up. Never waits
        for a settling pass in flight (that one steps aside for it)."""
        await self.digests()
        await self.reschedule(ChannelRef.parse(channel_key))

    def _schedule(self, subscription: Subscription) -> None:
        if subscription.paused_reason:
            return
        cutoff = self.runner.config.day_cutoff_utc
        post_at = next_post(subscription.settings, self.clock.now(), cutoff)
        key = subscription.channel.key
        self._scheduler.add_job(
            self.fire,
            DateTrigger(run_date=post_at, timezone=UTC),
            args=(key,),
            id=key,
            replace_existing=True,
            **_JOB_OPTIONS,
        )


# Late wake-ups still run (the runner applies the grace window), and piled-up ones run once.
_JOB_OPTIONS = {"misfire_grace_time": None, "coalesce": True, "max_instances": 1}
