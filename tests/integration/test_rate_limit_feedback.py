"""429s that reach the adapters are retried without failing the record, and the pacing
learns from them: the real DeliveryRunner on a SQLite file, discord.py and slack_sdk against
the loopback fakes, the pacing on a virtual clock (tests/fakes/pacing.py).

discord.py waits out the fake's 429s itself (here 1 ms each, its own sleep); our retries go
through the injected sleep and the pacing's virtual clock, never the wall clock."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time
from pathlib import Path

from adapters.discord import DiscordPlatform
from adapters.slack.platform import SlackPlatform
from bot.config.load import DeliveryConfig, SlackConfig
from bot.delivery.runner import DeliveryRunner
from bot.records.clock import FixedClock
from bot.records.delivery import DeliveryState
from bot.records.models import ChannelRef, ChannelSettings, Paper, Subscription, WeekdayPolicy
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.discord_api import Failure
from tests.fakes.discord_setup import config_for, fake_discord
from tests.fakes.pacing import VirtualTime, discord_pacing, slack_pacing
from tests.fakes.slack_api import FakeSlackApi, Scripted
from tests.fakes.slack_digests import digest_of, real_papers

THREADS = r"^/channels/\d+/messages/\d+/threads$"
MONDAY = date(2024, 5, 13)
TUESDAY_7 = datetime(2024, 5, 14, 7, 0, tzinfo=UTC)


class NoRefresh:
    async def refresh_day(self, day: date) -> int:
        return 0  # the day's list is already in the store


@dataclass
class RecordingSleep:
    """Our own retries' sleep: recorded, never waited."""

    delays: list[float] = field(default_factory=list)

    async def __call__(self, seconds: float) -> None:
        self.delays.append(seconds)


def paper(n: int) -> Paper:
    published = datetime.combine(MONDAY, time(0, 0), tzinfo=UTC)
    return Paper(f"2405.{n:05d}", f"Paper {n}", "Abstract.", ("A. Author",), published, MONDAY)


async def test_a_thread_start_429_is_retried_and_the_record_posts_once(tmp_path: Path) -> None:
    clock = VirtualTime()
    sleep = RecordingSleep()
    async with fake_discord() as fake:
        pacing = discord_pacing(clock)
        platform = DiscordPlatform(config_for(fake), sleep=sleep, attempts=3, pacing=pacing)
        store = await SqliteStore.open(tmp_path / "delivery.db")
        try:
            channel = ChannelRef("discord", str(fake.guild.channel_id), str(fake.guild.id))
            settings = ChannelSettings(time(7, 0), "UTC", weekday_policy=WeekdayPolicy.DAILY)
            await store.save_subscription(Subscription(channel, (), settings))
            await store.upsert_papers([paper(n) for n in range(1, 4)])
            # discord.py tries five times, then gives the 429 up to us
            limited = Failure.rate_limited(0.001, is_global=True)
            fake.fail_next("POST", THREADS, *[limited] * 5)
            runner = DeliveryRunner(
                store,
                NoRefresh(),
                {"discord": platform},
                FixedClock(TUESDAY_7),
                DeliveryConfig(concurrency=1, max_attempts=3),
            )
            assert await runner.run_due() == {"posted": 1}
            record = await store.get_delivery(channel, MONDAY)
        finally:
            await platform.stop()
            await store.close()
    assert record is not None
    assert (record.state, record.attempts) == (DeliveryState.POSTED, 1)
    starts = [r for r in fake.requests if r.method == "POST" and r.path.endswith("/threads")]
    assert len(starts) == 6, "five 429s, then the retry that started it"
    digest = [m for m in fake.created if m["channel_id"] == str(fake.guild.channel_id)]
    assert len(digest) == 1, "the digest's message is not posted again"
    (thread,) = fake.threads
    assert thread == digest[0]["id"]
    replies = fake.thread_messages(thread)
    assert replies, "the details went into the thread"
    assert len({r["nonce"] for r in replies}) == len(replies), "each reply once"
    assert record.thread_replies[0] == len(replies)
    assert sleep.delays == [0.001], "our one retry waited the 429's X-RateLimit-Reset-After"
    assert pacing.limited == 5, "the pacing saw discord.py's five 429s"
    assert pacing.eased == 1, "one moment of 429s slowed the pace once"
    assert 0.001 in clock.waits, "the retry waited for the held global bucket"


async def test_a_slack_post_429_holds_its_channel_not_the_workspace() -> None:
    clock = VirtualTime()
    sleep = RecordingSleep()
    fake = FakeSlackApi()
    await fake.start()
    try:
        for channel_id in ("C1", "C2"):
            fake.add_channel(channel_id)
        config = SlackConfig(
            enabled=True, bot_token="xoxb-t", app_token="xapp-t", api_base_url=fake.base_url
        )
        pacing = slack_pacing(clock)
        platform = SlackPlatform(config, clock=FixedClock(TUESDAY_7), sleep=sleep, pacing=pacing)
        fake.script("chat.postMessage", Scripted(status=429, retry_after=3))
        digest = digest_of(real_papers()[:2])
        await platform.post_digest(
            ChannelRef("slack", "C1", "T0TEAM"), digest, idempotency_key="k1", first_attempt=True
        )
        after_c1 = len(clock.waits)
        await platform.post_digest(
            ChannelRef("slack", "C2", "T0TEAM"), digest, idempotency_key="k2", first_attempt=True
        )
    finally:
        await fake.close()
    assert len(fake.top_level("C1")) == len(fake.top_level("C2")) == 1, "each posted once"
    sent = {c: len(fake.channels[c].messages) for c in ("C1", "C2")}
    assert sent["C1"] == sent["C2"] >= 2, "a top message and its thread reply in each"
    assert len(fake.calls("chat.postMessage")) == 1 + sent["C1"] + sent["C2"], "one 429"
    assert sleep.delays == [3.0], "the limited post waited Retry-After"
    assert clock.waits[0] == 3.0, "and its channel was held as long"
    assert pacing.eased == 1, "the workspace's pace eased off once"
    # C2 was never held: its only waits are its thread replies' one second apart
    assert clock.waits[after_c1:] == [1.0] * (sent["C2"] - 1)
