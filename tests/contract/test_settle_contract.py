"""The settle-task half of the Store contract (bot/lifecycle/settle_plan.py), on every backend of
the shared `store` fixture (SQLite, and PostgreSQL when PAPERBOT_TEST_POSTGRES_URL is set)."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from bot.lifecycle.settle_plan import tasks_for
from bot.ports import Store
from bot.records.delivery import Delivery, DeliveryState
from bot.records.models import Cadence, ChannelRef
from bot.records.settle import SettleState, SettleTask

POSTED_AT = datetime(2024, 5, 10, 9, 0, tzinfo=UTC)
DAY = date(2024, 5, 9)
LEASE = timedelta(minutes=3)
SLACK = ChannelRef("slack", "C1", "T1")
DISCORD = ChannelRef("discord", "D1", "G1")


def posted(channel: ChannelRef = SLACK, day: date = DAY, at: datetime = POSTED_AT) -> Delivery:
    return Delivery(
        channel,
        day,
        at,
        (day,),
        state=DeliveryState.POSTED,
        paper_ids=("2405.00001", "2405.00002"),
        message_ids=("m1",),
        posted_at=at,
    )


def tasks(delivery: Delivery) -> list[SettleTask]:
    upvotes = {"2405.00001": 40, "2405.00002": 7}
    return tasks_for(delivery, (24, 168), upvotes, {"2405.00001", "2405.00002", "2405.00003"})


async def test_recent_posts_without_tasks_are_found_once_planned_never_again(
    store: Store,
) -> None:
    await store.create_delivery(posted())
    await store.create_delivery(posted(DISCORD, at=POSTED_AT - timedelta(days=9)))  # too old
    await store.create_delivery(
        replace(posted(channel=DISCORD, day=date(2024, 5, 8)), state=DeliveryState.EMPTY)
    )
    weekly = replace(posted(day=date(2024, 5, 6)), cadence=Cadence.WEEKLY)  # not a day's list
    await store.create_delivery(weekly)
    found = await store.deliveries_to_settle(POSTED_AT - timedelta(days=7))
    assert [(d.channel, d.day) for d in found] == [(SLACK, DAY)]
    assert await store.create_settle_tasks(tasks(found[0])) == 2
    assert await store.create_settle_tasks(tasks(found[0])) == 0  # a second planner
    assert await store.deliveries_to_settle(POSTED_AT - timedelta(days=7)) == []


async def test_every_field_survives_a_round_trip(store: Store) -> None:
    await store.create_settle_tasks(tasks(posted()))
    [claimed] = await store.claim_due_settle_tasks(
        POSTED_AT + timedelta(days=1), "w1", limit=5, lease=LEASE
    )
    full = replace(
        claimed,
        edited_at=POSTED_AT + timedelta(days=1, seconds=3),
        late_ids=("2405.00003",),
        late_message_id="r1",
        reason="note",
    )
    assert await store.save_settle_task(full, worker="w1")
    [first, second] = await store.settle_tasks_of(SLACK, DAY)
    assert first == full
    assert first.posted == (("2405.00001", 40), ("2405.00002", 7))
    assert first.listed == ("2405.00001", "2405.00002", "2405.00003")
    assert (second.age_hours, second.late_ids, second.state) == (168, None, SettleState.PENDING)


async def test_a_task_is_claimed_when_due_and_only_after_its_earlier_age_is_final(
    store: Store,
) -> None:
    await store.create_settle_tasks(tasks(posted()))
    late = POSTED_AT + timedelta(days=8)  # both ages are due (the bot was down a week)
    assert await store.claim_due_settle_tasks(POSTED_AT, "w1", limit=5, lease=LEASE) == []
    [first] = await store.claim_due_settle_tasks(late, "w1", limit=5, lease=LEASE)
    assert (first.age_hours, first.state, first.attempts) == (24, SettleState.SETTLING, 1)
    assert await store.claim_due_settle_tasks(late, "w2", limit=5, lease=LEASE) == []
    assert await store.save_settle_task(first.ended(SettleState.DONE), worker="w1")
    [second] = await store.claim_due_settle_tasks(late, "w2", limit=5, lease=LEASE)
    assert second.age_hours == 168


async def test_only_the_lease_owner_saves_and_an_expired_lease_is_claimed_again(
    store: Store,
) -> None:
    await store.create_settle_tasks(tasks(posted()))
    now = POSTED_AT + timedelta(days=1)
    [task] = await store.claim_due_settle_tasks(now, "w1", limit=1, lease=LEASE)
    assert not await store.save_settle_task(task.ended(SettleState.DONE), worker="w2")
    [again] = await store.claim_due_settle_tasks(now + LEASE, "w2", limit=1, lease=LEASE)
    assert (again.attempts, again.lease_owner) == (2, "w2")
    assert not await store.save_settle_task(task.ended(SettleState.DONE), worker="w1")
    assert await store.save_settle_task(again.failed("x", now + timedelta(hours=1)), worker="w2")
    assert await store.claim_due_settle_tasks(now + LEASE, "w3", limit=1, lease=LEASE) == []
    [retry] = await store.claim_due_settle_tasks(
        now + timedelta(hours=1), "w3", limit=1, lease=LEASE
    )
    assert retry.attempts == 3


async def test_concurrent_claims_never_share_a_task(store: Store) -> None:
    for n in range(12):
        await store.create_settle_tasks(tasks(posted(ChannelRef("slack", f"C{n}", "T1"))))
    now = POSTED_AT + timedelta(days=1)
    claims = await asyncio.gather(
        *(store.claim_due_settle_tasks(now, f"w{n}", limit=3, lease=LEASE) for n in range(6))
    )
    keys = [(t.channel.key, t.age_hours) for claim in claims for t in claim]
    assert len(keys) == len(set(keys)) == 12


async def test_a_platforms_workers_claim_only_that_platforms_tasks(store: Store) -> None:
    await store.create_settle_tasks([*tasks(posted()), *tasks(posted(DISCORD))])
    due = POSTED_AT + timedelta(days=1)
    [discord] = await store.claim_due_settle_tasks(
        due, "w1", limit=5, lease=LEASE, platform="discord"
    )
    assert (discord.channel, discord.age_hours) == (DISCORD, 24)
    assert await store.claim_due_settle_tasks(due, "w1", limit=5, lease=LEASE, platform="x") == []
    [slack] = await store.claim_due_settle_tasks(due, "w2", limit=5, lease=LEASE)  # any
    assert (slack.channel, slack.age_hours) == (SLACK, 24)
