"""Follow-ups on Slack: the real DeliveryRunner and FollowupRunner, a real SQLite file, and the
real AsyncWebClient against the fake Slack Web API.

A digest goes out; an hour later (after settling re-fetched the day) one of its papers has a
GitHub repository with 120 stars: one short reply in the digest's thread says so, once,
whatever crashes on the way.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass, replace
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.slack.platform import SlackPlatform
from bot.config.load import DEFAULT_USER_AGENT, ArxivConfig, DeliveryConfig, SlackConfig
from bot.delivery.runner import DeliveryRunner
from bot.lifecycle.followups import FollowupRunner, FollowupStep
from bot.records.clock import FixedClock
from bot.records.models import ChannelRef, ChannelSettings, Paper, Subscription, WeekdayPolicy
from bot.sources import ArxivSource
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.feed_server import FakeFeed, atom_versions
from tests.fakes.pacing import slack_pacing
from tests.fakes.slack_api import FakeSlackApi

DAY = date(2024, 5, 13)
POST_AT = datetime(2024, 5, 14, 7, 0, tzinfo=UTC)
CHANNEL = ChannelRef("slack", "C0PAPERS", "T0TEAM")
REPO = "https://github.com/org/planner"


class WorkerDied(BaseException):
    """Escapes every `except Exception`: nothing after the step runs, as in a SIGKILL."""


def paper(arxiv_id: str, title: str, upvotes: int) -> Paper:
    published = datetime.combine(DAY, time(0, 0), tzinfo=UTC)
    return Paper(arxiv_id, title, "Abstract.", ("A. Author",), published, DAY, upvotes=upvotes)


PAPERS = [
    paper("2405.00001", "Agents that plan <!channel>", 40),
    paper("2405.00002", "Agents that remember", 280),
]


class Source:
    def __init__(self, store: SqliteStore) -> None:
        self.store = store

    async def refresh_day(self, day: date) -> int:
        return await self.store.upsert_papers(PAPERS)


async def no_sleep(_seconds: float) -> None:
    return None


def dies_at(step: str) -> FollowupStep:
    def hook(name: str) -> None:
        if name == step:
            raise WorkerDied(step)

    return hook


@dataclass
class World:
    fake: FakeSlackApi
    store: SqliteStore
    clock: FixedClock
    platform: SlackPlatform

    def followups(self, on_step: FollowupStep | None = None) -> FollowupRunner:
        platforms = {"slack": self.platform}
        return FollowupRunner(self.store, platforms, self.clock, DeliveryConfig(), on_step=on_step)

    async def post(self) -> str:
        runner = DeliveryRunner(
            self.store, Source(self.store), {"slack": self.platform}, self.clock, DeliveryConfig()
        )
        assert await runner.run_due() == {"posted": 1}
        assert await self.followups().run_due() == {}  # the baseline: nothing to say yet
        [top] = self.fake.top_level(CHANNEL.channel_id)
        return str(top["ts"])

    async def gains(self, stars: int) -> None:
        """The paper as settling's re-fetch of the day stores it."""
        await self.store.upsert_papers([replace(PAPERS[0], github_repo=REPO, github_stars=stars)])

    def followup_replies(self, ts: str) -> list[dict[str, Any]]:
        return [r for r in self.fake.replies(CHANNEL.channel_id, ts) if "GitHub" in r["text"]]


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    fake = FakeSlackApi()
    await fake.start()
    fake.add_channel(CHANNEL.channel_id)
    store = await SqliteStore.open(tmp_path / "paperbot.db")
    clock = FixedClock(POST_AT)
    config = SlackConfig(
        enabled=True, bot_token="xoxb-test", app_token="xapp-x", api_base_url=fake.base_url
    )
    platform = SlackPlatform(
        config, clock=clock, sleep=no_sleep, timeout_s=2.0, pacing=slack_pacing()
    )
    settings = ChannelSettings(time(7, 0), "UTC", weekday_policy=WeekdayPolicy.DAILY)
    await store.save_subscription(Subscription(CHANNEL, (), settings))
    try:
        yield World(fake, store, clock, platform)
    finally:
        await store.close()
        await fake.close()


async def test_a_repo_with_120_stars_is_one_reply_in_the_thread_and_never_again(
    world: World,
) -> None:
    ts = await world.post()
    await world.gains(120)
    world.clock.set(POST_AT + timedelta(hours=1))
    assert await world.followups().run_due() == {"events": 2, "replies": 1}
    [reply] = world.followup_replies(ts)
    text = " ".join(b["text"]["text"] for b in reply["blocks"])
    assert REPO in text
    assert "passed 100 GitHub stars" in text
    assert "<!channel>" not in text  # the paper's title can ping no one
    assert "<!channel>" not in reply["text"]

    world.clock.set(POST_AT + timedelta(hours=2))
    assert await world.followups().run_due() == {}
    assert len(world.followup_replies(ts)) == 1


async def test_a_later_threshold_is_a_second_reply_with_a_key_of_its_own(world: World) -> None:
    ts = await world.post()
    await world.gains(120)
    assert await world.followups().run_due() == {"events": 2, "replies": 1}
    await world.gains(1500)
    world.clock.set(POST_AT + timedelta(days=3))
    assert await world.followups().run_due() == {"events": 1, "replies": 1}
    first, second = world.followup_replies(ts)
    assert "passed 1k GitHub stars" in second["text"]
    assert first["metadata"] != second["metadata"]


@pytest.mark.parametrize(
    "step", ["followup-recorded", "followup-keyed", "followup-accepted", "followup-sent"]
)
async def test_a_crash_at_any_step_leaves_one_reply(world: World, step: str) -> None:
    ts = await world.post()
    digest_calls = len(world.fake.calls("chat.postMessage"))  # the digest and its details
    await world.gains(120)
    with pytest.raises(WorkerDied):
        await world.followups(on_step=dies_at(step)).run_due()
    world.clock.set(POST_AT + timedelta(minutes=1))
    await world.followups().run_due()
    assert await world.followups().run_due() == {}
    [reply] = world.followup_replies(ts)
    assert REPO in reply["text"] or REPO in str(reply["blocks"])
    assert len(world.fake.calls("chat.postMessage")) == digest_calls + 1  # the one reply


async def test_nothing_after_the_window_or_with_followups_off(world: World) -> None:
    ts = await world.post()
    subscription = await world.store.get_subscription(CHANNEL)
    assert subscription is not None
    off = replace(subscription.settings, followups=False)
    await world.store.save_subscription(replace(subscription, settings=off))
    await world.gains(120)
    assert await world.followups().run_due() == {}
    await world.store.save_subscription(subscription)  # on again, 15 days after the post
    world.clock.set(POST_AT + timedelta(days=15))
    await world.gains(20_000)
    assert await world.followups().run_due() == {}
    assert world.followup_replies(ts) == []


async def test_a_new_arxiv_version_is_a_reply_looked_up_at_most_every_6_hours(
    world: World, tmp_path: Path
) -> None:
    async with FakeFeed(fixtures=False) as feed:
        config = ArxivConfig(base_url=feed.arxiv_url, min_interval_s=3.0, timeout_s=5.0)
        arxiv = ArxivSource(config, DEFAULT_USER_AGENT, sleep=no_sleep, monotonic=lambda: 0.0)
        ids = ",".join(p.arxiv_id for p in PAPERS)
        feed.serve_arxiv_id(ids, atom_versions({"2405.00001": 1, "2405.00002": 1}))
        runner = FollowupRunner(
            world.store, {"slack": world.platform}, world.clock, DeliveryConfig(), versions=arxiv
        )
        try:
            ts = await world.post()  # its own runner: no versions yet
            assert await runner.run_due() == {}  # the versions' baseline
            feed.serve_arxiv_id(ids, atom_versions({"2405.00001": 1, "2405.00002": 2}))
            world.clock.set(POST_AT + timedelta(hours=5))
            assert await runner.run_due() == {}  # not asked again yet
            assert len(feed.requests) == 1
            world.clock.set(POST_AT + timedelta(hours=6))
            assert await runner.run_due() == {"events": 1, "replies": 1}
            [reply] = [
                r for r in world.fake.replies(CHANNEL.channel_id, ts) if "arXiv" in r["text"]
            ]
            assert "“Agents that remember” has a new arXiv version (v2)" in reply["text"]
            assert len(feed.requests) == 2
        finally:
            await arxiv.aclose()
