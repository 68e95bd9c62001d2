"""The delivery half of the Store contract: every Store must pass it (SQLite now, Postgres next).

It runs over every backend of the shared `store` fixture in tests/contract/conftest.py.
"""

from __future__ import annotations

import asyncio
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.ports import Store
from bot.records.chat import PostedPart
from bot.records.delivery import Delivery, DeliveryState, idempotency_key
from bot.records.models import Cadence, ChannelRef, PostReceipt
from bot.storage.sqlite.store import SqliteStore

NOW = datetime(2024, 5, 10, 7, 0, tzinfo=UTC)
DAY = date(2024, 5, 9)
LEASE = timedelta(minutes=10)
SLACK = ChannelRef("slack", "C1", "T1")
DISCORD = ChannelRef("discord", "D1", "G1")


@pytest.fixture
def delivery_store(store: Store) -> Store:
    """Every backend of tests/contract/conftest.py's `store` fixture (SQLite, PostgreSQL)."""
    return store


def pending(channel: ChannelRef = SLACK, day: date = DAY, post_at: datetime = NOW) -> Delivery:
    return Delivery(channel=channel, day=day, post_at=post_at, days=(day,))


async def test_a_record_is_created_once_per_channel_and_day(delivery_store: Store) -> None:
    assert await delivery_store.create_delivery(pending())
    assert not await delivery_store.create_delivery(pending(post_at=NOW + timedelta(hours=1)))
    found = await delivery_store.get_delivery(SLACK, DAY)
    assert found == pending()
    assert await delivery_store.get_delivery(DISCORD, DAY) is None


async def test_every_field_survives_a_round_trip(delivery_store: Store) -> None:
    full = Delivery(
        channel=DISCORD,
        day=DAY,
        post_at=NOW,
        days=(date(2024, 5, 7), date(2024, 5, 8), DAY),
        state=DeliveryState.FAILED,
        attempts=3,
        next_try_at=NOW + timedelta(minutes=5),
        reason="HTTP 503",
        paper_ids=("2405.00001", "2405.00002"),
        message_ids=("m1", "", "m3"),
        thread_replies=(4, 0, 2),
        posted_at=None,
    )
    await delivery_store.create_delivery(full)
    assert await delivery_store.get_delivery(DISCORD, DAY) == full


async def test_claim_takes_only_due_records_oldest_first(delivery_store: Store) -> None:
    later = ChannelRef("slack", "C2", "T1")
    future = ChannelRef("slack", "C3", "T1")
    await delivery_store.create_delivery(pending(later, post_at=NOW - timedelta(minutes=1)))
    await delivery_store.create_delivery(pending(SLACK, post_at=NOW - timedelta(minutes=5)))
    await delivery_store.create_delivery(pending(future, post_at=NOW + timedelta(seconds=1)))
    claimed = await delivery_store.claim_due_deliveries(NOW, "w1", limit=10, lease=LEASE)
    assert [d.channel for d in claimed] == [SLACK, later]
    assert all(d.state is DeliveryState.POSTING for d in claimed)
    assert all(d.attempts == 1 and d.lease_owner == "w1" for d in claimed)
    assert all(d.lease_until == NOW + LEASE for d in claimed)
    assert await delivery_store.claim_due_deliveries(NOW, "w2", limit=10, lease=LEASE) == []


async def test_claim_honours_limit_platform_and_channel(delivery_store: Store) -> None:
    for n in range(3):
        await delivery_store.create_delivery(pending(ChannelRef("slack", f"C{n}", "T")))
    await delivery_store.create_delivery(pending(DISCORD))
    one = await delivery_store.claim_due_deliveries(
        NOW, "w", limit=1, lease=LEASE, platform="slack"
    )
    assert [d.channel for d in one] == [ChannelRef("slack", "C0", "T")]
    discord = await delivery_store.claim_due_deliveries(
        NOW, "w", limit=10, lease=LEASE, platform="discord"
    )
    assert [d.channel for d in discord] == [DISCORD]
    c2 = ChannelRef("slack", "C2", "T")
    only = await delivery_store.claim_due_deliveries(NOW, "w", limit=10, lease=LEASE, channel=c2)
    assert [d.channel for d in only] == [c2]


async def test_concurrent_claims_never_share_a_record(delivery_store: Store) -> None:
    for n in range(40):
        await delivery_store.create_delivery(pending(ChannelRef("slack", f"C{n:02}", "T")))

    async def claim_all(worker: str) -> list[str]:
        taken: list[str] = []
        while batch := await delivery_store.claim_due_deliveries(NOW, worker, limit=3, lease=LEASE):
            taken += [d.channel.key for d in batch]
        return taken

    results = await asyncio.gather(*(claim_all(f"w{n}") for n in range(4)))
    everything = [key for taken in results for key in taken]
    assert len(everything) == 40
    assert len(set(everything)) == 40


async def test_only_the_lease_owner_may_save(delivery_store: Store) -> None:
    await delivery_store.create_delivery(pending())
    [claimed] = await delivery_store.claim_due_deliveries(NOW, "w1", limit=1, lease=LEASE)
    receipt = PostReceipt(SLACK, ("1715324400.000100",), NOW + timedelta(seconds=2))
    assert not await delivery_store.save_delivery(claimed.posted(receipt), worker="w2")
    assert await delivery_store.save_delivery(claimed.with_papers(("a", "b")), worker="w1")
    assert await delivery_store.save_delivery(claimed.posted(receipt), worker="w1")
    found = await delivery_store.get_delivery(SLACK, DAY)
    assert found is not None
    assert found.state is DeliveryState.POSTED
    assert found.message_ids == receipt.message_ids
    assert found.posted_at == receipt.posted_at
    assert found.lease_owner is None
    assert not await delivery_store.save_delivery(found, worker="w1"), "lease is gone"
    assert (
        await delivery_store.claim_due_deliveries(NOW + LEASE * 2, "w", limit=5, lease=LEASE) == []
    )


async def test_an_expired_lease_is_claimed_again(delivery_store: Store) -> None:
    await delivery_store.create_delivery(pending())
    await delivery_store.claim_due_deliveries(NOW, "dead", limit=1, lease=LEASE)
    early = NOW + LEASE - timedelta(seconds=1)
    assert await delivery_store.claim_due_deliveries(early, "w2", limit=1, lease=LEASE) == []
    [again] = await delivery_store.claim_due_deliveries(NOW + LEASE, "w2", limit=1, lease=LEASE)
    assert again.attempts == 2
    assert again.lease_owner == "w2"
    assert again.idempotency_key == idempotency_key(SLACK, DAY)
    receipt = PostReceipt(SLACK, ("m",), NOW)
    assert not await delivery_store.save_delivery(again.posted(receipt), worker="dead")


async def test_parts_saved_mid_post_are_what_the_next_claim_sees(delivery_store: Store) -> None:
    await delivery_store.create_delivery(pending())
    [claimed] = await delivery_store.claim_due_deliveries(NOW, "dead", limit=1, lease=LEASE)
    progress = claimed.with_part(PostedPart(0, "m1", 3)).with_part(PostedPart(1, "m2", 0))
    assert await delivery_store.save_delivery(progress, worker="dead")
    [again] = await delivery_store.claim_due_deliveries(NOW + LEASE, "w2", limit=1, lease=LEASE)
    assert again.posted_parts == (PostedPart(0, "m1", 3), PostedPart(1, "m2", 0))
    assert (again.message_ids, again.thread_replies) == (("m1", "m2"), (3, 0))


async def test_failed_records_wait_for_next_try_and_give_up_when_told(
    delivery_store: Store,
) -> None:
    await delivery_store.create_delivery(pending())
    [claimed] = await delivery_store.claim_due_deliveries(NOW, "w", limit=1, lease=LEASE)
    retry_at = NOW + timedelta(minutes=2)
    await delivery_store.save_delivery(claimed.failed("HTTP 503", retry_at), worker="w")
    early = retry_at - timedelta(seconds=1)
    assert await delivery_store.claim_due_deliveries(early, "w", limit=1, lease=LEASE) == []
    [again] = await delivery_store.claim_due_deliveries(retry_at, "w", limit=1, lease=LEASE)
    assert (again.attempts, again.reason) == (2, "HTTP 503")
    await delivery_store.save_delivery(again.failed("HTTP 503", None), worker="w")
    far = NOW + timedelta(days=30)
    assert await delivery_store.claim_due_deliveries(far, "w", limit=1, lease=LEASE) == []


@pytest.mark.parametrize("state", [DeliveryState.MISSED, DeliveryState.EMPTY, DeliveryState.PAUSED])
async def test_final_records_are_never_claimed(delivery_store: Store, state: DeliveryState) -> None:
    record = Delivery(SLACK, DAY, NOW, state=state, reason="why")
    await delivery_store.create_delivery(record)
    far = NOW + timedelta(days=30)
    assert await delivery_store.claim_due_deliveries(far, "w", limit=1, lease=LEASE) == []
    assert await delivery_store.get_delivery(SLACK, DAY) == record


async def test_latest_deliveries_are_newest_day_first_per_channel(delivery_store: Store) -> None:
    for offset in (2, 0, 1):
        day = DAY - timedelta(days=offset)
        await delivery_store.create_delivery(pending(day=day))
    await delivery_store.create_delivery(pending(DISCORD, day=DAY + timedelta(days=5)))
    latest = await delivery_store.latest_deliveries(SLACK, limit=2)
    assert [d.day for d in latest] == [DAY, DAY - timedelta(days=1)]
    assert [d.day for d in await delivery_store.latest_deliveries(SLACK)] == [DAY]
    assert await delivery_store.latest_deliveries(ChannelRef("slack", "none")) == []


async def test_records_survive_reopening_the_store(tmp_path: Path) -> None:
    store = await SqliteStore.open(tmp_path / "reopen.db")
    await store.create_delivery(pending())
    await store.claim_due_deliveries(NOW, "w", limit=1, lease=LEASE)
    await store.close()
    reopened = await SqliteStore.open(tmp_path / "reopen.db")
    try:
        found = await reopened.get_delivery(SLACK, DAY)
        assert found is not None
        assert (found.state, found.lease_owner) == (DeliveryState.POSTING, "w")
    finally:
        await reopened.close()


async def test_a_paused_record_can_be_reopened_and_claimed_again(delivery_store: Store) -> None:
    await delivery_store.create_delivery(pending())
    [claimed] = await delivery_store.claim_due_deliveries(NOW, "w1", limit=1, lease=LEASE)
    assert await delivery_store.save_delivery(claimed.paused("not_in_channel"), worker="w1")
    later = NOW + timedelta(hours=2)
    assert await delivery_store.claim_due_deliveries(later, "w2", limit=1, lease=LEASE) == []
    assert await delivery_store.reopen_delivery(SLACK, DAY, later)
    reopened = await delivery_store.get_delivery(SLACK, DAY)
    assert reopened is not None
    assert (reopened.state, reopened.reason, reopened.lease_owner) == (
        DeliveryState.PENDING,
        None,
        None,
    )
    assert await delivery_store.claim_due_deliveries(later - timedelta(seconds=1), "w2",
                                                     limit=1, lease=LEASE) == []  # fmt: skip
    [again] = await delivery_store.claim_due_deliveries(later, "w2", limit=1, lease=LEASE)
    assert again.attempts == 2
    assert not await delivery_store.reopen_delivery(SLACK, DAY, later), "only a paused record"
    assert not await delivery_store.reopen_delivery(DISCORD, DAY, later), "no such record"


async def test_an_empty_record_can_be_reopened_but_a_posted_one_never(
    delivery_store: Store,
) -> None:
    other_day = DAY - timedelta(days=1)
    for day in (DAY, other_day):
        await delivery_store.create_delivery(pending(day=day))
    empty, posted = await delivery_store.claim_due_deliveries(NOW, "w1", limit=2, lease=LEASE)
    assert await delivery_store.save_delivery(empty.empty("no paper matched"), worker="w1")
    receipt = PostReceipt(channel=SLACK, message_ids=("m1",), posted_at=NOW)
    assert await delivery_store.save_delivery(posted.posted(receipt), worker="w1")
    later = NOW + timedelta(hours=2)
    assert await delivery_store.reopen_delivery(SLACK, empty.day, later)
    reopened = await delivery_store.get_delivery(SLACK, empty.day)
    assert reopened is not None
    assert (reopened.state, reopened.reason) == (DeliveryState.PENDING, None)
    assert not await delivery_store.reopen_delivery(SLACK, posted.day, later)
    kept = await delivery_store.get_delivery(SLACK, posted.day)
    assert kept is not None
    assert kept.state is DeliveryState.POSTED


async def test_many_records_are_created_at_once_each_only_once(delivery_store: Store) -> None:
    assert await delivery_store.create_deliveries([]) == 0
    await delivery_store.create_delivery(pending(SLACK))
    many = [pending(ChannelRef("slack", f"C{n:04}", "T")) for n in range(1200)]  # > one batch
    again = pending(SLACK, post_at=NOW + timedelta(hours=1))
    assert await delivery_store.create_deliveries([again, *many, many[0]]) == 1200
    assert await delivery_store.get_delivery(SLACK, DAY) == pending(SLACK), "first one kept"
    assert await delivery_store.get_delivery(many[-1].channel, DAY) == many[-1]
    assert await delivery_store.create_deliveries(many) == 0


async def test_latest_delivery_per_channel_is_each_channels_newest_day(
    delivery_store: Store,
) -> None:
    assert await delivery_store.latest_delivery_per_channel() == {}
    older, newer = pending(SLACK, DAY - timedelta(days=1)), pending(SLACK, DAY)
    other = pending(DISCORD, DAY - timedelta(days=3))
    await delivery_store.create_deliveries([newer, other, older])
    assert await delivery_store.latest_delivery_per_channel() == {
        (SLACK.key, Cadence.DAILY): newer,
        (DISCORD.key, Cadence.DAILY): other,
    }
