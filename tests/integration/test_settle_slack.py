"""Post, then settle, on Slack: the real DeliveryRunner and SettleRunner, a real SQLite file,
and the real AsyncWebClient against the fake Slack Web API.

A digest goes out at 07:00; a day later Hugging Face's list has new counts and one paper
that joined after the cut-off. The post is edited in place (same papers, same order, rises
marked) and the late addition is replied once in its thread, whatever crashes on the way.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from adapters.slack.platform import SlackPlatform
from bot.config.load import DeliveryConfig, SlackConfig
from bot.delivery.runner import DeliveryRunner
from bot.delivery.worker import DEFAULT_LEASE
from bot.lifecycle.settle import SettleRunner, SettleStep
from bot.records.clock import FixedClock
from bot.records.models import ChannelRef, ChannelSettings, Paper, Subscription, WeekdayPolicy
from bot.records.settle import SettleState, SettleTask
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.pacing import slack_pacing
from tests.fakes.slack_api import FakeSlackApi, Scripted

DAY = date(2024, 5, 13)  # a Monday
POST_AT = datetime(2024, 5, 14, 7, 0, tzinfo=UTC)
CHANNEL = ChannelRef("slack", "C0PAPERS", "T0TEAM")


class WorkerDied(BaseException):
    """Escapes every `except Exception`: nothing after the step runs, as in a SIGKILL."""


def paper(arxiv_id: str, title: str, upvotes: int) -> Paper:
    published = datetime.combine(DAY, time(0, 0), tzinfo=UTC)
    return Paper(arxiv_id, title, "Abstract.", ("A. Author",), published, DAY, upvotes=upvotes)


AT_POST = [
    paper("2405.00001", "Agents that plan", 40),
    paper("2405.00002", "Agents that remember", 280),
    paper("2405.00003", "Agents that forget", 9),
]
A_DAY_LATER = [
    paper("2405.00001", "Agents that plan", 500),  # now the most upvoted: stays third
    paper("2405.00002", "Agents that remember", 300),
    paper("2405.00003", "Agents that forget", 9),
    paper("2405.00004", "Agents that arrived late", 60),  # joined after the cut-off
]


class Source:
    """The day's list as Hugging Face would give it now (`refresh_day` stores it)."""

    def __init__(self, store: SqliteStore) -> None:
        self.store = store
        self.papers = AT_POST

    async def refresh_day(self, day: date) -> int:
        return await self.store.upsert_papers(self.papers)


async def no_sleep(_seconds: float) -> None:
    return None


def dies_at(step: str) -> SettleStep:
    def hook(name: str, task: SettleTask) -> None:
        if name == step:
            raise WorkerDied(step)

    return hook


@dataclass
class World:
    fake: FakeSlackApi
    store: SqliteStore
    source: Source
    clock: FixedClock
    platform: SlackPlatform

    def settler(self, on_step: SettleStep | None = None) -> SettleRunner:
        config = DeliveryConfig(settle_concurrency=1)
        return SettleRunner(
            self.store,
            self.source,
            {"slack": self.platform},
            self.clock,
            config,
            on_step=on_step,
        )

    async def post(self) -> str:
        runner = DeliveryRunner(
            self.store, self.source, {"slack": self.platform}, self.clock, DeliveryConfig()
        )
        assert await runner.run_due() == {"posted": 1}
        assert await self.settler().run_due() == {}  # plans the tasks; none due yet
        [top] = self.fake.top_level(CHANNEL.channel_id)
        return str(top["ts"])

    def at(self, delta: timedelta) -> None:
        self.clock.set(POST_AT + delta)

    def late_replies(self, ts: str) -> list[dict[str, Any]]:
        return [
            r for r in self.fake.replies(CHANNEL.channel_id, ts) if "Late additions" in r["text"]
        ]


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
        yield World(fake, store, Source(store), clock, platform)
    finally:
        await store.close()
        await fake.close()


def titles_and_marks(message: dict[str, Any]) -> list[str]:
    """Each paper section's first line, in the message's order."""
    texts = [b["text"]["text"] for b in message["blocks"] if b["type"] == "section"]
    return [t.split("\n", 1)[0] for t in texts if "since posted" in t or "upvote" in t]


async def test_a_day_later_the_post_is_edited_in_place_and_the_late_addition_replied_once(
    world: World,
) -> None:
    ts = await world.post()
    before = titles_and_marks(world.fake.top_level(CHANNEL.channel_id)[0])
    world.source.papers = A_DAY_LATER
    world.at(timedelta(hours=24))
    assert await world.settler().run_due() == {"done": 1}

    [update] = world.fake.calls("chat.update")
    assert (update["channel"], update["ts"]) == (CHANNEL.channel_id, ts)
    after = titles_and_marks(world.fake.top_level(CHANNEL.channel_id)[0])
    assert len(after) == len(before) == 3
    assert "Agents that remember" in after[0]
    assert "300 upvotes" in after[0]
    assert "▲ +20 since posted" in after[0]
    assert "Agents that plan" in after[1]
    assert "▲ +460 since posted" in after[1]
    assert "Agents that forget" in after[2]
    assert "since posted" not in after[2]
    [late] = world.late_replies(ts)
    assert "Agents that arrived late" in late["text"]
    # decided and posted in one attempt: no earlier reply to look for (Tier 3 saved)
    assert world.fake.calls("conversations.replies") == []

    world.at(timedelta(hours=25))  # nothing more is due
    assert await world.settler().run_due() == {}
    world.at(timedelta(days=7))  # the week's settle edits again; the late addition stays one
    assert await world.settler().run_due() == {"done": 1}
    assert len(world.fake.calls("chat.update")) == 2
    assert len(world.late_replies(ts)) == 1


async def test_a_deleted_digest_ends_its_settling_quietly(world: World) -> None:
    ts = await world.post()
    world.fake.delete(CHANNEL.channel_id, ts)
    world.source.papers = A_DAY_LATER
    world.at(timedelta(hours=24))
    assert await world.settler().run_due() == {"gone": 1}
    world.at(timedelta(days=7))
    assert await world.settler().run_due() == {"gone": 1}
    assert len(world.fake.calls("chat.update")) == 1  # the week's task asked nothing
    subscription = await world.store.get_subscription(CHANNEL)
    assert subscription is not None
    assert subscription.paused_reason is None
    tasks = await world.store.settle_tasks_of(CHANNEL, DAY)
    assert [t.state for t in tasks] == [SettleState.GONE, SettleState.GONE]
    assert "message_not_found" in (tasks[0].reason or "")


@pytest.mark.parametrize("step", ["edited", "late-decided", "late-accepted"])
async def test_a_crash_at_any_step_leaves_one_late_reply_and_an_edited_post(
    world: World, step: str
) -> None:
    ts = await world.post()
    world.source.papers = A_DAY_LATER
    world.at(timedelta(hours=24))
    with pytest.raises(WorkerDied):
        await world.settler(on_step=dies_at(step)).run_due()
    world.at(timedelta(hours=24) + DEFAULT_LEASE + timedelta(seconds=1))
    assert await world.settler().run_due() == {"done": 1}
    assert len(world.late_replies(ts)) == 1
    looked = len(world.fake.calls("conversations.replies"))
    # a retry of a reply decided before the crash looks for it first; one decided now does not
    assert looked == (step in ("late-decided", "late-accepted"))
    shown = titles_and_marks(world.fake.top_level(CHANNEL.channel_id)[0])
    assert "▲ +460 since posted" in shown[1]
    [first, _] = await world.store.settle_tasks_of(CHANNEL, DAY)
    assert first.late_message_id is not None
    assert first.edited_at is not None


async def test_an_edit_slack_refuses_as_invalid_ends_that_task_without_retries(
    world: World,
) -> None:
    await world.post()
    world.fake.script("chat.update", Scripted(error="invalid_blocks"))
    world.source.papers = A_DAY_LATER
    world.at(timedelta(hours=24))
    assert await world.settler().run_due() == {"failed": 1}
    world.at(timedelta(hours=25))  # past any backoff: nothing is tried again
    assert await world.settler().run_due() == {}
    assert len(world.fake.calls("chat.update")) == 1
    subscription = await world.store.get_subscription(CHANNEL)
    assert subscription is not None
    assert subscription.paused_reason is None
    tasks = await world.store.settle_tasks_of(CHANNEL, DAY)
    assert tasks[0].state is SettleState.FAILED
    assert "invalid_blocks" in (tasks[0].reason or "")
