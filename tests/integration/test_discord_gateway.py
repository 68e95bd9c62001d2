"""Discord's failure policy, with the real discord.py client against the fake Discord: an
unreachable Discord (REST or gateway, at start or later) is retried with backoff (injected,
so nothing waits), one log line per attempt and no traceback, the state shown by
`connection()`; a token the gateway rejects ends `start()` with one short ConfigError.
"""

from __future__ import annotations

import asyncio
import logging
import re
import socket
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

import pytest

from adapters.discord import DiscordPlatform
from adapters.discord.gateway import IDENTIFY_SPACING_S
from bot.commands.wording import connection_text
from bot.records.chat import CommandContext, ConnectionStatus, LinkState, Reply
from bot.records.clock import FixedClock
from bot.records.errors import ConfigError
from tests.fakes.discord_api import Failure, FakeDiscord
from tests.fakes.discord_setup import (
    WAIT_S,
    config_for,
    discord_globals_restored,
    fake_discord,
    serving,
)
from tests.integration.test_discord_commands import FakeCore, Served

NOW = datetime(2026, 8, 22, 10, 0, tzinfo=UTC)
OnWait = Callable[[int], Awaitable[None]]


class Sleeps:
    """The injected sleep: records each wait and the status then, returns at once; after
    the n-th wait it runs `on_wait(n)` (to end an outage, or stop the platform)."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self.seen: list[ConnectionStatus | None] = []
        self.platform: DiscordPlatform | None = None
        self.on_wait: OnWait | None = None

    async def __call__(self, seconds: float) -> None:
        assert self.platform is not None
        self.waits.append(seconds)
        self.seen.append(self.platform.connection())
        if self.on_wait is not None:
            await self.on_wait(len(self.waits))
        await asyncio.sleep(0)


def platform_for(fake: FakeDiscord, sleeps: Sleeps, **config: object) -> DiscordPlatform:
    platform = DiscordPlatform(
        config_for(fake, **config), clock=FixedClock(NOW), sleep=sleeps, guild_ready_timeout=0.0
    )
    sleeps.platform = platform
    return platform


def warnings(caplog: pytest.LogCaptureFixture) -> list[str]:
    """Ours: discord.py warns once that voice is not installed (we need none)."""
    records = caplog.records
    return [
        r.getMessage()
        for r in records
        if r.levelno == logging.WARNING and "voice" not in r.getMessage()
    ]


def no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert all("\n" not in r.getMessage() for r in caplog.records)


async def answers_a_command(fake: FakeDiscord, platform: DiscordPlatform) -> None:
    [reply] = await Served(fake, FakeCore(), platform).command("help")
    assert reply.body["data"]["content"] == "you said help"


async def echo(ctx: CommandContext, text: str) -> Reply:
    return Reply(f"you said {text}")


async def test_rest_and_gateway_down_at_start_are_retried_then_commands_work(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # discord.py's own logging included
    async with fake_discord() as fake:
        fake.fail_next("GET", r"^/users/@me$", Failure(503), Failure(503))
        fake.gateway_down = True
        sleeps = Sleeps()

        async def gateway_back(waits: int) -> None:
            if waits == 3:
                fake.gateway_down = False

        sleeps.on_wait = gateway_back
        platform = platform_for(fake, sleeps)
        assert platform.connection() == ConnectionStatus("discord", LinkState.CONNECTING, NOW)
        async with serving(platform, echo):
            await answers_a_command(fake, platform)
            status = platform.connection()
            assert status is not None
            assert status.state is LinkState.CONNECTED
    assert sleeps.waits == [1.0, 2.0, 4.0]
    assert [(s.state, s.attempt, s.since) for s in sleeps.seen if s] == [
        (LinkState.RECONNECTING, n, NOW) for n in (1, 2, 3)
    ]
    causes = ["Discord answered HTTP 503"] * 2 + ["the gateway answered HTTP 503"]
    assert warnings(caplog) == [
        f"Discord: cannot connect (attempt {n}: {cause}); next attempt in {wait:.0f} s"
        for n, cause, wait in zip((1, 2, 3), causes, (1, 2, 4), strict=True)
    ]
    assert len(fake.identifies) == 1
    assert fake.token not in caplog.text
    assert not any("://" in line for line in warnings(caplog)), "no URL in the lines"
    no_traceback(caplog)


async def test_a_discord_that_cannot_be_reached_at_all_is_retried_until_stop(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with socket.socket() as probe:  # a port nothing listens on: REST and gateway
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    dead = f"http://127.0.0.1:{port}/api/v10"
    sleeps = Sleeps()
    gateway = f"ws://127.0.0.1:{port}"
    with discord_globals_restored():
        platform = platform_for(FakeDiscord(), sleeps, api_base_url=dead, gateway_url=gateway)

        async def stop_after_four(waits: int) -> None:
            if waits == 4:
                await platform.stop()

        sleeps.on_wait = stop_after_four
        try:
            async with asyncio.timeout(WAIT_S):
                await platform.start(echo)  # returns once stopped
        finally:
            await platform.stop()
    assert sleeps.waits == [1.0, 2.0, 4.0, 8.0]
    last = sleeps.seen[-1]
    assert last is not None
    assert (last.state, last.last_error) == (LinkState.RECONNECTING, f"cannot reach {dead[7:22]}")
    assert len(warnings(caplog)) == 4
    no_traceback(caplog)


async def test_a_gateway_lost_while_connected_is_retried_then_resumed(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    async with fake_discord() as fake:
        sleeps = Sleeps()

        async def gateway_back(waits: int) -> None:
            if waits == 2:
                fake.gateway_down = False

        sleeps.on_wait = gateway_back
        platform = platform_for(fake, sleeps)
        async with serving(platform, echo):
            fake.gateway_down = True
            await fake.drop_sockets()
            async with asyncio.timeout(WAIT_S):
                await fake.wait_for(lambda f: bool(f.resumes))
            await answers_a_command(fake, platform)
            status = platform.connection()
            assert status is not None
            assert status.state is LinkState.CONNECTED
        assert [r["session_id"] for r in fake.resumes] == ["fake-session"]
        assert len(fake.identifies) == 1, "the session was resumed, not started anew"
    assert sleeps.waits == [1.0, 2.0]
    assert [s.last_error for s in sleeps.seen if s] == ["the gateway answered HTTP 503"] * 2
    assert len(warnings(caplog)) == 2
    no_traceback(caplog)


async def test_a_token_the_gateway_rejects_later_ends_start_with_one_short_error(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    async with fake_discord() as fake:
        sleeps = Sleeps()
        platform = platform_for(fake, sleeps)
        serving_task = asyncio.create_task(platform.start(echo))
        try:
            async with asyncio.timeout(WAIT_S):
                await platform.wait_connected()
            fake.token = "reset-in-the-portal"  # the token was reset...
            await fake.drop_sockets()  # ...and the RESUME with the old one gets 4004
            with pytest.raises(ConfigError, match=r"^Discord rejected the bot token \("):
                async with asyncio.timeout(WAIT_S):
                    await serving_task
        finally:
            await platform.stop()
    assert sleeps.waits == [], "a rejected token is not retried"
    no_traceback(caplog)


# ----- a sharded bot: the same policy, each shard on its own -------------------------------

SHARD_LINE = re.compile(
    r"^Discord shard [01]: cannot connect \(attempt \d: the gateway answered HTTP 503\); "
    r"next attempt in \d+ s$"
)


async def until_connected(platform: DiscordPlatform) -> None:
    """discord.py reads each shard's READY in that shard's task: poll the status, bounded."""
    for _ in range(500):
        status = platform.connection()
        if status is not None and status.state is LinkState.CONNECTED:
            return
        await asyncio.sleep(0.01)
    raise AssertionError(f"not connected: {platform.connection()}")


def sharded(fake: FakeDiscord, sleeps: Sleeps) -> DiscordPlatform:
    return platform_for(fake, sleeps, shard_ids=(0, 1), shard_count=2)


async def test_a_sharded_bot_retries_each_shard_with_one_line_a_failure_and_shows_it(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)  # discord.py's own logging included
    async with fake_discord() as fake:
        fake.gateway_down = True
        sleeps = Sleeps()

        async def gateway_back(waits: int) -> None:
            if waits == 4:
                fake.gateway_down = False

        sleeps.on_wait = gateway_back
        platform = sharded(fake, sleeps)
        async with serving(platform, echo):
            async with asyncio.timeout(WAIT_S):
                await fake.wait_for(lambda f: len(f.identifies) == 2)
            await answers_a_command(fake, platform)
            await until_connected(platform)
        assert sorted(i["shard"] for i in fake.identifies) == [[0, 2], [1, 2]]
    lines = warnings(caplog)
    assert lines, "the gateway was down: each failed attempt says so"
    assert [line for line in lines if not SHARD_LINE.match(line)] == []
    assert len(lines) == len([w for w in sleeps.waits if w != IDENTIFY_SPACING_S])
    assert IDENTIFY_SPACING_S in sleeps.waits  # the second shard's IDENTIFY waited its turn
    down = [s for s in sleeps.seen if s is not None and s.state is LinkState.RECONNECTING]
    assert down, "status showed the reconnecting shard"
    assert {s.platform for s in down} <= {"discord shard 0", "discord shard 1"}
    assert all(s.last_error == "the gateway answered HTTP 503" for s in down)
    line = connection_text(down[0], NOW)  # as `/papers status` shows it
    assert re.match(r"^Discord shard [01]: reconnecting \(attempt 1, last error: the ", line)
    assert fake.token not in caplog.text
    no_traceback(caplog)


async def test_a_sharded_bot_resumes_each_shard_after_a_drop() -> None:
    async with fake_discord() as fake:
        sleeps = Sleeps()
        platform = sharded(fake, sleeps)
        async with serving(platform, echo):
            async with asyncio.timeout(WAIT_S):
                await fake.wait_for(lambda f: len(f.identifies) == 2)
            await fake.drop_sockets()
            async with asyncio.timeout(WAIT_S):
                await fake.wait_for(lambda f: len(f.resumes) == 2)
            await answers_a_command(fake, platform)
        assert len(fake.identifies) == 2, "the sessions were resumed, not started anew"
        assert sorted(r["seq"] is not None for r in fake.resumes) == [True, True]


@pytest.mark.parametrize("when", ["at start", "later"])
async def test_a_sharded_bot_whose_token_is_rejected_ends_with_one_short_error(
    caplog: pytest.LogCaptureFixture, when: str
) -> None:
    caplog.set_level(logging.DEBUG)
    async with fake_discord() as fake:
        sleeps = Sleeps()
        platform = sharded(fake, sleeps)
        if when == "at start":
            fake.token = "reset-in-the-portal"  # REST login answers 401
        serving_task = asyncio.create_task(platform.start(echo))
        try:
            if when == "later":
                async with asyncio.timeout(WAIT_S):
                    await fake.wait_for(lambda f: len(f.identifies) == 2)
                fake.token = "reset-in-the-portal"
                await fake.drop_sockets()  # each shard's RESUME gets 4004
            with pytest.raises(ConfigError, match=r"^Discord rejected the bot token \("):
                async with asyncio.timeout(WAIT_S):
                    await serving_task
        finally:
            await platform.stop()
    assert [w for w in sleeps.waits if w != IDENTIFY_SPACING_S] == [], "not retried"
    no_traceback(caplog)
