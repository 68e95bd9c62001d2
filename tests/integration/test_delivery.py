"""DeliveryRunner against a real SQLite file and a rate-limited fake platform on loopback."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass, field, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config.load import DeliveryConfig
from bot.delivery.runner import DeliveryRunner
from bot.digest.topics import parse_topics
from bot.records.clock import FixedClock
from bot.records.delivery import Delivery, DeliveryState, EmptyReason
from bot.records.errors import PermanentPlatformError, SourceUnavailable, StoreError
from bot.records.models import ChannelRef, ChannelSettings, Paper, Subscription, WeekdayPolicy
from bot.schedule.daily import MAX_LOOKBACK
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.memory_platform import MemoryPlatform
from tests.fakes.ratelimited_platform import FakePlatformServer, HttpChatPlatform, serve

MONDAY = date(2024, 5, 13)
TUESDAY_7 = datetime(2024, 5, 14, 7, 0, tzinfo=UTC)


@dataclass
class FakeRefresher:
    """The day's list is already in the store; the source can be told to fail."""

    failing: bool = False
    calls: list[date] = field(default_factory=list)

    async def refresh_day(self, day: date) -> int:
        self.calls.append(day)
        if self.failing:
            raise SourceUnavailable("Hugging Face answered 503")
        return 0


class FakeTime:
    """One fake monotonic clock shared by the fake server and the client's sleep."""

    def __init__(self) -> None:
        self.now = 1000.0

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.now += seconds


@dataclass
class World:
    store: SqliteStore
    server: FakePlatformServer
    platform: HttpChatPlatform
    clock: FixedClock
    refresher: FakeRefresher
    runner: DeliveryRunner


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    fake_time = FakeTime()
    server = FakePlatformServer(now=fake_time)
    web_runner, url = await serve(server)
    platform = HttpChatPlatform("slack", url, sleep=fake_time.sleep, clock=fake_time)
    store = await SqliteStore.open(tmp_path / "delivery.db")
    clock = FixedClock(TUESDAY_7)
    refresher = FakeRefresher()
    config = DeliveryConfig(concurrency=4, max_attempts=3)
    runner = DeliveryRunner(store, refresher, {"slack": platform}, clock, config, worker="w1")
    try:
        yield World(store, server, platform, clock, refresher, runner)
    finally:
        await platform.stop()
        await store.close()
        await web_runner.cleanup()


def paper(n: int, day: date, title: str = "Agents that plan", upvotes: int = 10) -> Paper:
    return Paper(
        arxiv_id=f"2405.{n:05d}",
        title=f"{title} {n}",
        abstract="We study things. They work.",
        authors=("A. Author",),
        published_at=datetime.combine(day, time(0, 0), tzinfo=UTC),
        listed_on=day,
        upvotes=upvotes,
    )


def channel(n: int) -> ChannelRef:
    return ChannelRef("slack", f"C{n:03}", "T1")


async def subscribe(
    store: SqliteStore, n: int, topics: str = "", policy: WeekdayPolicy = WeekdayPolicy.DAILY
) -> ChannelRef:
    settings = ChannelSettings(post_time=time(7, 0), timezone="UTC", weekday_policy=policy)
    sub = Subscription(channel(n), parse_topics(topics) if topics else (), settings)
    await store.save_subscription(sub)
    return sub.channel


async def test_each_channel_gets_one_digest_and_a_rerun_posts_nothing(world: World) -> None:
    await world.store.upsert_papers([paper(n, MONDAY) for n in range(1, 6)])
    channels = [await subscribe(world.store, n) for n in range(6)]
    outcomes = await world.runner.run_due()
    assert outcomes == {"posted": 6}
    assert await world.runner.run_due() == {}
    for ref in channels:
        assert world.server.count(ref.key) == 1
        record = await world.store.get_delivery(ref, MONDAY)
        assert record is not None
        assert record.state is DeliveryState.POSTED
        assert record.message_ids
        assert len(await world.store.posted_paper_ids(ref)) == 5


async def test_a_paper_posted_once_is_never_posted_there_again(world: World) -> None:
    ref = await subscribe(world.store, 1)
    await world.store.upsert_papers([paper(1, MONDAY), paper(2, MONDAY)])
    await world.runner.run_due()
    tuesday = MONDAY + timedelta(days=1)
    relisted = replace(paper(2, MONDAY), listed_on=tuesday)  # listed again the next day
    await world.store.upsert_papers([relisted, paper(3, tuesday)])
    world.clock.advance(timedelta(days=1))
    assert await world.runner.run_due() == {"posted": 1}
    record = await world.store.get_delivery(ref, tuesday)
    assert record is not None
    assert record.paper_ids == ("2405.00003",)


async def test_empty_days_are_recorded_with_their_reason_and_not_posted(world: World) -> None:
    await world.store.upsert_papers([paper(1, MONDAY, title="Diffusion")])
    no_match = await subscribe(world.store, 1, topics="robotics")
    world.clock.set(datetime(2024, 5, 12, 7, 0, tzinfo=UTC))  # Sunday: covers Saturday
    weekend = await subscribe(world.store, 2)
    assert await world.runner.run_due() == {"empty": 2}
    saturday = await world.store.get_delivery(weekend, date(2024, 5, 11))
    assert saturday is not None
    assert (saturday.state, saturday.reason) == (DeliveryState.EMPTY, EmptyReason.WEEKEND)
    world.clock.set(TUESDAY_7)
    assert await world.runner.run_due() == {"empty": 1, "posted": 1}  # 2 takes Monday's
    record = await world.store.get_delivery(no_match, MONDAY)
    assert record is not None
    assert record.state is DeliveryState.EMPTY
    assert "match your topics" in (record.reason or "")
    assert world.server.count(no_match.key) == 0
    assert await world.runner.last_for(no_match) == f"{MONDAY}: nothing posted ({record.reason})"


async def test_a_permanent_failure_pauses_only_that_channel(world: World) -> None:
    await world.store.upsert_papers([paper(1, MONDAY)])
    refs = [await subscribe(world.store, n) for n in range(3)]
    world.server.fail_permanently(refs[1].key)
    assert await world.runner.run_due() == {"posted": 2, "paused": 1}
    sub = await world.store.get_subscription(refs[1])
    assert sub is not None
    assert sub.paused_reason == "Missing Permissions (50013)"
    assert await world.runner.next_for(refs[1]) is None
    assert await world.runner.last_for(refs[1]) == f"{MONDAY}: paused: Missing Permissions (50013)"
    world.clock.advance(timedelta(days=1))
    await world.store.upsert_papers([paper(2, MONDAY + timedelta(days=1))])
    assert await world.runner.run_due() == {"posted": 2}, "a paused channel is not planned"


async def test_a_transient_failure_backs_off_then_succeeds(world: World) -> None:
    await world.store.upsert_papers([paper(1, MONDAY)])
    ref = await subscribe(world.store, 1)
    world.server.fail(ref.key, 503, {"message": "unavailable"}, times=2)
    assert await world.runner.run_due() == {"failed": 1}
    record = await world.store.get_delivery(ref, MONDAY)
    assert record is not None
    assert record.next_try_at == TUESDAY_7 + timedelta(seconds=30)
    assert await world.runner.next_for(ref) == record.next_try_at
    assert await world.runner.run_due() == {}, "not before next_try_at"
    world.clock.advance(timedelta(seconds=30))
    assert await world.runner.run_due() == {"failed": 1}
    again = await world.store.get_delivery(ref, MONDAY)
    assert again is not None
    assert again.next_try_at == world.clock.now() + timedelta(seconds=60), "doubling backoff"
    world.clock.advance(timedelta(seconds=60))
    assert await world.runner.run_due() == {"posted": 1}
    assert world.server.count(ref.key) == 1
    # only the first claim may skip the platform's look-up of an earlier post
    assert world.platform.first_attempts == [True, False, False]


async def test_retries_give_up_after_max_attempts(world: World) -> None:
    await world.store.upsert_papers([paper(1, MONDAY)])
    ref = await subscribe(world.store, 1)
    world.server.fail(ref.key, 500, {"message": "boom"}, times=10)
    for _ in range(3):
        await world.runner.run_due()
        world.clock.advance(timedelta(hours=1))
    record = await world.store.get_delivery(ref, MONDAY)
    assert record is not None
    assert (record.state, record.attempts, record.next_try_at) == (DeliveryState.FAILED, 3, None)
    assert await world.runner.last_for(ref) == f"{MONDAY}: failed after 3 attempts " + (
        "(TransientPlatformError: HTTP 500)"
    )


async def test_a_feed_that_is_not_ready_is_retried_then_recorded_empty(world: World) -> None:
    ref = await subscribe(world.store, 1)
    world.refresher.failing = True
    assert await world.runner.run_due() == {"failed": 1}
    world.clock.advance(timedelta(hours=1))
    await world.runner.run_due()
    world.clock.advance(timedelta(hours=1))
    assert await world.runner.run_due() == {"empty": 1}
    record = await world.store.get_delivery(ref, MONDAY)
    assert record is not None
    assert record.reason == EmptyReason.FEED_NOT_READY


async def test_a_failing_source_falls_back_to_the_stored_list(world: World) -> None:
    await world.store.upsert_papers([paper(1, MONDAY)])
    await subscribe(world.store, 1)
    world.refresher.failing = True
    assert await world.runner.run_due() == {"posted": 1}


async def test_catch_up_posts_the_recent_miss_and_records_older_ones(world: World) -> None:
    ref = await subscribe(world.store, 1)
    await world.store.upsert_papers([paper(1, MONDAY)])
    world.clock.set(datetime(2024, 5, 10, 7, 0, tzinfo=UTC))  # Friday: covers Thursday
    await world.store.upsert_papers([paper(9, date(2024, 5, 9))])
    assert await world.runner.run_due() == {"posted": 1}
    world.clock.set(TUESDAY_7 + timedelta(hours=3))  # down from Friday to Tuesday 10:00
    assert await world.runner.run_due() == {"posted": 1}
    states = {d.day: d.state for d in await world.store.latest_deliveries(ref, 10)}
    assert states == {
        date(2024, 5, 9): DeliveryState.POSTED,
        date(2024, 5, 10): DeliveryState.MISSED,
        date(2024, 5, 11): DeliveryState.MISSED,
        date(2024, 5, 12): DeliveryState.MISSED,
        MONDAY: DeliveryState.POSTED,
    }
    assert world.server.count(ref.key) == 2


async def test_rate_limits_are_honoured_and_nothing_is_posted_twice(world: World) -> None:
    world.server.global_rate, world.server.global_burst = 5.0, 2.0
    world.server.channel_rate = 1.0
    await world.store.upsert_papers([paper(1, MONDAY)])
    refs = [await subscribe(world.store, n) for n in range(20)]
    assert await world.runner.run_due() == {"posted": 20}
    assert world.server.rate_limited > 0
    assert all(world.server.count(ref.key) == 1 for ref in refs)


async def test_post_now_posts_once_and_reports_the_record(world: World) -> None:
    await world.store.upsert_papers([paper(1, MONDAY)])
    ref = await subscribe(world.store, 1)
    world.clock.set(TUESDAY_7 - timedelta(hours=2))  # before today's post time
    record = await world.runner.post_now(ref)
    assert record is not None
    assert (record.state, record.day) == (DeliveryState.POSTED, MONDAY)
    again = await world.runner.post_now(ref)
    assert again == record
    world.clock.set(TUESDAY_7)
    assert await world.runner.run_due() == {}, "the scheduled post finds the day done"
    assert world.server.count(ref.key) == 1
    assert await world.runner.post_now(channel(99)) is None
    assert await world.runner.next_for(ref) == TUESDAY_7 + timedelta(days=1)
    assert await world.runner.last_for(ref) == f"{MONDAY}: posted 1 paper"


async def test_mondays_catch_up_names_the_whole_span_it_covers(world: World) -> None:
    friday, monday_9 = date(2024, 5, 10), datetime(2024, 5, 13, 9, 0, tzinfo=UTC)
    await world.store.upsert_papers([paper(1, friday)])
    world.clock.set(datetime(2024, 5, 10, 7, 0, tzinfo=UTC))  # Friday: covers Thursday
    ref = await subscribe(world.store, 1, policy=WeekdayPolicy.WEEKDAYS_CATCHUP)
    await world.runner.run_due()
    world.clock.set(monday_9)
    assert await world.runner.run_due() == {"posted": 1}
    [message] = [m for m in world.server.messages if m.channel == ref.key]
    assert message.text.startswith("Trending papers for Friday 10 to Sunday 12 May 2024")
    assert "Agents that plan 1" in message.text


async def test_drain_posts_only_what_was_planned(world: World) -> None:
    await world.store.upsert_papers([paper(1, MONDAY)])
    ref = await subscribe(world.store, 1)
    assert await world.runner.drain() == {}, "a follower plans nothing"
    assert await world.store.get_delivery(ref, MONDAY) is None
    await world.runner.plan()  # the leader's part
    assert await world.runner.drain() == {"posted": 1}
    assert world.server.count(ref.key) == 1


class SteppedSleep:
    """A sleep that returns only when the test says so; `asleep` is set while it waits."""

    def __init__(self) -> None:
        self.asleep = asyncio.Event()
        self._wake = asyncio.Event()
        self.asked: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.asked.append(seconds)
        self.asleep.set()
        await self._wake.wait()
        self._wake.clear()

    async def wake_and_wait_for_next_sleep(self) -> None:
        self.asleep.clear()
        self._wake.set()
        async with asyncio.timeout(5):  # a bound, not a wait on the clock
            await self.asleep.wait()


async def test_a_post_slower_than_the_lease_keeps_it_and_is_not_posted_twice(
    tmp_path: Path,
) -> None:
    clock = FixedClock(TUESDAY_7)
    slow, other = MemoryPlatform(gate=asyncio.Event()), MemoryPlatform()
    sleep = SteppedSleep()
    config = DeliveryConfig(concurrency=1)
    lease = timedelta(minutes=3)
    store = await SqliteStore.open(tmp_path / "lease.db")
    try:
        a = DeliveryRunner(
            store,
            FakeRefresher(),
            {"slack": slow},
            clock,
            config,
            worker="a",
            lease=lease,
            sleep=sleep,
        )
        b = DeliveryRunner(store, FakeRefresher(), {"slack": other}, clock, config, worker="b")
        await store.upsert_papers([paper(1, MONDAY)])
        await subscribe(store, 1)
        running = asyncio.create_task(a.run_due())
        async with asyncio.timeout(5):
            await slow.started.wait()
            await sleep.asleep.wait()
        for _ in range(3):  # six minutes of rate-limit waits: twice the lease
            clock.advance(timedelta(minutes=2))
            await sleep.wake_and_wait_for_next_sleep()
        assert await b.drain() == {}, "the record is still leased to the slow worker"
        assert slow.gate is not None
        slow.gate.set()
        assert await running == {"posted": 1}
        assert len(slow.posted) == 1
        assert other.posted == []
        record = await store.get_delivery(channel(1), MONDAY)
        assert record is not None
        assert record.state is DeliveryState.POSTED
    finally:
        await store.close()


class FlakyClaimStore(SqliteStore):
    """A real SQLite store whose second claim fails, as a locked or restarting database does."""

    def __init__(self, conn: Any) -> None:
        super().__init__(conn)
        self.claims = 0
        self.failed = asyncio.Event()

    async def claim_due_deliveries(self, *args: Any, **kwargs: Any) -> list[Delivery]:
        self.claims += 1
        if self.claims == 2:
            self.failed.set()
            raise StoreError("database is locked")
        return await super().claim_due_deliveries(*args, **kwargs)


async def test_a_failed_claim_ends_one_worker_and_the_run_waits_for_the_others(
    tmp_path: Path,
) -> None:
    store = await FlakyClaimStore.open(tmp_path / "flaky.db")
    assert isinstance(store, FlakyClaimStore)
    platform = MemoryPlatform(gate=asyncio.Event())
    try:
        runner = DeliveryRunner(
            store,
            FakeRefresher(),
            {"slack": platform},
            FixedClock(TUESDAY_7),
            DeliveryConfig(concurrency=2),
            worker="w",
        )
        await store.upsert_papers([paper(1, MONDAY)])
        await subscribe(store, 1)
        running = asyncio.create_task(runner.run_due())
        async with asyncio.timeout(5):
            await platform.started.wait()
            await store.failed.wait()  # the second worker's claim
        for _ in range(5):  # event-loop turns, not a clock
            await asyncio.sleep(0)
        assert not running.done(), "the run still has a post in flight"
        assert platform.gate is not None
        platform.gate.set()
        assert await running == {"posted": 1}
    finally:
        await store.close()


class ReadOnlySubscriptionsStore(SqliteStore):
    """A real SQLite store that cannot save subscriptions (the database went read-only)."""

    async def save_subscription(self, subscription: Subscription) -> None:
        raise StoreError("attempt to write a readonly database")


async def test_a_pause_that_cannot_be_saved_still_ends_the_record(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "ro.db")
    try:
        await store.upsert_papers([paper(1, MONDAY)])
        ref = await subscribe(store, 1)
    finally:
        await store.close()
    store = await ReadOnlySubscriptionsStore.open(tmp_path / "ro.db")
    try:
        runner = DeliveryRunner(
            store,
            FakeRefresher(),
            {"slack": MemoryPlatform(error=PermanentPlatformError("not_in_channel"))},
            FixedClock(TUESDAY_7),
            DeliveryConfig(concurrency=2),
            worker="w",
        )
        assert await runner.run_due() == {"paused": 1}
        record = await store.get_delivery(ref, MONDAY)
        assert record is not None
        assert record.reason == "not_in_channel"
    finally:
        await store.close()


@dataclass
class SlowRefresher:
    """The source answers after `delay` has passed on the runner's clock."""

    clock: FixedClock
    delay: timedelta

    async def refresh_day(self, day: date) -> int:
        self.clock.advance(self.delay)
        return 0


async def test_a_slow_fetch_before_the_post_does_not_leave_the_post_unleased(
    tmp_path: Path,
) -> None:
    clock = FixedClock(TUESDAY_7)
    slow, other = MemoryPlatform(gate=asyncio.Event()), MemoryPlatform()
    sleep = SteppedSleep()  # never woken: no periodic renewal happens in this test
    lease = timedelta(minutes=3)
    store = await SqliteStore.open(tmp_path / "fetch.db")
    try:
        a = DeliveryRunner(
            store,
            SlowRefresher(clock, lease - timedelta(seconds=10)),  # the source's retries
            {"slack": slow},
            clock,
            DeliveryConfig(concurrency=1),
            worker="a",
            lease=lease,
            sleep=sleep,
        )
        b = DeliveryRunner(
            store, FakeRefresher(), {"slack": other}, clock, DeliveryConfig(), worker="b"
        )
        await store.upsert_papers([paper(1, MONDAY)])
        await subscribe(store, 1)
        running = asyncio.create_task(a.run_due())
        async with asyncio.timeout(5):
            await slow.started.wait()
        clock.advance(timedelta(seconds=30))  # the claim's lease has run out by now
        assert await b.drain() == {}, "the post started with a fresh lease"
        assert slow.gate is not None
        slow.gate.set()
        assert await running == {"posted": 1}
        assert other.posted == []
    finally:
        await store.close()


async def test_post_now_looks_again_at_a_day_recorded_as_empty(world: World) -> None:
    await world.store.upsert_papers([paper(1, MONDAY)])
    ref = await subscribe(world.store, 1, topics="zebrafish")
    assert await world.runner.run_due() == {"empty": 1}
    await subscribe(world.store, 1, topics="agents")  # the topics changed since
    record = await world.runner.post_now(ref)
    assert record is not None
    assert (record.state, record.day) == (DeliveryState.POSTED, MONDAY)
    assert await world.runner.post_now(ref) == record, "a posted day is never posted again"
    assert world.server.count(ref.key) == 1


async def test_post_now_after_months_away_covers_at_most_the_lookback(world: World) -> None:
    await world.store.upsert_papers([paper(1, MONDAY)])
    ref = await subscribe(world.store, 1)
    long_ago = MONDAY - timedelta(days=90)  # its last digest, before it unsubscribed
    old = Delivery(ref, long_ago, TUESDAY_7 - timedelta(days=90), (long_ago,))
    assert await world.store.create_delivery(old.empty(EmptyReason.NO_LIST))
    record = await world.runner.post_now(ref)
    assert record is not None
    assert record.state is DeliveryState.POSTED
    assert len(record.days) <= MAX_LOOKBACK.days
    assert len(world.refresher.calls) <= MAX_LOOKBACK.days, "one fetch per covered weekday"


async def test_an_unexpected_error_is_retried_and_its_text_never_reaches_status(
    world: World,
) -> None:
    await world.store.upsert_papers([paper(1, MONDAY)])
    ref = await subscribe(world.store, 1)
    buggy = MemoryPlatform(error=RuntimeError("token xoxb-secret-value rejected"))
    runner = DeliveryRunner(
        world.store, world.refresher, {"slack": buggy}, world.clock,
        DeliveryConfig(max_attempts=3), worker="w2",
    )  # fmt: skip
    assert await runner.run_due() == {"failed": 1}
    record = await world.store.get_delivery(ref, MONDAY)
    assert record is not None
    assert record.next_try_at is not None  # retried later, like any failure
    status = await runner.last_for(ref)
    assert status is not None
    assert "RuntimeError" in status
    assert "xoxb" not in status
    assert "xoxb" not in (record.reason or "")


async def test_a_digest_whose_workers_keep_dying_is_given_up_not_retried_forever(
    world: World,
) -> None:
    await world.store.upsert_papers([paper(1, MONDAY)])
    ref = await subscribe(world.store, 1)
    await world.runner.plan()
    for _ in range(3):  # max_attempts: each claim's worker dies before an outcome
        claimed = await world.store.claim_due_deliveries(
            world.clock.now(), "doomed", limit=1, lease=timedelta(minutes=3)
        )
        assert len(claimed) == 1
        world.clock.advance(timedelta(minutes=4))  # the lease expires
    assert await world.runner.run_due() == {"failed": 1}
    record = await world.store.get_delivery(ref, MONDAY)
    assert record is not None
    assert (record.state, record.next_try_at) == (DeliveryState.FAILED, None)
    assert record.reason == "3 attempts never finished"
    assert world.server.count(ref.key) == 0
    assert await world.runner.run_due() == {}  # final: never claimed again


async def _pause_then_resume(world: World, after: timedelta) -> ChannelRef:
    await world.store.upsert_papers([paper(1, MONDAY)])
    ref = await subscribe(world.store, 1)
    world.server.fail_permanently(ref.key)
    assert await world.runner.run_due() == {"paused": 1}
    world.server.failures.pop(ref.key)  # someone invited the bot back
    paused = await world.store.get_subscription(ref)
    assert paused is not None
    await world.store.save_subscription(replace(paused, paused_reason=None))  # /papers subscribe
    world.clock.advance(after)
    return ref


async def test_a_channel_resumed_within_the_grace_window_gets_that_days_digest(
    world: World,
) -> None:
    ref = await _pause_then_resume(world, timedelta(hours=2))
    assert await world.runner.run_due() == {"posted": 1}
    assert world.server.count(ref.key) == 1
    record = await world.store.get_delivery(ref, MONDAY)
    assert record is not None
    assert record.state is DeliveryState.POSTED
    assert await world.runner.run_due() == {}


async def test_a_channel_resumed_too_late_does_not_get_the_old_digest(world: World) -> None:
    ref = await _pause_then_resume(world, timedelta(hours=13))  # grace: 12 h
    assert await world.runner.run_due() == {}
    record = await world.store.get_delivery(ref, MONDAY)
    assert record is not None
    assert record.state is DeliveryState.PAUSED
    assert world.server.count(ref.key) == 0
