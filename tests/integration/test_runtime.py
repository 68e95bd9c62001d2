"""Runtime (`paperbot run` in process): its scheduler role and its worker loop.

A real SQLite file and the offline sample source; the platform is a recording fake. The
injected clock stands years ahead of the wall clock, so no APScheduler job fires by itself.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time
from pathlib import Path

import pytest

from bot.app.bootstrap import App, build_app
from bot.app.runtime import Runtime
from bot.config.load import Config
from bot.ports import CommandHandler
from bot.records.chat import CommandContext, ConnectionStatus, LinkState
from bot.records.clock import FixedClock
from bot.records.errors import ConfigError, PaperbotError
from bot.records.models import ChannelRef, ChannelSettings, Paper, Subscription
from tests.fakes.memory_platform import MemoryPlatform

NOW = datetime(2031, 5, 14, 8, 0, tzinfo=UTC)
TUESDAY = date(2031, 5, 13)
CHANNEL = ChannelRef("slack", "C1", "T1")


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    config = Config(database_url=f"sqlite:///{tmp_path / 'run.db'}", source="sample")
    built = await build_app(config, clock=FixedClock(NOW))
    try:
        yield built
    finally:
        await built.aclose()


async def _subscribe_with_a_due_digest(app: App) -> None:
    paper = Paper(
        arxiv_id="3105.00001",
        title="A paper",
        abstract="It works.",
        authors=("A. Author",),
        published_at=datetime.combine(TUESDAY, time(0, 0), tzinfo=UTC),
        listed_on=TUESDAY,
        upvotes=3,
    )
    await app.store.upsert_papers([paper])
    settings = ChannelSettings(post_time=time(7, 0), timezone="UTC")
    await app.store.save_subscription(Subscription(CHANNEL, settings=settings))


async def test_a_worker_that_lost_the_scheduler_role_still_posts(app: App) -> None:
    platform = MemoryPlatform()
    runtime = Runtime(app, {"slack": platform})
    await runtime._leadership_changed(True)
    await runtime._leadership_changed(False)  # e.g. its database connection blipped
    await _subscribe_with_a_due_digest(app)
    await runtime.runner.plan()  # the new leader's part
    assert await runtime.runner.drain() == {"posted": 1}
    assert len(platform.posted) == 1


class RefusedPlatform(MemoryPlatform):
    """A platform that cannot start, as Discord does with a revoked token."""

    async def start(self, handler: CommandHandler) -> None:
        raise ConfigError("Discord rejected the bot token (HTTP 401)")


async def test_a_platform_that_cannot_start_stops_the_run_with_its_error(app: App) -> None:
    runtime = Runtime(app, {"slack": RefusedPlatform()})
    # `paperbot run` turns the error into a non-zero exit, so a supervisor restarts or alerts
    with pytest.raises(ConfigError, match="rejected the bot token"):
        async with asyncio.timeout(5):  # a bound, not a wait on the clock
            await runtime.run()
    assert runtime.stop.is_set()


async def test_a_scheduler_that_cannot_start_stops_the_run_with_an_error(app: App) -> None:
    await app.store.close()  # the database went away before the scheduler could read it
    runtime = Runtime(app, {"slack": MemoryPlatform()})
    with pytest.raises(PaperbotError):  # a non-zero exit: the supervisor restarts it
        async with asyncio.timeout(5):  # a bound, not a wait on the clock
            await runtime.run()


class ReconnectingPlatform(MemoryPlatform):
    """A platform whose connection is down and being retried (Slack's Socket Mode)."""

    def connection(self) -> ConnectionStatus:
        return ConnectionStatus("slack", LinkState.RECONNECTING, NOW, 3, "timed out")


async def test_status_shows_each_platform_connection_and_the_others_keep_posting(
    app: App,
) -> None:
    discord = MemoryPlatform("discord")
    runtime = Runtime(app, {"slack": ReconnectingPlatform(), "discord": discord})
    ctx = CommandContext(ChannelRef("discord", "9", "8"), "u", "U", can_manage=True)
    reply = await app.commands.handle(ctx, "status")
    assert "Slack: reconnecting (attempt 3, last error: timed out) since" in reply.text
    assert "Discord" not in reply.text  # a platform with no connection to report says nothing
    assert runtime.platforms["discord"] is discord
