"""PaperScheduler: jobs rebuilt from the store, moved on settings changes, clean shutdown.

The injected clock is set years ahead of the wall clock, so no job ever fires by itself
during a test: the tests call the jobs' functions and never wait on the wall clock.
"""

from __future__ import annotations

import asyncio
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

import pytest

from bot.app.scheduler import PaperScheduler
from bot.config.load import DeliveryConfig
from bot.delivery.runner import DeliveryRunner
from bot.lifecycle.followups import FollowupRunner
from bot.lifecycle.settle import SettleRunner
from bot.records.clock import FixedClock
from bot.records.delivery import DeliveryState
from bot.records.models import ChannelRef, ChannelSettings, Paper, Subscription, WeekdayPolicy
from bot.schedule.daily import covered_day
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.memory_platform import MemoryPlatform

# Wednesday 2031-05-14 06:00 UTC: far ahead of any wall clock running these tests
NOW = datetime(2031, 5, 14, 6, 0, tzinfo=UTC)
TUESDAY = date(2031, 5, 13)
DAILY = WeekdayPolicy.DAILY


class NoRefresh:
    async def refresh_day(self, day: date) -> int:
        return 0


@dataclass
class Rig:
    store: SqliteStore
    clock: FixedClock
    platform: MemoryPlatform
    runner: DeliveryRunner
    scheduler: PaperScheduler


@pytest.fixture
async def rig(tmp_path: Path) -> AsyncIterator[Rig]:
    store = await SqliteStore.open(tmp_path / "sched.db")
    clock = FixedClock(NOW)
    platform = MemoryPlatform(gate=asyncio.Event())
    config = DeliveryConfig(concurrency=1)
    runner = DeliveryRunner(store, NoRefresh(), {"slack": platform}, clock, config, worker="w")
    scheduler = PaperScheduler(runner, store, clock)
    try:
        yield Rig(store, clock, platform, runner, scheduler)
    finally:
        platform.release()
        await scheduler.shutdown(wait=True)
        await store.close()


async def subscribe(
    store: SqliteStore,
    n: int,
    at: time,
    zone: str = "UTC",
    policy: WeekdayPolicy = WeekdayPolicy.WEEKDAYS_CATCHUP,
) -> Subscription:
    sub = Subscription(
        ChannelRef("slack", f"C{n}", "T"),
        settings=ChannelSettings(post_time=at, timezone=zone, weekday_policy=policy),
    )
    await store.save_subscription(sub)
    return sub


async def test_start_builds_one_job_per_active_channel(rig: Rig) -> None:
    paris = await subscribe(rig.store, 1, time(9, 0), "Europe/Paris")
    kolkata = await subscribe(rig.store, 2, time(9, 0), "Asia/Kolkata")
    paused = replace(await subscribe(rig.store, 3, time(9, 0)), paused_reason="Missing Access")
    await rig.store.save_subscription(paused)
    await rig.scheduler.start(catch_up=False)
    assert rig.scheduler.next_wakeup(paris.channel) == datetime(2031, 5, 14, 7, 0, tzinfo=UTC)
    assert rig.scheduler.next_wakeup(kolkata.channel) == datetime(2031, 5, 15, 3, 30, tzinfo=UTC)
    assert rig.scheduler.next_wakeup(paused.channel) is None


async def test_reschedule_follows_the_store(rig: Rig) -> None:
    sub = await subscribe(rig.store, 1, time(9, 0))
    await rig.scheduler.start(catch_up=False)
    assert rig.scheduler.next_wakeup(sub.channel) == datetime(2031, 5, 14, 9, 0, tzinfo=UTC)
    moved = replace(sub, settings=replace(sub.settings, post_time=time(5, 0)))
    await rig.store.save_subscription(moved)
    await rig.scheduler.reschedule(sub.channel)
    assert rig.scheduler.next_wakeup(sub.channel) == datetime(2031, 5, 15, 5, 0, tzinfo=UTC)
    new = await subscribe(rig.store, 2, time(23, 0))
    await rig.scheduler.reschedule(new.channel)
    assert rig.scheduler.next_wakeup(new.channel) == datetime(2031, 5, 14, 23, 0, tzinfo=UTC)
    await rig.store.delete_subscription(sub.channel)
    await rig.scheduler.reschedule(sub.channel)
    assert rig.scheduler.next_wakeup(sub.channel) is None


async def test_a_wakeup_posts_what_is_due_and_sets_the_next_one(rig: Rig) -> None:
    sub = await subscribe(rig.store, 1, time(7, 0))
    await rig.store.upsert_papers([_paper(TUESDAY)])
    await rig.scheduler.start(catch_up=False)
    rig.clock.set(datetime(2031, 5, 14, 7, 0, tzinfo=UTC))
    rig.platform.release()
    await rig.scheduler.fire(sub.channel.key)
    record = await rig.store.get_delivery(sub.channel, TUESDAY)
    assert record is not None
    assert record.state is DeliveryState.POSTED
    assert rig.scheduler.next_wakeup(sub.channel) == datetime(2031, 5, 15, 7, 0, tzinfo=UTC)
    await rig.scheduler.fire(sub.channel.key)  # a wake-up that fires twice changes nothing
    assert rig.platform.posted_channels == [sub.channel.key]


async def test_shutdown_finishes_the_post_in_flight_and_claims_no_more(rig: Rig) -> None:
    await rig.store.upsert_papers([_paper(TUESDAY)])
    subs = [await subscribe(rig.store, n, time(5, 0)) for n in range(3)]
    await rig.scheduler.start(catch_up=False)
    running = asyncio.create_task(rig.scheduler.sweep())
    await rig.platform.started.wait()
    stopping = asyncio.create_task(rig.scheduler.shutdown(wait=True))
    await asyncio.sleep(0)  # let shutdown reach its wait (an event-loop turn, not a clock)
    assert not stopping.done()
    rig.platform.release()
    await stopping
    await running
    assert len(rig.platform.posted) == 1
    states = [await rig.store.get_delivery(s.channel, TUESDAY) for s in subs]
    assert sorted(str(d.state) for d in states if d) == ["pending", "pending", "posted"]


def _paper(day: date) -> Paper:
    return Paper(
        arxiv_id="2405.00001",
        title="A paper",
        abstract="It works.",
        authors=("A. Author",),
        published_at=datetime.combine(day, time(0, 0), tzinfo=UTC),
        listed_on=day,
        upvotes=3,
    )


def test_the_clock_is_far_ahead_of_the_wall_clock() -> None:
    assert datetime.now(UTC) + timedelta(days=365) < NOW


async def test_shutdown_lets_a_sweep_fired_by_apscheduler_finish_its_post(rig: Rig) -> None:
    # APScheduler itself runs the sweep here (not the test), so the clock must be the wall
    # clock's: the first sweep is due at once. Nothing waits on the clock: only on events.
    # The channel posts every day: with the default catch-up policy nothing is due on a
    # weekend, and this test must pass whatever day the wall clock shows.
    now = datetime.now(UTC).replace(microsecond=0)
    rig.clock.set(now)
    post_at = now - timedelta(hours=1)
    sub = await subscribe(rig.store, 1, post_at.time().replace(second=0), policy=DAILY)
    day = covered_day(post_at.replace(second=0))
    await rig.store.upsert_papers([_paper(day)])
    await rig.scheduler.start(catch_up=True)
    async with asyncio.timeout(10):
        await rig.platform.started.wait()
    stopping = asyncio.create_task(rig.scheduler.shutdown(wait=True))
    for _ in range(5):  # event-loop turns, not a clock
        await asyncio.sleep(0)
    assert not stopping.done(), "shutdown waits for the post in flight"
    rig.platform.release()
    async with asyncio.timeout(10):
        await stopping
    record = await rig.store.get_delivery(sub.channel, day)
    assert record is not None
    assert record.state is DeliveryState.POSTED
    assert rig.platform.posted_channels == [sub.channel.key]


async def test_shutdown_twice_at_once_shuts_down_once_without_an_error(rig: Rig) -> None:
    # SIGTERM stops the run and takes the scheduler role away at the same moment: both
    # shut the scheduler down. APScheduler defers the real shutdown to the loop, so a
    # second call used to queue a second one, which raised SchedulerNotRunningError there.
    errors: list[dict[str, object]] = []
    loop = asyncio.get_running_loop()
    loop.set_exception_handler(lambda _loop, context: errors.append(context))
    try:
        await rig.scheduler.start(catch_up=False)
        await asyncio.gather(
            rig.scheduler.shutdown(wait=True),
            rig.scheduler.shutdown(wait=True, stop_runner=False),
        )
        for _ in range(5):  # let the deferred shutdowns run: event-loop turns, not a clock
            await asyncio.sleep(0)
    finally:
        loop.set_exception_handler(None)
    assert errors == []
    assert not rig.scheduler._scheduler.running


class SlowListingStore(SqliteStore):
    """A real store whose subscription listing waits for `gate`: a start() caught loading."""

    listing: asyncio.Event
    gate: asyncio.Event

    async def list_subscriptions(self) -> list[Subscription]:
        self.listing.set()
        await self.gate.wait()
        return await super().list_subscriptions()


async def test_a_shutdown_while_start_loads_its_jobs_leaves_nothing_running(
    tmp_path: Path,
) -> None:
    # SIGTERM right as the scheduler role is taken: the run shuts the scheduler down while
    # start() still reads the store. Started anyway, its first sweep ran on a closed store.
    store = await SlowListingStore.open(tmp_path / "slow.db")
    assert isinstance(store, SlowListingStore)
    store.listing, store.gate = asyncio.Event(), asyncio.Event()
    clock = FixedClock(NOW)
    runner = DeliveryRunner(store, NoRefresh(), {}, clock, DeliveryConfig(), worker="w")
    scheduler = PaperScheduler(runner, store, clock)
    starting = asyncio.create_task(scheduler.start(catch_up=True))
    await store.listing.wait()
    await scheduler.shutdown(wait=True)
    store.gate.set()
    await starting
    assert not scheduler.running
    await store.close()


async def test_the_sweep_settles_posted_digests_after_the_days_deliveries(
    tmp_path: Path,
) -> None:
    store = await SqliteStore.open(tmp_path / "settle.db")
    clock = FixedClock(NOW)
    platform = MemoryPlatform(clock=clock)
    config = DeliveryConfig(concurrency=1)
    runner = DeliveryRunner(store, NoRefresh(), {"slack": platform}, clock, config, worker="w")
    settler = SettleRunner(store, NoRefresh(), {"slack": platform}, clock, config, worker="w")
    scheduler = PaperScheduler(runner, store, clock, settler=settler)
    try:
        sub = await subscribe(store, 1, time(5, 0), policy=DAILY)
        listed = Paper("2405.00001", "A paper", "Abstract.", ("A",), NOW, TUESDAY, upvotes=3)
        await store.upsert_papers([listed])
        await scheduler.sweep()  # posts the digest, then plans its settling
        assert platform.posted
        assert platform.edits == []
        assert len(await store.settle_tasks_of(sub.channel, TUESDAY)) == 2
        clock.advance(timedelta(hours=24))
        await scheduler.sweep()
        assert [ids for ids, _ in platform.edits] == [("m1",)]
    finally:
        await scheduler.shutdown(wait=True)
        await store.close()


async def test_the_sweep_replies_follow_ups_after_settling(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "followups.db")
    clock = FixedClock(NOW)
    platform = MemoryPlatform(clock=clock)
    config = DeliveryConfig(concurrency=1)
    runner = DeliveryRunner(store, NoRefresh(), {"slack": platform}, clock, config, worker="w")
    followups = FollowupRunner(store, {"slack": platform}, clock, config)
    scheduler = PaperScheduler(runner, store, clock, followups=followups)
    try:
        await subscribe(store, 1, time(5, 0), policy=DAILY)
        listed = Paper("2405.00001", "A paper", "Abstract.", ("A",), NOW, TUESDAY, upvotes=3)
        await store.upsert_papers([listed])
        await scheduler.sweep()  # posts the digest; the follow-ups see it as posted
        assert platform.posted
        assert platform.replies == {}
        repo = replace(listed, github_repo="https://github.com/o/r", github_stars=150)
        await store.upsert_papers([repo])
        clock.advance(timedelta(hours=1))
        await scheduler.sweep()
        [(thread_of, digest)] = platform.replies.values()
        assert thread_of == "m1"
        assert digest.heading is not None
        assert "passed 100 GitHub stars" in digest.heading
    finally:
        await scheduler.shutdown(wait=True)
        await store.close()


async def assert_shutdown_waits_for(
    scheduler: PaperScheduler, pass_in_flight: asyncio.Task[None], release: asyncio.Event
) -> None:
    """Shutdown waits for the held pass instead of having APScheduler cancel it."""
    stopping = asyncio.create_task(scheduler.shutdown(wait=True))
    for _ in range(5):  # event-loop turns, not a clock
        await asyncio.sleep(0)
    assert not stopping.done(), "shutdown waits for the pass in flight"
    release.set()
    await stopping
    await pass_in_flight  # finished, not cancelled
    assert not pass_in_flight.cancelled()


class HeldSettler(SettleRunner):
    """A real settle runner whose pass waits for `release`: a shutdown caught mid-settle."""

    started: asyncio.Event
    release: asyncio.Event

    async def run_due(self) -> Counter[str]:
        self.started.set()
        await self.release.wait()
        return await super().run_due()


async def test_a_shutdown_mid_settle_waits_for_the_sweep_instead_of_cancelling_it(
    tmp_path: Path,
) -> None:
    # APScheduler cancels a job still running at its shutdown: a sweep cut there logged a
    # CancelledError traceback on SIGTERM and left its settle task leased.
    store = await SqliteStore.open(tmp_path / "held.db")
    clock = FixedClock(NOW)
    platform = MemoryPlatform(clock=clock)
    config = DeliveryConfig(concurrency=1)
    runner = DeliveryRunner(store, NoRefresh(), {"slack": platform}, clock, config, worker="w")
    settler = HeldSettler(store, NoRefresh(), {"slack": platform}, clock, config, worker="w")
    settler.started, settler.release = asyncio.Event(), asyncio.Event()
    scheduler = PaperScheduler(runner, store, clock, settler=settler)
    sweeping = asyncio.create_task(scheduler.sweep())
    await settler.started.wait()
    await assert_shutdown_waits_for(scheduler, sweeping, settler.release)
    await store.close()


class HeldRunner(DeliveryRunner):
    """A real runner whose `run_due` waits for `release` before it takes its lock: a sweep
    job APScheduler has started that has not reached the runner yet."""

    started: asyncio.Event
    release: asyncio.Event

    async def run_due(self) -> Counter[str]:
        self.started.set()
        await self.release.wait()
        return await super().run_due()


async def test_a_shutdown_waits_for_a_digest_run_that_has_not_taken_the_runner_yet(
    tmp_path: Path,
) -> None:
    # A rejected token stopped the run just as the first sweep began: shutdown found the
    # runner idle, APScheduler cancelled the sweep mid-plan and logged a CancelledError.
    store = await SqliteStore.open(tmp_path / "early.db")
    clock = FixedClock(NOW)
    platform = MemoryPlatform(clock=clock)
    config = DeliveryConfig(concurrency=1)
    runner = HeldRunner(store, NoRefresh(), {"slack": platform}, clock, config, worker="w")
    runner.started, runner.release = asyncio.Event(), asyncio.Event()
    scheduler = PaperScheduler(runner, store, clock)
    digests = asyncio.create_task(scheduler.digests())
    try:
        await runner.started.wait()
        await assert_shutdown_waits_for(scheduler, digests, runner.release)
        await scheduler.digests()  # after shutdown a wake-up claims nothing
        assert platform.posted == []
    finally:
        runner.release.set()
        await asyncio.gather(digests, return_exceptions=True)
        await store.close()
