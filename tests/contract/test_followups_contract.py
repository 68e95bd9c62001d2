"""The follow-up half of the Store contract (bot/lifecycle/followup_plan.py), on every backend of
the shared `store` fixture (SQLite, and PostgreSQL when PAPERBOT_TEST_POSTGRES_URL is set)."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

from bot.ports import Store
from bot.records.delivery import Delivery, DeliveryState
from bot.records.followups import FollowupEvent, FollowupKind, Seen
from bot.records.models import Cadence, ChannelRef, ChannelSettings, Subscription

AT = datetime(2024, 5, 10, 9, 0, tzinfo=UTC)
DAY = date(2024, 5, 9)
SLACK = ChannelRef("slack", "C1", "T1")
DISCORD = ChannelRef("discord", "D1", "G1")
REPO = "https://github.com/org/model"
THREAD = "1715331600.000100"
LEASE = timedelta(minutes=3)


def event(
    channel: ChannelRef = SLACK, kind: FollowupKind = FollowupKind.REPO, value: str = REPO
) -> FollowupEvent:
    return FollowupEvent(channel, "2405.00001", kind, value, DAY, THREAD, "k" * 20, "A title", AT)


async def test_an_event_is_recorded_once_per_channel_paper_kind_and_value(store: Store) -> None:
    assert await store.record_followup_events([event(), event(DISCORD)]) == 2
    again = replace(event(), detected_at=AT + timedelta(hours=1), title="Renamed")
    assert await store.record_followup_events([again, event(value="https://github.com/x/y")]) == 1
    assert await store.record_followup_events([event(kind=FollowupKind.STARS, value="100")]) == 1
    found = await store.followup_events_since(AT)
    assert len(found) == 4
    assert event() in found  # every field round-trips; the second sighting changed nothing
    assert await store.followup_events_since(AT + timedelta(seconds=1)) == []


async def test_a_batch_takes_its_reply_key_once_then_its_message_id(store: Store) -> None:
    await store.record_followup_events([event(), event(DISCORD)])
    assert await store.assign_followup_reply(SLACK, THREAD, "k1") == 1
    assert await store.assign_followup_reply(SLACK, THREAD, "k2") == 0  # already in a batch
    await store.record_followup_events([event(kind=FollowupKind.STARS, value="100")])
    assert await store.assign_followup_reply(SLACK, THREAD, "k2") == 1  # the next batch
    assert await store.claim_followup_reply(SLACK, "k1", "w1", AT, lease=LEASE) == 1
    assert await store.finish_followup_reply(
        SLACK, "k1", worker="w1", message_id="1715331700.000200"
    )
    by_kind = {
        e.kind: (e.reply_key, e.message_id)
        for e in await store.followup_events_since(AT)
        if e.channel == SLACK
    }
    assert by_kind == {
        FollowupKind.REPO: ("k1", "1715331700.000200"),
        FollowupKind.STARS: ("k2", None),
    }
    [discord] = [e for e in await store.followup_events_since(AT) if e.channel == DISCORD]
    assert (discord.reply_key, discord.message_id) == (None, None)


async def test_what_was_seen_of_a_paper_is_replaced_by_the_next_sighting(store: Store) -> None:
    assert await store.followups_seen([]) == {}
    await store.save_followups_seen([Seen("2405.00001"), Seen("2405.00002", REPO, 5, 2)], AT)
    await store.save_followups_seen([Seen("2405.00001", REPO, 120)], AT)
    assert await store.followups_seen(["2405.00001", "2405.00002", "2405.00003"]) == {
        "2405.00001": Seen("2405.00001", REPO, 120),
        "2405.00002": Seen("2405.00002", REPO, 5, 2),
    }


async def test_posted_records_of_any_cadence_since_an_instant(store: Store) -> None:
    def posted(channel: ChannelRef, day: date, at: datetime) -> Delivery:
        return Delivery(
            channel,
            day,
            at,
            (day,),
            state=DeliveryState.POSTED,
            paper_ids=("2405.00001",),
            message_ids=("m1",),
            posted_at=at,
        )

    await store.create_delivery(posted(SLACK, DAY, AT))
    await store.create_delivery(posted(DISCORD, DAY, AT - timedelta(days=15)))  # too old
    weekly = replace(posted(SLACK, date(2024, 5, 6), AT), cadence=Cadence.WEEKLY)
    await store.create_delivery(weekly)
    pending = replace(posted(DISCORD, date(2024, 5, 8), AT), state=DeliveryState.PENDING)
    await store.create_delivery(pending)
    found = await store.deliveries_posted_since(AT - timedelta(days=14))
    assert sorted((d.channel, d.cadence, d.day) for d in found) == [
        (SLACK, Cadence.DAILY, DAY),
        (SLACK, Cadence.WEEKLY, date(2024, 5, 6)),
    ]


async def test_the_followups_setting_is_on_by_default_and_kept(store: Store) -> None:
    await store.save_subscription(Subscription(SLACK))
    await store.save_subscription(Subscription(DISCORD, settings=ChannelSettings(followups=False)))
    assert (await store.get_subscription(SLACK)).settings.followups is True  # type: ignore[union-attr]
    assert (await store.get_subscription(DISCORD)).settings.followups is False  # type: ignore[union-attr]


async def test_a_key_is_never_given_to_a_second_batch(store: Store) -> None:
    await store.record_followup_events([event()])
    assert await store.assign_followup_reply(SLACK, THREAD, "k1") == 1
    await store.record_followup_events([event(kind=FollowupKind.STARS, value="100")])
    # a worker that read the events before "k1" was given out picks "k1" again: refused,
    # so the new event never joins a batch whose reply may be out already (it would be lost)
    assert await store.assign_followup_reply(SLACK, THREAD, "k1") == 0
    assert await store.assign_followup_reply(DISCORD, THREAD, "k1") == 0  # nothing to key
    assert await store.assign_followup_reply(SLACK, THREAD, "k2") == 1


async def test_one_worker_at_a_time_holds_a_reply_until_its_lease_runs_out(store: Store) -> None:
    await store.record_followup_events(
        [event(), event(kind=FollowupKind.STARS, value="100"), event(DISCORD)]
    )
    await store.assign_followup_reply(SLACK, THREAD, "k1")
    assert await store.claim_followup_reply(SLACK, "nope", "w1", AT, lease=LEASE) == 0
    assert await store.claim_followup_reply(SLACK, "k1", "w1", AT, lease=LEASE) == 1
    assert await store.claim_followup_reply(SLACK, "k1", "w2", AT + LEASE / 2, lease=LEASE) == 0
    # w1 died: once its lease expired w2 claims the batch (its second unfinished claim)
    assert await store.claim_followup_reply(SLACK, "k1", "w2", AT + LEASE, lease=LEASE) == 2
    assert not await store.finish_followup_reply(SLACK, "k1", worker="w1", message_id="m1")
    assert await store.finish_followup_reply(SLACK, "k1", worker="w2", message_id="m2")
    assert not await store.finish_followup_reply(SLACK, "k1", worker="w2", message_id="m3")
    later = AT + 10 * LEASE
    assert await store.claim_followup_reply(SLACK, "k1", "w3", later, lease=LEASE) == 0  # sent
    sent = [e for e in await store.followup_events_since(AT) if e.channel == SLACK]
    assert [(e.reply_key, e.message_id) for e in sent] == [("k1", "m2"), ("k1", "m2")]
    [other] = [e for e in await store.followup_events_since(AT) if e.channel == DISCORD]
    assert other.message_id is None  # another channel's events are not touched


async def test_a_released_reply_is_claimed_again_a_lease_later(store: Store) -> None:
    await store.record_followup_events([event()])
    await store.assign_followup_reply(SLACK, THREAD, "k1")
    assert await store.claim_followup_reply(SLACK, "k1", "w1", AT, lease=LEASE) == 1
    assert await store.finish_followup_reply(SLACK, "k1", worker="w1", message_id=None)
    assert not await store.finish_followup_reply(SLACK, "k1", worker="w1", message_id="m1")
    assert await store.claim_followup_reply(SLACK, "k1", "w2", AT, lease=LEASE) == 0
    assert await store.claim_followup_reply(SLACK, "k1", "w2", AT + LEASE, lease=LEASE) == 2
    [found] = await store.followup_events_since(AT)
    assert found.message_id is None
