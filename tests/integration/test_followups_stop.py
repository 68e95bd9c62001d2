"""A SIGTERM mid follow-up pass: the reply in flight finishes, no new one starts, and the
replies left keyed but unsent are posted by the next pass, each once.

The real FollowupRunner and DeliveryRunner on a real SQLite file, with the in-memory
platform (which, like Slack and Discord, recognises a reply it already has by its key).
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path

from bot.config.load import DeliveryConfig
from bot.delivery.runner import DeliveryRunner
from bot.lifecycle.followups import FollowupRunner
from bot.records.clock import FixedClock
from bot.records.models import ChannelRef, ChannelSettings, Paper, Subscription, WeekdayPolicy
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.memory_platform import MemoryPlatform

NOW = datetime(2031, 5, 14, 6, 0, tzinfo=UTC)  # a Wednesday; the clock is injected
TUESDAY = date(2031, 5, 13)
CHANNELS = [ChannelRef("slack", f"C{n}", "T") for n in range(3)]


class NoRefresh:
    async def refresh_day(self, day: date) -> int:
        return 0


async def test_a_stop_mid_pass_ends_it_after_the_reply_in_flight_and_loses_none(
    tmp_path: Path,
) -> None:
    store = await SqliteStore.open(tmp_path / "stop.db")
    clock = FixedClock(NOW)
    platform = MemoryPlatform(clock=clock)
    config = DeliveryConfig(concurrency=1, settle_concurrency=1)
    try:
        settings = ChannelSettings(post_time=time(5, 0), weekday_policy=WeekdayPolicy.DAILY)
        for channel in CHANNELS:
            await store.save_subscription(Subscription(channel, settings=settings))
        listed = Paper("2405.00001", "A paper", "Abstract.", ("A",), NOW, TUESDAY, upvotes=3)
        await store.upsert_papers([listed])
        runner = DeliveryRunner(store, NoRefresh(), {"slack": platform}, clock, config)
        await runner.run_due()
        assert len(platform.posted) == len(CHANNELS)
        first_pass: FollowupRunner | None = None

        def stop_after_the_first_reply(step: str) -> None:
            if step == "followup-sent" and first_pass is not None:
                first_pass.request_stop()  # as SIGTERM does through the scheduler

        first_pass = FollowupRunner(
            store, {"slack": platform}, clock, config, on_step=stop_after_the_first_reply
        )
        await first_pass.run_due()  # the baseline: what each posted paper had
        await store.upsert_papers([replace(listed, github_repo="https://github.com/o/r")])
        clock.advance(timedelta(hours=1))
        stopped = await first_pass.run_due()
        assert stopped["events"] == len(CHANNELS), "every channel's event is recorded"
        assert stopped["replies"] == 1, "the reply in flight finished; no other started"
        assert len(platform.replies) == 1

        clock.advance(timedelta(hours=1))
        next_pass = FollowupRunner(store, {"slack": platform}, clock, config)
        resumed = await next_pass.run_due()
        assert resumed["replies"] == len(CHANNELS) - 1, "the rest, in the next pass"
        threads = sorted(thread for thread, _ in platform.replies.values())
        assert len(threads) == len(set(threads)) == len(CHANNELS), "one reply per thread"
        again = await FollowupRunner(store, {"slack": platform}, clock, config).run_due()
        assert again["replies"] == 0, "nothing posted twice"
    finally:
        await store.close()
