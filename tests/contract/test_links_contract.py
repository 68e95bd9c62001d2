"""The LinkStore half of every Store, on SQLite and PostgreSQL: one-time codes, joining
(settings and topics copied, votes pooled), write-through of later changes, and unlinking
with a copy each. The race case joins with one code through two stores at once."""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta

from bot.ports import Store
from bot.records.links import JoinOutcome, code_hash, expires_at
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
    await store.delete_subscription(DISCORD)
    assert await store.linked_channels(SLACK.key) == []
