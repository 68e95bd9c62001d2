"""The retention half of the Store contract (bot/retention/): for each kind pruned, what goes
and what stays, on every backend of tests/contract/conftest.py. Time is passed in; the
never-twice and exactly-once guarantees are checked across a prune."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from bot.config.load import DeliveryConfig, RetentionConfig
from bot.delivery.plan import plan_deliveries
from bot.ports import Store
from bot.records.clock import FixedClock
from bot.records.delivery import Delivery, DeliveryState
from bot.records.followups import FollowupEvent, FollowupKind, Seen
from bot.records.links import JoinOutcome, code_hash
from bot.records.models import (
    Cadence,
    ChannelRef,
    ChannelSettings,
    PaperArtifacts,
    PostReceipt,
    Subscription,
    WeekdayPolicy,
)
from bot.records.people import person_ref
from bot.records.retention import PruneKind
from bot.records.settle import SettleState
from bot.retention.runner import RetentionRunner
from tests.contract.conftest import StoreFactory
from tests.contract.test_settle_contract import tasks

NOW = datetime(2024, 9, 10, 12, 0, tzinfo=UTC)
OLD = NOW - timedelta(days=200)
CUT = NOW - timedelta(days=90)
SLACK = ChannelRef("slack", "C1", "T1")
DISCORD = ChannelRef("discord", "D1", "G1")
LEASE = timedelta(minutes=3)


def record(
    day: date,
    state: DeliveryState = DeliveryState.POSTED,
    channel: ChannelRef = SLACK,
    cadence: Cadence = Cadence.DAILY,
) -> Delivery:
    at = datetime.combine(day, time(9, 0), tzinfo=UTC)
    done = state is DeliveryState.POSTED
    return Delivery(
        channel,
        day,
        at,
        (day,),
        state=state,
        paper_ids=(f"p-{day.isoformat()}",) if done else (),
        message_ids=("m1",) if done else (),
        posted_at=at if done else None,
        next_try_at=at + timedelta(minutes=5) if state is DeliveryState.FAILED else None,
        cadence=cadence,
    )


async def days_kept(
    store: Store, channel: ChannelRef = SLACK, cadence: Cadence = Cadence.DAILY
) -> list[date]:
    found = await store.latest_deliveries(channel, 10_000, cadence)
    return sorted(d.day for d in found)


async def prune_all(store: Store, kind: PruneKind, before: datetime, batch: int = 2) -> int:
    """Batches of `batch` until one comes back short, as the runner does."""
    total = 0
    while True:
        deleted = await store.prune(kind, before, batch)
        total += deleted
        if deleted < batch:
            return total


async def test_old_final_deliveries_go_in_batches_and_pending_work_stays(store: Store) -> None:
    start = OLD.date()
    finals = [DeliveryState.POSTED, DeliveryState.EMPTY, DeliveryState.MISSED, DeliveryState.PAUSED]
    for n in range(8):
        await store.create_delivery(record(start + timedelta(days=n), finals[n % 4]))
    pending = record(start + timedelta(days=8), DeliveryState.PENDING)
    failed = record(start + timedelta(days=9), DeliveryState.FAILED)  # retrying
    await store.create_deliveries([pending, failed, record(NOW.date())])  # one recent
    await store.create_delivery(record(start, channel=DISCORD))  # DISCORD's newest: kept
    weekly = record(start, cadence=Cadence.WEEKLY)  # the newest weekly one: kept
    await store.create_delivery(weekly)

    assert await store.prune(PruneKind.DELIVERIES, CUT, 3) == 3  # one bounded batch
    assert await prune_all(store, PruneKind.DELIVERIES, CUT) == 5
    assert await store.prune(PruneKind.DELIVERIES, CUT, 3) == 0  # a second run finds nothing

    assert await days_kept(store) == [pending.day, failed.day, NOW.date()]
    assert await days_kept(store, DISCORD) == [start]
    assert await days_kept(store, SLACK, Cadence.WEEKLY) == [start]


async def test_a_persons_old_dm_records_go_but_their_newest_and_pending_ones_stay(
    store: Store,
) -> None:
    ada = person_ref("slack", "T1", "U1")
    start = OLD.date()
    posted = [record(start + timedelta(days=n), channel=ada) for n in range(5)]
    pending = record(start + timedelta(days=5), DeliveryState.PENDING, channel=ada)
    newest = record(NOW.date(), channel=ada)
    other = record(start, channel=person_ref("discord", "G1", "42"))  # its only one: kept
    await store.create_personal_deliveries([*posted, pending, newest, other])
    assert await prune_all(store, PruneKind.PERSONAL_DELIVERIES, CUT) == 5
    assert await store.prune(PruneKind.PERSONAL_DELIVERIES, CUT, 10) == 0
    kept = await store.latest_personal_deliveries(ada.key, 100)
    assert sorted(d.day for d in kept) == [pending.day, NOW.date()]
    assert len(await store.latest_personal_deliveries(other.channel.key, 100)) == 1


async def test_a_delivery_with_a_settle_task_still_to_run_stays(store: Store) -> None:
    old = record(OLD.date())
    await store.create_deliveries([old, record(NOW.date())])
    await store.create_settle_tasks(tasks(old))  # pending: claim_at set
    assert await store.prune(PruneKind.DELIVERIES, CUT, 10) == 0
    assert await store.prune(PruneKind.SETTLE_TASKS, CUT, 10) == 0  # not final: kept too
    assert await days_kept(store) == [OLD.date(), NOW.date()]


async def test_final_settle_tasks_past_the_cutoff_go(store: Store) -> None:
    old, recent = record(OLD.date()), record(NOW.date() - timedelta(days=2))
    await store.create_deliveries([old, recent, record(NOW.date())])
    await store.create_settle_tasks(tasks(old) + tasks(recent))
    while claimed := await store.claim_due_settle_tasks(NOW, "w", limit=10, lease=LEASE):
        for task in claimed:  # each age is claimable once the earlier one is final
            done = replace(task, state=SettleState.DONE, lease_owner=None, lease_until=None)
            assert await store.save_settle_task(done, worker="w")
    assert await prune_all(store, PruneKind.SETTLE_TASKS, CUT) == 2  # old's 24 h and 7 d
    assert await store.prune(PruneKind.SETTLE_TASKS, CUT, 10) == 0
    # the old post is not planned again (it is past the settle window), the recent one
    # keeps its tasks: only today's post (which never had any) is still to plan
    to_settle = await store.deliveries_to_settle(NOW - timedelta(days=7))
    assert [d.day for d in to_settle] == [NOW.date()]
    assert await prune_all(store, PruneKind.DELIVERIES, CUT) == 1


def event(detected: datetime, value: str) -> FollowupEvent:
    return FollowupEvent(
        SLACK, "2405.00001", FollowupKind.REPO, value, OLD.date(), "m1", "k" * 20, "T", detected
    )


async def test_followup_events_and_sightings_past_the_cutoff_go(store: Store) -> None:
    await store.record_followup_events([event(OLD, "a"), event(OLD, "b"), event(NOW, "c")])
    await store.save_followups_seen([Seen("2405.00001")], OLD)
    await store.save_followups_seen([Seen("2405.00002")], NOW)
    assert await prune_all(store, PruneKind.FOLLOWUP_EVENTS, CUT, batch=1) == 2
    assert await prune_all(store, PruneKind.FOLLOWUP_SEEN, CUT) == 1
    assert [e.value for e in await store.followup_events_since(OLD)] == ["c"]
    assert set(await store.followups_seen(["2405.00001", "2405.00002"])) == {"2405.00002"}


async def test_handled_requests_past_the_cutoff_are_forgotten(store: Store) -> None:
    assert await store.remember_request("old", OLD, OLD - timedelta(minutes=15))
    assert await store.remember_request("new", NOW, NOW - timedelta(minutes=15))
    assert await prune_all(store, PruneKind.HANDLED_REQUESTS, NOW - timedelta(hours=1)) == 1
    since = OLD - timedelta(days=1)  # a window reaching back to the old key: it is gone
    assert await store.remember_request("old", NOW, since)
    assert not await store.remember_request("new", NOW, since)  # still remembered


async def test_expired_link_codes_and_ended_locks_go(store: Store) -> None:
    await store.save_subscription(Subscription(SLACK, (), ChannelSettings()))
    await store.create_link_code(code_hash("OLD22222"), SLACK.key, OLD)
    await store.create_link_code(code_hash("NEW22222"), SLACK.key, NOW + timedelta(minutes=10))
    wrong = [code_hash(f"WRNG{n}ZZZ") for n in range(6)]
    for n in range(5):  # five wrong codes lock DISCORD (and its server) at OLD
        await store.join_link(wrong[n], DISCORD, "U9", OLD, f"g{n}")
    await store.join_link(wrong[5], ChannelRef("discord", "D2", "G2"), "U9", NOW, "g")  # fresh
    assert await store.prune(PruneKind.LINK_CODES, NOW - timedelta(days=7), 10) == 1
    assert await store.prune(PruneKind.LINK_FAILURES, NOW - timedelta(days=7), 10) == 0
    assert await store.prune(PruneKind.LINK_GUARDS, NOW - timedelta(days=7), 10) == 2
    assert await store.prune(PruneKind.LINK_GUARDS, NOW - timedelta(days=7), 10) == 0
    gone = await store.join_link(code_hash("OLD22222"), DISCORD, "U2", NOW, "g")
    assert gone.outcome is JoinOutcome.UNKNOWN  # no longer there to be found expired
    kept = await store.join_link(code_hash("NEW22222"), DISCORD, "U2", NOW, "g")
    assert kept.outcome is JoinOutcome.JOINED
    # the fresh wrong code still counts: its failure and guard scope are kept
    assert await store.prune(PruneKind.LINK_FAILURES, NOW - timedelta(minutes=10), 10) == 0


async def test_stale_wrong_codes_go_and_their_guard_with_them(store: Store) -> None:
    await store.join_link(code_hash("WRNG2ZZZ"), DISCORD, "U9", OLD, "g")
    assert await store.prune(PruneKind.LINK_FAILURES, CUT, 10) == 2  # channel and server
    assert await store.prune(PruneKind.LINK_GUARDS, CUT, 10) == 0  # never locked: no row


async def test_artifacts_not_refreshed_since_the_cutoff_go(store: Store) -> None:
    await store.save_hf_artifacts([PaperArtifacts("2405.00001")], OLD)
    await store.save_hf_artifacts([PaperArtifacts("2405.00002", models=("org/m",))], NOW)
    assert await prune_all(store, PruneKind.ARTIFACTS, CUT) == 1
    assert set(await store.hf_artifacts(["2405.00001", "2405.00002"])) == {"2405.00002"}


async def test_each_days_latest_fetch_stays(store: Store) -> None:
    day, other = OLD.date(), OLD.date() + timedelta(days=1)
    for hours in (1, 2, 3):
        await store.record_fetch(day, 10 * hours, OLD + timedelta(hours=hours))
    await store.record_fetch(other, 5, OLD + timedelta(hours=30))
    await store.record_fetch(day, 40, NOW)  # today's re-fetch of the old day: newer than all
    assert await prune_all(store, PruneKind.FETCHES, CUT, batch=1) == 3
    assert await store.latest_fetches(day, other) == {day: NOW, other: OLD + timedelta(hours=30)}
    last = await store.last_fetch()
    assert last is not None
    assert last.papers == 40


async def subscribe_daily(store: Store) -> None:
    settings = ChannelSettings(time(9, 0), "UTC", weekday_policy=WeekdayPolicy.DAILY)
    await store.save_subscription(Subscription(SLACK, (), settings))


async def post_due(store: Store, now: datetime) -> None:
    """Plan what is due and post it, as the delivery runner records a success."""
    await plan_deliveries(store, ["slack"], now, grace=timedelta(hours=12), day_cutoff_utc=time(3))
    for claimed in await store.claim_due_deliveries(now, "w", limit=10, lease=LEASE):
        paper = f"paper-{claimed.day.isoformat()}"
        done = replace(
            claimed,
            state=DeliveryState.POSTED,
            paper_ids=(paper,),
            message_ids=("m1",),
            posted_at=now,
            lease_owner=None,
            lease_until=None,
        )
        assert await store.save_delivery(done, worker="w")
        await store.record_post(PostReceipt(SLACK, ("m1",), now), claimed.day, [paper])


async def test_a_pruned_period_is_never_planned_again_nor_its_papers_posted_twice(
    store: Store,
) -> None:
    await subscribe_daily(store)
    start = datetime(2024, 5, 1, 10, 0, tzinfo=UTC)
    for n in range(120):
        await post_due(store, start + timedelta(days=n))
    now = start + timedelta(days=119)
    before = await days_kept(store)
    assert len(before) == 120

    runner = RetentionRunner(store, FixedClock(now), RetentionConfig(), DeliveryConfig())
    pruned = await runner.run(now)
    assert pruned["deliveries"] == len([d for d in before if d < (now - timedelta(days=90)).date()])
    assert await runner.run(now) == {}  # a second run finds nothing

    # exactly once: the planner plans nothing again, then only the next day
    planned = await plan_deliveries(
        store,
        ["slack"],
        now + timedelta(hours=1),
        grace=timedelta(hours=12),
        day_cutoff_utc=time(3),
    )
    assert planned == 0
    await post_due(store, now + timedelta(days=1))
    assert len(await days_kept(store)) == 120 - pruned["deliveries"] + 1
    # never twice: the first day's paper is still known as posted in the channel
    posted = await store.posted_paper_ids(SLACK)
    assert "paper-" + before[0].isoformat() in posted
    assert len(posted) == 121


async def test_two_workers_pruning_at_once_delete_each_row_once(
    store_factory: StoreFactory,
) -> None:
    first, second = await store_factory(), await store_factory()
    start = OLD.date()
    await first.create_deliveries([record(start + timedelta(days=n)) for n in range(40)])
    counts = await asyncio.gather(
        prune_all(first, PruneKind.DELIVERIES, CUT, batch=3),
        prune_all(second, PruneKind.DELIVERIES, CUT, batch=3),
    )
    assert sum(counts) == 39  # all but the newest, each once
    assert await days_kept(first) == [start + timedelta(days=39)]
