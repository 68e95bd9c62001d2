"""Socket Mode's failure policy, with the real slack_sdk client against the fake Slack:
a rejected token ends `start()` with one short ConfigError (no retry, no traceback); an
unreachable Slack is retried with backoff (injected, so nothing waits), one log line per
attempt, the state shown by `connection()`; a token revoked mid-run ends `start()` too.
"""

from __future__ import annotations

import asyncio
import logging
import socket
from collections.abc import AsyncIterator
from typing import Any

import pytest

from adapters.slack.platform import SlackPlatform
from bot.config.load import SlackConfig
from bot.records.chat import CommandContext, ConnectionStatus, LinkState, Reply
from bot.records.clock import FixedClock
from bot.records.errors import ConfigError
from tests.fakes.slack_api import FakeSlackApi, Scripted
from tests.integration.test_slack_commands import command_form
from tests.integration.test_slack_post import NOW

BOT, APP = "xoxb-test", "xapp-test"


async def answer(ctx: CommandContext, text: str) -> Reply:
    return Reply(f"you said {text}")


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlackApi]:
    api = FakeSlackApi(team_id="T0TEAM")
    await api.start()
    api.add_channel("C0PAPERS")
    api.valid_tokens = {BOT, APP}
    yield api
    await api.close()


class Sleeps:
    """The injected sleep: records each wait, returns at once; can run a hook."""

    def __init__(self) -> None:
        self.waits: list[float] = []
        self.seen: list[ConnectionStatus | None] = []
        self.platform: SlackPlatform | None = None
        self.stop_after: int | None = None

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)
        assert self.platform is not None
        self.seen.append(self.platform.connection())
        if self.stop_after is not None and len(self.waits) >= self.stop_after:
            await self.platform.stop()
        await asyncio.sleep(0)


def platform_for(base_url: str, sleeps: Sleeps, **tokens: Any) -> SlackPlatform:
    config = SlackConfig(
        enabled=True,
        mode="socket",
        bot_token=tokens.get("bot", BOT),
        app_token=tokens.get("app", APP),
        api_base_url=base_url,
    )
    platform = SlackPlatform(config, clock=FixedClock(NOW), sleep=sleeps, timeout_s=5)
    sleeps.platform = platform
    return platform


async def connected(fake: FakeSlackApi, platform: SlackPlatform) -> None:
    """Until a command goes through: the platform is connected once it is acked."""
    ack = await fake.send_envelope("slash_commands", command_form(fake, "help"))
    assert ack["payload"]["text"] == "you said help"
    status = platform.connection()
    assert status is not None
    assert status.state is LinkState.CONNECTED


def no_traceback(caplog: pytest.LogCaptureFixture) -> None:
    assert [r.getMessage() for r in caplog.records if r.exc_info] == []
    assert [r.getMessage() for r in caplog.records if r.levelno >= logging.ERROR] == []
    assert all("\n" not in r.getMessage() for r in caplog.records)


@pytest.mark.parametrize(
    ("tokens", "message"),
    [
        ({"app": "xapp-wrong"}, r"Slack rejected the app token \(invalid_auth\)"),
        ({"bot": "xoxb-wrong"}, r"Slack rejected the bot token \(invalid_auth\)"),
        ({"app": BOT}, r"Slack rejected the app token \(not_allowed_token_type\)"),
    ],
)
async def test_a_rejected_token_ends_start_at_once_with_one_short_error(
    fake: FakeSlackApi,
    caplog: pytest.LogCaptureFixture,
    tokens: dict[str, str],
    message: str,
) -> None:
    caplog.set_level(logging.DEBUG)
    if tokens.get("app") == BOT:
        fake.valid_tokens = None  # a real token, of the wrong kind
    sleeps = Sleeps()
    platform = platform_for(fake.base_url, sleeps, **tokens)
    with pytest.raises(ConfigError, match=message):
        async with asyncio.timeout(5):
            await platform.start(answer)
    await platform.stop()
    assert sleeps.waits == [], "a rejected token is not retried"
    no_traceback(caplog)
    assert "wrong" not in caplog.text


async def test_an_unreachable_slack_is_retried_with_backoff_one_line_per_attempt(
    fake: FakeSlackApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    fake.script("apps.connections.open", *[Scripted(status=503)] * 3)
    sleeps = Sleeps()
    platform = platform_for(fake.base_url, sleeps)
    assert platform.connection() == ConnectionStatus("slack", LinkState.CONNECTING, NOW)
    serving = asyncio.create_task(platform.start(answer))
    try:
        await connected(fake, platform)
        assert sleeps.waits == [1.0, 2.0, 4.0]
        assert [s.attempt for s in sleeps.seen if s] == [1, 2, 3]
        assert {(s.state, s.last_error, s.since) for s in sleeps.seen if s} == {
            (LinkState.RECONNECTING, "Slack answered HTTP 503", NOW)
        }
        warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
        assert warnings == [
            f"Slack: cannot connect (attempt {n}: Slack answered HTTP 503); "
            f"next attempt in {wait:.0f} s"
            for n, wait in ((1, 1), (2, 2), (3, 4))
        ]
    finally:
        await platform.stop()
        async with asyncio.timeout(5):
            await serving
    no_traceback(caplog)


async def test_a_slack_that_cannot_be_reached_at_all_is_retried_until_stop(
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    with socket.socket() as probe:  # a port nothing listens on
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    sleeps = Sleeps()
    sleeps.stop_after = 4
    platform = platform_for(f"http://127.0.0.1:{port}/api/", sleeps)
    async with asyncio.timeout(5):
        await platform.start(answer)  # returns once stopped
    assert sleeps.waits == [1.0, 2.0, 4.0, 8.0]
    last = sleeps.seen[-1]
    assert last is not None
    assert last.last_error == f"cannot reach 127.0.0.1:{port}"
    assert len([r for r in caplog.records if r.levelno == logging.WARNING]) == 4
    no_traceback(caplog)


async def test_a_token_revoked_while_connected_ends_start_with_the_error(
    fake: FakeSlackApi, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    sleeps = Sleeps()
    platform = platform_for(fake.base_url, sleeps)
    serving = asyncio.create_task(platform.start(answer))
    try:
        await connected(fake, platform)
        fake.valid_tokens = {BOT}  # the app token was revoked...
        await fake.drop_sockets()  # ...and Slack closes the connection
        with pytest.raises(ConfigError, match=r"rejected the app token \(invalid_auth\)"):
            async with asyncio.timeout(5):
                await serving
    finally:
        await platform.stop()
    assert sleeps.waits == []
    no_traceback(caplog)


async def test_http_mode_reports_no_connection(fake: FakeSlackApi) -> None:
    config = SlackConfig(
        enabled=True, mode="http", bot_token=BOT, signing_secret="s", api_base_url=fake.base_url
    )
    assert SlackPlatform(config).connection() is None
