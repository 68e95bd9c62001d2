"""Weekly and monthly records and settings in every Store (SQLite and PostgreSQL).

A record is keyed by (channel, cadence, day): a week starting on a Monday and that Monday's
daily digest are two records, claimed, saved and reopened apart. Never-twice is per cadence.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from bot.ports import Store
from bot.records.delivery import Delivery, DeliveryState
from bot.records.models import Cadence, ChannelRef, ChannelSettings, PostReceipt, Subscription

NOW = datetime(2026, 8, 24, 9, 0, tzinfo=UTC)
MONDAY = date(2026, 8, 17)
WEEK = tuple(MONDAY + timedelta(days=n) for n in range(7))
SLACK = ChannelRef("slack", "C1", "T1")
LEASE = timedelta(minutes=3)


def daily() -> Delivery:
    return Delivery(SLACK, MONDAY, NOW - timedelta(days=6), (MONDAY,))


def weekly(cadence: Cadence = Cadence.WEEKLY) -> Delivery:
    return Delivery(SLACK, MONDAY, NOW, WEEK, cadence=cadence)


async def test_a_week_and_its_first_day_are_two_records(store: Store) -> None:
    assert await store.create_deliveries([daily(), weekly()]) == 2
    assert not await store.create_delivery(weekly()), "one record per (channel, cadence, day)"
    assert await store.get_delivery(SLACK, MONDAY) == daily()
    assert await store.get_delivery(SLACK, MONDAY, Cadence.WEEKLY) == weekly()
    assert await store.get_delivery(SLACK, MONDAY, Cadence.MONTHLY) is None
    assert await store.latest_deliveries(SLACK, 5) == [daily()]
    assert await store.latest_deliveries(SLACK, 5, Cadence.WEEKLY) == [weekly()]
    assert await store.latest_delivery_per_channel() == {
        (SLACK.key, Cadence.DAILY): daily(),
        (SLACK.key, Cadence.WEEKLY): weekly(),
    }


async def test_claim_save_and_reopen_touch_one_cadence(store: Store) -> None:
    await store.create_deliveries([daily(), weekly()])
    claimed = await store.claim_due_deliveries(NOW, "w1", limit=5, lease=LEASE)
    assert sorted(d.cadence for d in claimed) == [Cadence.DAILY, Cadence.WEEKLY]
    [week] = [d for d in claimed if d.cadence is Cadence.WEEKLY]
    assert await store.save_delivery(week.empty("no papers were listed"), worker="w1")
    stored = await store.get_delivery(SLACK, MONDAY, Cadence.WEEKLY)
    assert stored is not None
    assert stored.state is DeliveryState.EMPTY
    day = await store.get_delivery(SLACK, MONDAY)
    assert day is not None
    assert day.state is DeliveryState.POSTING, "the daily one untouched"
    assert await store.reopen_delivery(SLACK, MONDAY, NOW, Cadence.WEEKLY)
    assert not await store.reopen_delivery(SLACK, MONDAY, NOW), "the daily one is posting"
    reopened = await store.get_delivery(SLACK, MONDAY, Cadence.WEEKLY)
    assert reopened is not None
    assert reopened.state is DeliveryState.PENDING


async def test_weekly_and_daily_keys_differ() -> None:
    assert daily().idempotency_key != weekly().idempotency_key
    assert weekly().idempotency_key != weekly(Cadence.MONTHLY).idempotency_key
    assert len(weekly().idempotency_key) == 20


async def test_never_twice_is_per_cadence(store: Store) -> None:
    receipt = PostReceipt(SLACK, ("m1",), NOW)
    await store.record_post(receipt, MONDAY, ["2608.1", "2608.2"])
    await store.record_post(receipt, MONDAY, ["2608.2", "2608.3"], Cadence.WEEKLY)
    await store.record_post(receipt, MONDAY, ["2608.3"], Cadence.WEEKLY)  # a retry: harmless
    assert await store.posted_paper_ids(SLACK) == {"2608.1", "2608.2"}
    assert await store.posted_paper_ids(SLACK, Cadence.WEEKLY) == {"2608.2", "2608.3"}
    assert await store.posted_paper_ids(SLACK, Cadence.MONTHLY) == set()


async def test_cadence_settings_round_trip(store: Store) -> None:
    settings = ChannelSettings(
        post_time=time(8, 15), cadences=(Cadence.DAILY, Cadence.WEEKLY), weekly_day=4
    )
    subscription = Subscription(SLACK, settings=settings)
    await store.save_subscription(subscription)
    assert await store.get_subscription(SLACK) == subscription
    monthly = replace(subscription, settings=replace(settings, cadences=(Cadence.MONTHLY,)))
    await store.save_subscription(monthly)
    assert await store.list_subscriptions() == [monthly]
    other = ChannelRef("discord", "D1", "G1")
    await store.save_subscription(Subscription(other))
    found = await store.get_subscription(other)
    assert found is not None
    assert found.settings.cadences == (Cadence.DAILY,)
