"""The LinkStore half of every Store, on SQLite and PostgreSQL: one-time codes, joining
(settings and topics copied, votes pooled), write-through of later changes, and unlinking
with a copy each. The race case joins with one code through two stores at once."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from bot.ports import Store
from bot.records.links import GuardKind, JoinOutcome, Lock, code_hash, expires_at
from bot.records.models import ChannelRef, ChannelSettings, Paper, Subscription, Topic, TopicKind
from tests.contract.conftest import StoreFactory

NOW = datetime(2026, 8, 22, 9, 0, tzinfo=UTC)
SLACK = ChannelRef("slack", "C1", "T1")
DISCORD = ChannelRef("discord", "C2", "G1")
OTHER = ChannelRef("discord", "C3", "G2")
PAPER = "2608.00001"
AGENTS = Topic(TopicKind.TERM, "agents")


async def setup(store: Store) -> None:
    settings = ChannelSettings(
        post_time=time(7, 30), timezone="Europe/Paris", min_upvotes=3, followups=False
    )
    await store.save_subscription(Subscription(SLACK, (AGENTS,), settings, created_by="U1"))
    await store.upsert_papers(
        [Paper(PAPER, "A paper", "Abstract.", ("Ada",), NOW, listed_on=date(2026, 8, 21))]
    )


async def invite(store: Store, code: str, channel: ChannelRef = SLACK) -> str:
    await store.create_link_code(code_hash(code), channel.key, expires_at(NOW))
    return code_hash(code)


async def test_a_join_copies_settings_topics_and_pools_votes(store: Store) -> None:
    await setup(store)
    await store.toggle_vote(SLACK.key, PAPER, "slack:T1:U1", NOW)
    await store.toggle_vote(DISCORD.key, PAPER, "discord::U2", NOW)  # before the join
    result = await store.join_link(await invite(store, "AAAA2222"), DISCORD, "U2", NOW, "group:1")
    assert result.outcome is JoinOutcome.JOINED
    assert result.inviter_key == SLACK.key
    joined = await store.get_subscription(DISCORD)
    assert joined is not None
    assert joined.topics == (AGENTS,)
    assert joined.settings.timezone == "Europe/Paris"
    assert joined.settings.min_upvotes == 3
    assert joined.settings.followups is False  # every setting, the newest column included
    assert await store.vote_key(SLACK.key) == await store.vote_key(DISCORD.key) == "group:1"
    assert await store.vote_counts("group:1", [PAPER]) == {PAPER: 2}
    assert await store.linked_channels(DISCORD.key) == [SLACK.key]


async def test_a_change_in_one_linked_channel_reaches_the_other(store: Store) -> None:
    await setup(store)
    await store.join_link(await invite(store, "AAAA2222"), DISCORD, "U2", NOW, "group:1")
    theirs = await store.get_subscription(DISCORD)
    assert theirs is not None
    kind = TopicKind.PHRASE
    await store.save_subscription(replace(theirs, topics=(Topic(kind, "world model"),)))
    ours = await store.get_subscription(SLACK)
    assert ours is not None
    assert ours.topics == (Topic(kind, "world model"),)
    assert ours.created_by == "U1"  # the channel's own fields stay its own


async def test_a_code_is_good_once_and_until_it_expires(store: Store) -> None:
    await setup(store)
    hashed = await invite(store, "AAAA2222")
    late = NOW + timedelta(minutes=10)
    assert (await store.join_link(hashed, DISCORD, "U", late, "g")).outcome is JoinOutcome.EXPIRED
    assert (await store.join_link(hashed, DISCORD, "U", NOW, "g")).outcome is JoinOutcome.UNKNOWN
    mine = await invite(store, "BBBB3333")
    outcome = (await store.join_link(mine, SLACK, "U", NOW, "g")).outcome
    assert outcome is JoinOutcome.SAME_CHANNEL
    assert await store.linked_channels(SLACK.key) == []


async def test_one_code_used_twice_at_once_joins_once(store_factory: StoreFactory) -> None:
    first, second = await store_factory(), await store_factory()
    await setup(first)
    hashed = await invite(first, "AAAA2222")
    results = await asyncio.gather(
        first.join_link(hashed, DISCORD, "U2", NOW, "group:a"),
        second.join_link(hashed, OTHER, "U3", NOW, "group:b"),
    )
    outcomes = sorted(r.outcome.value for r in results)
    assert outcomes == [JoinOutcome.JOINED.value, JoinOutcome.UNKNOWN.value]
    assert len(await first.linked_channels(SLACK.key)) == 1


async def test_unlink_leaves_each_channel_a_copy(store: Store) -> None:
    await setup(store)
    await store.join_link(await invite(store, "AAAA2222"), DISCORD, "U2", NOW, "group:1")
    await store.toggle_vote("group:1", PAPER, "discord::U2", NOW)
    assert await store.unlink(DISCORD.key)
    assert not await store.unlink(DISCORD.key)
    for channel in (SLACK, DISCORD):
        assert await store.vote_key(channel.key) == channel.key
        assert await store.vote_counts(channel.key, [PAPER]) == {PAPER: 1}
        kept = await store.get_subscription(channel)
        assert kept is not None
        assert kept.topics == (AGENTS,)
    mine = await store.get_subscription(SLACK)
    assert mine is not None
    await store.save_subscription(replace(mine, topics=()))
    theirs = await store.get_subscription(DISCORD)
    assert theirs is not None
    assert theirs.topics == (AGENTS,)


async def test_a_third_channel_joins_the_group_and_leaves_it_alone(store: Store) -> None:
    await setup(store)
    await store.join_link(await invite(store, "AAAA2222"), DISCORD, "U2", NOW, "group:1")
    await store.join_link(await invite(store, "CCCC4444", DISCORD), OTHER, "U3", NOW, "group:2")
    assert await store.linked_channels(OTHER.key) == [DISCORD.key, SLACK.key]
    assert await store.vote_key(OTHER.key) == "group:1"
    assert await store.unlink(OTHER.key)
    assert await store.linked_channels(SLACK.key) == [DISCORD.key]


async def test_unsubscribing_drops_the_link(store: Store) -> None:
    await setup(store)
    await store.join_link(await invite(store, "AAAA2222"), DISCORD, "U2", NOW, "group:1")
    await store.toggle_vote("group:1", PAPER, "discord::U2", NOW)
    await store.delete_subscription(DISCORD)
    assert await store.linked_channels(SLACK.key) == []
    # the channel left is unlinked, not a group of one: its votes are its own again, and it
    # may join another channel (a group of one was "linked already" and could not unlink)
    assert await store.vote_key(SLACK.key) == SLACK.key
    assert await store.vote_counts(SLACK.key, [PAPER]) == {PAPER: 1}
    await store.save_subscription(Subscription(OTHER, (), ChannelSettings()))
    joined = await store.join_link(await invite(store, "CCCC4444", OTHER), SLACK, "U", NOW, "g")
    assert joined.outcome is JoinOutcome.JOINED


async def test_one_of_three_unsubscribing_leaves_the_other_two_linked(store: Store) -> None:
    await setup(store)
    await store.join_link(await invite(store, "AAAA2222"), DISCORD, "U2", NOW, "group:1")
    await store.join_link(await invite(store, "CCCC4444"), OTHER, "U3", NOW, "group:2")
    await store.delete_subscription(DISCORD)
    assert await store.linked_channels(SLACK.key) == [OTHER.key]
    assert await store.get_subscription(SLACK) is not None


# ------------------------------------------------------------------ wrong codes and places

HERE = ChannelRef("discord", "C4", "G1")  # DISCORD's server
AWAY = ChannelRef("discord", "C5", "G3")
WRONG = [code_hash(f"WRNG{n:04d}".replace("0", "2").replace("1", "3")) for n in range(12)]


async def guess(store: Store, channel: ChannelRef, n: int, at: datetime = NOW) -> JoinOutcome:
    return (await store.join_link(WRONG[n], channel, "U9", at, f"group:{n}")).outcome


async def test_five_wrong_codes_lock_the_channel_for_ten_minutes(store: Store) -> None:
    await setup(store)
    hashed = await invite(store, "AAAA2222")
    for n in range(4):
        assert await guess(store, DISCORD, n) is JoinOutcome.UNKNOWN
    fifth = await store.join_link(WRONG[4], DISCORD, "U9", NOW, "g")
    assert fifth.outcome is JoinOutcome.UNKNOWN
    assert fifth.lock == Lock(GuardKind.CHANNEL, NOW + timedelta(minutes=10))
    # locked: even the real code is not looked at, so it is not used up either
    refused = await store.join_link(hashed, DISCORD, "U2", NOW + timedelta(minutes=9), "g")
    assert refused.outcome is JoinOutcome.LOCKED
    assert refused.lock == Lock(GuardKind.CHANNEL, NOW + timedelta(minutes=10))
    assert await store.linked_channels(SLACK.key) == []
    later = NOW + timedelta(minutes=10)
    assert await guess(store, DISCORD, 5, later) is JoinOutcome.UNKNOWN  # counting restarts
    other = await store.join_link(hashed, OTHER, "U3", NOW + timedelta(minutes=1), "group:x")
    assert other.outcome is JoinOutcome.JOINED  # another channel, another server: not locked


async def test_wrong_codes_older_than_ten_minutes_no_longer_count(store: Store) -> None:
    await setup(store)
    for n in range(4):
        assert await guess(store, DISCORD, n) is JoinOutcome.UNKNOWN
    later = NOW + timedelta(minutes=10)
    for n in range(4, 8):
        assert await guess(store, DISCORD, n, later) is JoinOutcome.UNKNOWN
    hashed = code_hash("AAAA2222")
    await store.create_link_code(hashed, SLACK.key, expires_at(later))
    joined = await store.join_link(hashed, DISCORD, "U2", later, "group:1")
    assert joined.outcome is JoinOutcome.JOINED


async def test_wrong_codes_across_a_servers_channels_lock_the_server(store: Store) -> None:
    await setup(store)
    for n, channel in enumerate([DISCORD, HERE, DISCORD, HERE]):
        assert await guess(store, channel, n) is JoinOutcome.UNKNOWN
    fifth = await store.join_link(WRONG[4], ChannelRef("discord", "C6", "G1"), "U9", NOW, "g")
    assert fifth.lock == Lock(GuardKind.PLACE, NOW + timedelta(minutes=10))
    locked = await guess(store, HERE, 5, NOW + timedelta(minutes=5))
    assert locked is JoinOutcome.LOCKED
    assert await guess(store, AWAY, 6, NOW + timedelta(minutes=5)) is JoinOutcome.UNKNOWN


async def test_wrong_codes_at_once_through_two_workers_are_counted_exactly(
    store_factory: StoreFactory,
) -> None:
    first, second = await store_factory(), await store_factory()
    await setup(first)
    outcomes = await asyncio.gather(
        *(guess(first if n % 2 else second, DISCORD, n) for n in range(10))
    )
    assert sorted(o.value for o in outcomes) == sorted(["unknown"] * 5 + ["locked"] * 5)


async def test_a_code_refused_for_where_it_was_typed_stays_good(store: Store) -> None:
    await setup(store)
    hashed = await invite(store, "AAAA2222")
    for _ in range(6):  # and refusing it is no wrong guess: it never locks the channel
        outcome = (await store.join_link(hashed, SLACK, "U1", NOW, "g")).outcome
        assert outcome is JoinOutcome.SAME_CHANNEL
    same_place = ChannelRef("slack", "C9", "T1")
    refused = await store.join_link(hashed, same_place, "U1", NOW, "g")
    assert refused.outcome is JoinOutcome.SAME_PLACE
    assert await store.get_subscription(same_place) is None
    joined = await store.join_link(hashed, DISCORD, "U2", NOW, "group:1")
    assert joined.outcome is JoinOutcome.JOINED
