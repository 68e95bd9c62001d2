"""A reply in a digest's Discord thread (late additions, a follow-up) posted once across a
crash past Discord's nonce window: the real discord.py client against the fake Discord,
whose nonce memory lasts 300 s of its injected clock.

"Accepted but not recorded" is a first call whose id the caller never kept; the retry
(`first_attempt=False`) comes after the window, when only the reply's mark, read back from
the thread's history, can find it.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, time, timedelta
from pathlib import Path

import pytest

from adapters.discord import DiscordPlatform
from adapters.discord.marks import mark_for
from bot.delivery.worker import DEFAULT_LEASE
from bot.records.clock import FixedClock
from bot.records.digest import Digest
from bot.records.errors import MessageGone
from bot.records.models import ChannelRef, ChannelSettings, Subscription, WeekdayPolicy
from bot.records.settle import SettleTask
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.discord_api import NONCE_WINDOW_S, Failure, FakeDiscord
from tests.fakes.discord_payloads import FakeUser, message_payload
from tests.fakes.discord_setup import config_for, fake_discord, no_sleep
from tests.integration.test_adapter_pacing import digest_with
from tests.integration.test_settle_discord import World
from tests.integration.test_settle_slack import A_DAY_LATER, POST_AT, Source, WorkerDied

ADA = FakeUser(666_666_666_666_666_666, "ada")
KEY = "pb0123456789abcdef01late24"[:25]
FOLLOWUP = Digest(day=date(2024, 5, 13), entries=(), heading="• Code released for “Paper 1”")


@dataclass
class Setup:
    fake: FakeDiscord
    clock: list[float]  # the fake Discord's clock, in seconds
    platform: DiscordPlatform
    channel: ChannelRef
    thread: str  # the digest's thread (its first message's id)

    async def reply(self, digest: Digest, *, first_attempt: bool) -> str:
        return await self.platform.post_reply(
            self.channel, self.thread, digest, idempotency_key=KEY, first_attempt=first_attempt
        )

    def replies(self) -> list[str]:
        """The ids of the thread's messages that are not the digest's details."""
        return [
            m["id"]
            for m in self.fake.thread_messages(self.thread)
            if "Late additions" in m["content"] or "Code released" in m["content"]
        ]

    def history_reads(self) -> int:
        path = f"/channels/{self.thread}/messages"
        return sum(1 for r in self.fake.requests if r.method == "GET" and r.path == path)


@pytest.fixture
async def setup() -> AsyncIterator[Setup]:
    clock = [0.0]
    async with fake_discord(clock=lambda: clock[0]) as fake:
        platform = DiscordPlatform(config_for(fake), sleep=no_sleep)
        channel = ChannelRef("discord", str(fake.guild.channel_id), str(fake.guild.id))
        try:
            receipt = await platform.post_digest(
                channel, digest_with(1), idempotency_key="pbdigest", first_attempt=True
            )
            assert fake.thread_messages(receipt.message_ids[0]), "the details thread"
            yield Setup(fake, clock, platform, channel, receipt.message_ids[0])
        finally:
            await platform.stop()


@pytest.mark.parametrize("digest", [digest_with(2), FOLLOWUP], ids=["late-additions", "follow-up"])
async def test_a_reply_accepted_but_not_recorded_is_found_past_the_nonce_window(
    setup: Setup, digest: Digest
) -> None:
    accepted = await setup.reply(digest, first_attempt=True)  # then the worker died
    setup.clock[0] += NONCE_WINDOW_S + 1  # Discord has forgotten the nonce
    again = await setup.reply(digest, first_attempt=False)
    assert again == accepted
    assert setup.replies() == [accepted]
    assert setup.history_reads() == 1


async def test_the_follow_up_carries_its_mark_as_a_last_subtext_line(setup: Setup) -> None:
    await setup.reply(FOLLOWUP, first_attempt=True)
    [posted] = [m for m in setup.fake.thread_messages(setup.thread) if m["embeds"] == []]
    assert posted["content"].endswith(f"\n-# {mark_for(KEY, 0)}")


async def test_without_read_message_history_a_late_retry_posts_a_second_reply(
    setup: Setup,
) -> None:
    setup.fake.read_history = False  # the README's default invite
    first = await setup.reply(FOLLOWUP, first_attempt=True)
    assert await setup.reply(FOLLOWUP, first_attempt=False) == first  # the nonce, in time
    setup.clock[0] += NONCE_WINDOW_S + 1
    second = await setup.reply(FOLLOWUP, first_attempt=False)
    assert second != first  # the documented limit: only the record guards past the window
    assert setup.replies() == [first, second]


async def test_a_refused_history_read_falls_back_to_the_nonce(setup: Setup) -> None:
    first = await setup.reply(FOLLOWUP, first_attempt=True)
    setup.fake.fail_next("GET", rf"/channels/{setup.thread}/messages", Failure.discord_error(50001))
    assert await setup.reply(FOLLOWUP, first_attempt=False) == first  # within the window
    assert setup.replies() == [first]


async def test_a_first_attempt_does_not_read_the_thread(setup: Setup) -> None:
    await setup.reply(digest_with(2), first_attempt=True)
    assert setup.history_reads() == 0


async def test_a_members_message_with_the_mark_is_not_taken_for_the_reply(
    setup: Setup,
) -> None:
    body = {"content": f"look\n-# {mark_for(KEY, 0)}"}
    setup.fake.created.append(message_payload(901, int(setup.thread), ADA, body))
    posted = await setup.reply(FOLLOWUP, first_attempt=False)
    assert posted != "901"
    assert setup.replies() == [posted]


async def test_a_missing_thread_is_message_gone(setup: Setup) -> None:
    setup.thread = "123456789"  # no thread was ever started on it
    with pytest.raises(MessageGone, match="10003"):
        await setup.reply(FOLLOWUP, first_attempt=False)
    assert setup.fake.thread_messages("123456789") == []


async def test_settling_killed_after_the_reply_and_back_past_the_nonce_window_replies_once(
    tmp_path: Path,
) -> None:
    clock = [0.0]
    async with fake_discord(clock=lambda: clock[0]) as fake:
        now = FixedClock(POST_AT)
        platform = DiscordPlatform(config_for(fake), sleep=no_sleep, attempts=3, clock=now)
        store = await SqliteStore.open(tmp_path / "paperbot.db")
        ref = ChannelRef("discord", str(fake.guild.channel_id), str(fake.guild.id))
        settings = ChannelSettings(time(7, 0), "UTC", weekday_policy=WeekdayPolicy.DAILY)
        await store.save_subscription(Subscription(ref, (), settings))
        world = World(fake, store, Source(store), now, platform, ref)
        try:
            message_id = await world.post()
            world.source.papers = A_DAY_LATER
            now.set(POST_AT + timedelta(hours=24))

            def dies(name: str, task: SettleTask) -> None:
                if name == "late-accepted":
                    raise WorkerDied(name)

            with pytest.raises(WorkerDied):
                await world.settler(on_step=dies).run_due()
            clock[0] += NONCE_WINDOW_S + 1
            now.set(POST_AT + timedelta(hours=24) + DEFAULT_LEASE + timedelta(seconds=1))
            assert await world.settler().run_due() == {"done": 1}
            assert len(world.late_replies(message_id)) == 1
        finally:
            await platform.stop()
            await store.close()
