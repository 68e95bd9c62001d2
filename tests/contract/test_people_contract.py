"""The PeopleStore half of every Store (issue 21): a person's own subscription, their DM
digests' records (claimed exactly once, as a channel's), the channel posts a DM links to,
and `me forget`, which leaves no row about the person, on SQLite and PostgreSQL.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from typing import Any

from bot.ports import Store
from bot.records.delivery import Delivery, DeliveryState
from bot.records.models import (
    Cadence,
    ChannelRef,
    ChannelSettings,
    Paper,
    PostReceipt,
    Topic,
    TopicKind,
)
from bot.records.people import ChannelPost, Footprint, Person, person_ref
from tests.contract.conftest import StoreFactory

NOW = datetime(2026, 8, 24, 7, 0, tzinfo=UTC)
DAY = date(2026, 8, 21)
LEASE = timedelta(minutes=5)
ADA = person_ref("slack", "T1", "U1")
BOB = person_ref("discord", "G1", "42")
CHANNEL = ChannelRef("slack", "C1", "T1")


def ada(**changes: Any) -> Person:
    settings = ChannelSettings(
        post_time=time(7, 30),
        timezone="Europe/Paris",
        max_papers=5,
        cadences=(Cadence.DAILY, Cadence.WEEKLY),
        weekly_day=4,
        followups=False,
    )
    topics = (Topic(TopicKind.TERM, "agents"), Topic(TopicKind.AUTHOR, "Yann LeCun"))
    base = Person(ADA, settings, topics, home="T1", dm_channel="D0ADA")
    return replace(base, **changes)


def paper(arxiv_id: str) -> Paper:
    return Paper(arxiv_id, f"Paper {arxiv_id}", "An abstract.", ("Ada",), NOW, listed_on=DAY)


def dm(person: ChannelRef = ADA, day: date = DAY) -> Delivery:
    return Delivery(channel=person, day=day, post_at=NOW - timedelta(hours=1), days=(day,))


def test_a_persons_ref_key_is_their_user_key() -> None:
    assert ADA.key == "slack:T1:U1"
    assert BOB.key == "discord::42"  # a Discord user id is global (bot/commands/clicks.py)


async def test_a_person_round_trips_and_is_replaced(store: Store) -> None:
    assert await store.get_person(ADA.key) is None
    await store.save_person(ada())
    assert await store.get_person(ADA.key) == ada()
    await store.save_person(ada(paused=True, blocked_reason="Discord error 50007"))
    assert await store.get_person(ADA.key) == ada(paused=True, blocked_reason="Discord error 50007")
    await store.save_person(Person(BOB))
    assert [p.key for p in await store.list_people()] == sorted([ADA.key, BOB.key])
    assert await store.delete_person(ADA.key)
    assert not await store.delete_person(ADA.key)
    assert [p.key for p in await store.list_people()] == [BOB.key]


async def test_dm_records_are_created_once_and_claimed_by_one_worker(
    store_factory: StoreFactory,
) -> None:
    one, two = await store_factory(), await store_factory()
    assert await one.create_personal_deliveries([dm(), dm(BOB)]) == 2
    assert await one.create_personal_deliveries([dm()]) == 0

    async def claim(store: Store, worker: str) -> list[str]:
        got = await store.claim_due_personal_deliveries(NOW, worker, limit=5, lease=LEASE)
        return [d.channel.key for d in got]

    first, second = await asyncio.gather(claim(one, "w1"), claim(two, "w2"))
    assert sorted(first + second) == sorted([ADA.key, BOB.key])
    # the channels' records are another table: a DM record is never a channel's
    assert await one.claim_due_deliveries(NOW, "w3", limit=5, lease=LEASE) == []


async def test_only_the_lease_owner_saves_and_a_posted_record_is_final(store: Store) -> None:
    await store.create_personal_deliveries([dm()])
    (claimed,) = await store.claim_due_personal_deliveries(
        NOW, "w1", limit=1, lease=LEASE, platform="slack"
    )
    assert claimed.state is DeliveryState.POSTING
    assert claimed.attempts == 1
    receipt = PostReceipt(ChannelRef("slack", "D1", "T1"), ("1.1",), NOW)
    posted = claimed.with_papers(("2608.00001",)).posted(receipt)
    assert not await store.save_personal_delivery(posted, worker="w2")
    assert await store.save_personal_delivery(posted, worker="w1")
    later = NOW + timedelta(hours=1)
    assert await store.claim_due_personal_deliveries(later, "w1", limit=1, lease=LEASE) == []
    assert await store.latest_personal_deliveries(ADA.key) == [posted]
    latest = await store.latest_personal_delivery_per_person()
    assert latest == {(ADA.key, Cadence.DAILY): posted}


async def test_an_expired_lease_is_claimed_again(store: Store) -> None:
    await store.create_personal_deliveries([dm(BOB)])
    await store.claim_due_personal_deliveries(NOW, "w1", limit=1, lease=LEASE)
    assert await store.claim_due_personal_deliveries(NOW, "w2", limit=1, lease=LEASE) == []
    (again,) = await store.claim_due_personal_deliveries(
        NOW + LEASE, "w2", limit=1, lease=LEASE, platform="discord"
    )
    assert again.attempts == 2
    assert again.lease_owner == "w2"


async def test_channel_posts_are_the_days_posted_digests_of_one_place(store: Store) -> None:
    other = ChannelRef("slack", "C2", "T2")
    for channel in (CHANNEL, other):
        assert await store.create_delivery(dm(channel))
        (claimed,) = await store.claim_due_deliveries(
            NOW, "w", limit=1, lease=LEASE, channel=channel
        )
        receipt = PostReceipt(channel, ("111.1", "111.2"), NOW)
        done = claimed.with_papers(("2608.00001", "2608.00002")).posted(receipt)
        assert await store.save_delivery(done, worker="w")
    found = await store.channel_posts("slack", "T1", DAY)
    assert found == [ChannelPost(CHANNEL, ("2608.00001", "2608.00002"), ("111.1", "111.2"))]
    assert await store.channel_posts("slack", "T1", DAY - timedelta(days=1)) == []


async def test_forget_leaves_no_row_about_the_person(store: Store) -> None:
    await store.upsert_papers([paper("2608.00001"), paper("2608.00002")])
    await store.save_person(ada())
    await store.create_personal_deliveries([dm(), dm(day=DAY - timedelta(days=1))])
    await store.toggle_vote(CHANNEL.key, "2608.00001", ADA.key, NOW)
    await store.toggle_vote(CHANNEL.key, "2608.00001", "slack:T1:U2", NOW)
    await store.toggle_vote("discord:G1:C9", "2608.00002", ADA.key, NOW)
    await store.toggle_save(ADA.key, "2608.00002", NOW)
    await store.toggle_save("slack:T1:U2", "2608.00002", NOW)
    await store.toggle_not_for_me(ADA.key, "2608.00001", NOW)
    await store.toggle_not_for_me("slack:T1:U2", "2608.00001", NOW)
    expected = Footprint(subscription=True, deliveries=2, votes=2, saves=1, not_for_me=1)
    assert await store.person_footprint(ADA.key) == expected

    assert await store.forget_person(ADA.key) == expected

    assert await store.person_footprint(ADA.key) == Footprint()
    assert await store.get_person(ADA.key) is None
    assert await store.latest_personal_deliveries(ADA.key, 10) == []
    assert await store.saved_papers(ADA.key, 10) == []
    # the channels' counts lose the person's votes and keep everyone else's
    assert await store.vote_counts(CHANNEL.key, ["2608.00001"]) == {"2608.00001": 1}
    assert await store.vote_counts("discord:G1:C9", ["2608.00002"]) == {}
    assert [p.arxiv_id for p in await store.saved_papers("slack:T1:U2", 10)] == ["2608.00002"]
    assert await store.not_for_me_papers(ADA.key, 10) == []  # "For you" negatives too
    assert len(await store.not_for_me_papers("slack:T1:U2", 10)) == 1
    assert await store.forget_person(ADA.key) == Footprint()


async def test_marks_alone_are_a_footprint_and_forget_deletes_them(store: Store) -> None:
    await store.upsert_papers([paper("2608.00001"), paper("2608.00002")])
    await store.toggle_not_for_me(ADA.key, "2608.00001", NOW)
    await store.toggle_not_for_me(ADA.key, "2608.00002", NOW)
    held = await store.person_footprint(ADA.key)
    assert held == Footprint(not_for_me=2)
    assert not held.is_empty, "a person whose only data is marks has something to forget"
    assert await store.forget_person(ADA.key) == Footprint(not_for_me=2)
    assert await store.not_for_me_papers(ADA.key, 10) == []
    assert (await store.person_footprint(ADA.key)).is_empty
