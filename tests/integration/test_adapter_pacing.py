"""The real adapters pace themselves by the platforms' documented limits: against fakes that
enforce those limits (on the same virtual clock as the pacing), a digest with its thread
goes out without a single 429."""

from __future__ import annotations

from datetime import UTC, date, datetime

from adapters.discord import DiscordPlatform
from adapters.slack.platform import SlackPlatform
from bot.config.load import SlackConfig
from bot.records.clock import FixedClock
from bot.records.digest import Digest, DigestEntry
from bot.records.models import ChannelRef, Paper
from tests.fakes.discord_setup import config_for, fake_discord, no_sleep
from tests.fakes.pacing import VirtualTime, discord_pacing, slack_pacing
from tests.fakes.rate_limits import DISCORD, SLACK, ServerLimits
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_digests import digest_of, real_papers

NOW = datetime(2026, 8, 22, 9, 0, tzinfo=UTC)


async def test_slack_posts_a_digest_and_its_thread_replies_without_a_429() -> None:
    time = VirtualTime()
    fake = FakeSlackApi(limits=ServerLimits(SLACK, now=time.monotonic))
    await fake.start()
    try:
        fake.add_channel("C1")
        config = SlackConfig(
            enabled=True, bot_token="xoxb-t", app_token="xapp-t", api_base_url=fake.base_url
        )
        platform = SlackPlatform(
            config, clock=FixedClock(NOW), sleep=no_sleep, pacing=slack_pacing(time)
        )
        channel = ChannelRef("slack", "C1", "T0TEAM")
        await platform.post_digest(
            channel, digest_of(real_papers()), idempotency_key="k", first_attempt=True
        )
        messages = fake.channels["C1"].messages
    finally:
        await fake.close()
    assert len(messages) >= 3, "a top message and its thread replies"
    assert fake.limits is not None
    assert fake.limits.rate_limited == 0
    assert time.waits == [1.0] * (len(messages) - 1)  # one message a second in the channel


def digest_with(papers: int) -> Digest:
    entries = tuple(
        DigestEntry(
            rank=n,
            paper=Paper(
                arxiv_id=f"2608.{n:05d}",
                title=f"Paper {n}",
                abstract="word " * 900,  # one paper fills a details message
                authors=("Ada Lovelace",),
                published_at=NOW,
                upvotes=10,
            ),
            summary="A summary.",
        )
        for n in range(1, papers + 1)
    )
    return Digest(day=date(2026, 8, 21), entries=entries, total_candidates=papers)


async def test_discord_posts_a_digest_and_a_long_thread_without_a_429() -> None:
    time = VirtualTime()
    limits = ServerLimits(DISCORD, now=time.monotonic)
    async with fake_discord(limits=limits) as fake:
        platform = DiscordPlatform(config_for(fake), sleep=no_sleep, pacing=discord_pacing(time))
        channel = ChannelRef("discord", str(fake.guild.channel_id), str(fake.guild.id))
        try:
            receipt = await platform.post_digest(
                channel, digest_with(16), idempotency_key="k", first_attempt=True
            )
        finally:
            await platform.stop()
        replies = fake.thread_messages(receipt.message_ids[0])
    assert len(replies) >= 6, "more detail messages than a channel's burst of 5"
    assert limits.rate_limited == 0
    assert max(time.waits) >= 0.9  # the thread's fifth reply waited for its channel's token


async def test_discord_replies_in_a_thread_go_through_the_pacing_without_a_429() -> None:
    """Late additions and follow-ups: more replies in one thread than its burst of 5, and
    more than the global burst across threads (they used to go out unpaced: 429s)."""
    time = VirtualTime()
    limits = ServerLimits(DISCORD, now=time.monotonic)
    async with fake_discord(limits=limits) as fake:
        platform = DiscordPlatform(config_for(fake), sleep=no_sleep, pacing=discord_pacing(time))
        channel = ChannelRef("discord", str(fake.guild.channel_id), str(fake.guild.id))
        try:
            receipt = await platform.post_digest(
                channel, digest_with(1), idempotency_key="k", first_attempt=True
            )
            thread = receipt.message_ids[0]
            note = Digest(day=date(2026, 8, 21), entries=(), heading="• a follow-up")
            for n in range(12):
                await platform.post_reply(
                    channel, thread, note, idempotency_key=f"k{n}", first_attempt=True
                )
        finally:
            await platform.stop()
        replies = [m for m in fake.thread_messages(thread) if "a follow-up" in m["content"]]
    assert len(replies) == 12
    assert limits.rate_limited == 0
    assert time.waits.count(1.0) >= 12 - 5  # past its burst, one reply a second per thread
