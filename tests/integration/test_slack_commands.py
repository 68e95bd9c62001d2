"""`/papers` as real signed slash-command requests to the real bolt AsyncApp (HTTP mode),
and as real Socket Mode envelopes; answers go to the fake's response_url.
"""

from __future__ import annotations

import asyncio
import itertools
import logging
import time
from collections.abc import AsyncIterator
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from slack_sdk.signature import SignatureVerifier

from adapters.slack.commands import GENERIC_FAILURE, INVITE_HINT, WORKING
from adapters.slack.permissions import Permissions
from adapters.slack.platform import SlackPlatform, make_client
from bot.config.load import SlackConfig
from bot.records.chat import CommandContext, Reply, Visibility
from bot.records.errors import ConfigError
from bot.records.models import ChannelRef
from tests.fakes.slack_api import FakeSlackApi, Scripted
from tests.fakes.slack_digests import real_papers

SECRET = "8f742231b10e8888abcd99yyyzzz85a5"
TRIGGERS = itertools.count(1)  # Slack gives every command its own trigger_id
WAIT_S = 5.0  # a bound on waiting for an answer, never a sleep
CHANNEL = "C0PAPERS"
REFUSAL = "Only this channel's managers can change its subscription."


class RecordingHandler:
    """The core's command handler, as far as Slack can tell: records what it was asked."""

    def __init__(self) -> None:
        self.calls: list[tuple[CommandContext, str]] = []

    async def __call__(self, ctx: CommandContext, text: str) -> Reply:
        self.calls.append((ctx, text))
        verb = text.split(" ", 1)[0]
        if verb == "subscribe":
            if not ctx.can_manage:
                return Reply(REFUSAL, is_error=True)
            return Reply(f"@{ctx.user_name} subscribed this channel to: agents", Visibility.CHANNEL)
        if verb == "search":
            return Reply("2 papers for <!channel>", papers=tuple(real_papers()[:2]))
        if verb == "boom":
            raise RuntimeError("a bug")
        return Reply("Usage: /papers help")


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlackApi]:
    api = FakeSlackApi(team_id="T0TEAM")
    await api.start()
    api.add_channel(CHANNEL)
    api.users["UADMIN"] = {"id": "UADMIN", "is_admin": True}
    api.users["UNOBODY"] = {"id": "UNOBODY", "is_admin": False}
    yield api
    await api.close()


@pytest.fixture
def handler() -> RecordingHandler:
    return RecordingHandler()


def config(fake: FakeSlackApi, **kwargs: Any) -> SlackConfig:
    base: dict[str, Any] = {
        "enabled": True,
        "mode": "http",
        "bot_token": "xoxb-test",
        "app_token": "xapp-test",
        "signing_secret": SECRET,
        "api_base_url": fake.base_url,
    }
    return SlackConfig(**{**base, **kwargs})


@pytest.fixture
async def http_platform(
    fake: FakeSlackApi, handler: RecordingHandler
) -> AsyncIterator[SlackPlatform]:
    platform = SlackPlatform(config(fake, managers=("UBOSS",)), http_host="127.0.0.1", http_port=0)
    await platform.start(handler)
    yield platform
    await platform.stop()


def command_form(fake: FakeSlackApi, text: str, user: str = "UBOSS") -> dict[str, str]:
    return {
        "token": "legacy-verification-token",
        "team_id": "T0TEAM",
        "team_domain": "papers",
        "channel_id": CHANNEL,
        "channel_name": "papers",
        "user_id": user,
        "user_name": user.lower(),
        "command": "/papers",
        "text": text,
        "api_app_id": "A0APP",
        "response_url": fake.response_url("cmd"),
        "trigger_id": f"{next(TRIGGERS)}.738474920.8088930838d",  # a new one per command
    }


async def send(
    platform: SlackPlatform,
    form: dict[str, str],
    *,
    age_s: float = 0,
    secret: str = SECRET,
    signed: bool = True,
) -> tuple[int, dict[str, Any] | None]:
    body = urlencode(form)
    timestamp = str(int(time.time() - age_s))
    headers = {"Content-Type": "application/x-www-form-urlencoded"}
    if signed:
        signature = sign(secret, timestamp, body)
        headers |= {"X-Slack-Request-Timestamp": timestamp, "X-Slack-Signature": signature}
    url = f"http://127.0.0.1:{platform.bound_port}/slack/events"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=headers) as r,
    ):
        data = await r.json() if r.content_type == "application/json" else None
        return r.status, data


def sign(secret: str, timestamp: str, body: str) -> str:
    """Slack's algorithm, from slack_sdk: v0=HMAC-SHA256(secret, "v0:{ts}:{body}")."""
    signature = SignatureVerifier(secret).generate_signature(timestamp=timestamp, body=body)
    assert signature is not None
    return signature


def texts(body: dict[str, Any]) -> list[str]:
    return [
        t
        for b in body.get("blocks", [])
        for t in (
            [b["text"]["text"]]
            if "text" in b
            else [e["text"] for e in b.get("elements", []) if b["type"] == "context"]
        )
    ]


async def test_a_fast_command_is_answered_in_the_ack_privately(
    fake: FakeSlackApi, http_platform: SlackPlatform, handler: RecordingHandler
) -> None:
    status, body = await send(http_platform, command_form(fake, "help"))
    assert status == 200
    assert body is not None
    assert body["response_type"] == "ephemeral"
    assert body["text"] == "Usage: /papers help"
    (ctx, text), *_ = handler.calls
    assert text == "help"
    assert ctx.channel == ChannelRef("slack", CHANNEL, "T0TEAM")
    assert (ctx.user_id, ctx.user_name, ctx.can_manage) == ("UBOSS", "uboss", True)


async def test_a_subscription_change_is_confirmed_in_the_channel_naming_who(
    fake: FakeSlackApi, http_platform: SlackPlatform
) -> None:
    fake.channels[CHANNEL].is_member = False
    status, body = await send(http_platform, command_form(fake, "subscribe agents"))
    assert (status, body) == (200, None)  # acked at once, answered through response_url
    await fake.wait_for(2)
    answer, hint = fake.responses["cmd"]
    assert answer["response_type"] == "in_channel"
    assert texts(answer) == ["@uboss subscribed this channel to: agents", "Changed by <@UBOSS>"]
    # the bot is not in the channel yet: the user is told, privately, how to invite it
    assert (hint["text"], hint["response_type"]) == (INVITE_HINT, "ephemeral")


async def test_the_ack_comes_before_the_permission_look_up(
    fake: FakeSlackApi, http_platform: SlackPlatform, handler: RecordingHandler
) -> None:
    """users.info does not answer until the ack is back: an ack waiting for it never comes."""
    fake.held["users.info"] = asyncio.Event()
    async with asyncio.timeout(WAIT_S):
        status, body = await send(http_platform, command_form(fake, "subscribe agents", "UADMIN"))
    assert (status, body) == (200, None)
    assert handler.calls == []  # the store has not been asked either
    await fake.wait_calls("users.info", 1)
    fake.held["users.info"].set()
    await fake.wait_for(1)
    assert texts(fake.responses["cmd"][0])[0] == "@uadmin subscribed this channel to: agents"


@pytest.mark.parametrize("text", ["link", "link K7QX-M2PA", "unlink"])
async def test_linking_is_a_managers_change_so_an_admin_is_looked_up_after_the_ack(
    fake: FakeSlackApi, http_platform: SlackPlatform, handler: RecordingHandler, text: str
) -> None:
    """A workspace admin who is not a listed manager may link channels: users.info says so
    (after the ack), as for subscribe; without the look-up the core would refuse them."""
    fake.held["users.info"] = asyncio.Event()
    async with asyncio.timeout(WAIT_S):
        status, body = await send(http_platform, command_form(fake, text, "UADMIN"))
        assert (status, body) == (200, None)  # acked while users.info is held
        await fake.wait_calls("users.info", 1)
        fake.held["users.info"].set()
        await fake.wait_for(1)
    [(ctx, asked)] = handler.calls
    assert (asked, ctx.can_manage) == (text, True)


@pytest.mark.parametrize("text", ["help", "topics", "status", "settings", "frobnicate"])
async def test_verbs_that_change_nothing_never_look_up_permissions(
    fake: FakeSlackApi, http_platform: SlackPlatform, handler: RecordingHandler, text: str
) -> None:
    fake.held["users.info"] = asyncio.Event()  # a look-up would hang the answer
    async with asyncio.timeout(WAIT_S):
        status, body = await send(http_platform, command_form(fake, text, "UADMIN"))
        if body is None:
            await fake.wait_for(1)
    assert status == 200
    assert fake.calls("users.info") == []
    assert handler.calls[0][0].can_manage is False  # not known without a look-up


async def test_a_slow_command_is_acked_then_answered_through_response_url(
    fake: FakeSlackApi, http_platform: SlackPlatform
) -> None:
    status, body = await send(http_platform, command_form(fake, "search agents"))
    assert status == 200
    assert body is not None
    assert (body["text"], body["response_type"]) == (WORKING, "ephemeral")
    await fake.wait_for(1)
    (answer,) = fake.responses["cmd"]
    assert answer["response_type"] == "ephemeral"
    assert answer["unfurl_links"] is False
    shown = "".join(texts(answer))
    assert "2 papers for &lt;!channel&gt;" in shown
    assert real_papers()[0].arxiv_url in shown


async def test_a_handler_failure_gets_a_generic_private_answer(
    fake: FakeSlackApi, http_platform: SlackPlatform
) -> None:
    status, body = await send(http_platform, command_form(fake, "boom"))
    assert status == 200
    assert body is not None
    assert body["response_type"] == "ephemeral"
    assert GENERIC_FAILURE in body["text"]


async def test_someone_who_may_not_manage_gets_a_clear_refusal(
    fake: FakeSlackApi, http_platform: SlackPlatform, handler: RecordingHandler
) -> None:
    status, body = await send(http_platform, command_form(fake, "subscribe agents", "UNOBODY"))
    assert (status, body) == (200, None)
    await fake.wait_for(1)
    (answer,) = fake.responses["cmd"]
    assert answer["response_type"] == "ephemeral"
    assert texts(answer) == [":warning: " + REFUSAL]
    assert handler.calls[0][0].can_manage is False


@pytest.mark.parametrize(
    ("age_s", "secret", "signed"),
    [
        (0, "not-the-secret", True),  # bad signature
        (6 * 60, SECRET, True),  # signed correctly, but older than five minutes
        (0, SECRET, False),  # no signature at all
    ],
    ids=["bad-signature", "stale", "unsigned"],
)
async def test_unverified_requests_get_401_and_are_never_acted_on(
    fake: FakeSlackApi,
    http_platform: SlackPlatform,
    handler: RecordingHandler,
    age_s: float,
    secret: str,
    signed: bool,
) -> None:
    form = command_form(fake, "subscribe agents")
    status, _ = await send(http_platform, form, age_s=age_s, secret=secret, signed=signed)
    assert status == 401
    assert handler.calls == []
    assert fake.requests == []  # not even auth.test: bolt stopped before authorizing
    # the same request, properly signed and fresh, is acted on (so the test can fail)
    status, _ = await send(http_platform, form)
    assert status == 200
    assert len(handler.calls) == 1


async def test_a_tampered_body_fails_verification(
    fake: FakeSlackApi, http_platform: SlackPlatform, handler: RecordingHandler
) -> None:
    body = urlencode(command_form(fake, "help"))
    timestamp = str(int(time.time()))
    signature = sign(SECRET, timestamp, body)
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
    }
    tampered = body.replace("help", "unsubscribe+all")
    url = f"http://127.0.0.1:{http_platform.bound_port}/slack/events"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=tampered, headers=headers) as r,
    ):
        assert r.status == 401
    assert handler.calls == []


# ------------------------------------------------------------------ permissions


@pytest.mark.parametrize(
    ("managers", "admins_allowed", "user", "expected"),
    [
        ((), True, "UNOBODY", False),  # no managers configured: admins and the creator
        ((), True, "UADMIN", True),
        ((), False, "UADMIN", False),
        (("*",), False, "UNOBODY", True),  # "*": anyone
        (("UBOSS",), True, "UBOSS", True),
        (("UBOSS",), True, "UADMIN", True),  # a workspace admin
        (("UBOSS",), False, "UADMIN", False),  # admins not allowed
        (("UBOSS",), True, "UNOBODY", False),
        (("UBOSS",), True, "UGHOST", False),  # users.info says user_not_found
    ],
)
async def test_who_may_manage(
    fake: FakeSlackApi,
    managers: tuple[str, ...],
    admins_allowed: bool,
    user: str,
    expected: bool,
) -> None:
    permissions = Permissions(make_client(config(fake)), managers, admins_allowed)
    assert await permissions.can_manage(user, CHANNEL) is expected


async def test_admin_checks_are_cached_and_fail_closed(fake: FakeSlackApi) -> None:
    now = [0.0]
    permissions = Permissions(
        make_client(config(fake), sleep=_no_sleep), ("UBOSS",), True, monotonic=lambda: now[0]
    )
    assert await permissions.can_manage("UADMIN", CHANNEL)
    assert await permissions.can_manage("UADMIN", CHANNEL)
    assert len(fake.calls("users.info")) == 1
    now[0] = 301.0
    fake.script("users.info", *[Scripted(status=503)] * 10)
    assert await permissions.can_manage("UADMIN", CHANNEL) is False


async def _no_sleep(seconds: float) -> None:
    return None


@pytest.mark.parametrize(
    ("mode", "missing"),
    [("socket", "bot_token"), ("socket", "app_token"), ("http", "signing_secret")],
)
def test_a_half_configured_platform_refuses_to_start(
    fake: FakeSlackApi, mode: str, missing: str
) -> None:
    with pytest.raises(ConfigError, match=missing):
        SlackPlatform(config(fake, mode=mode, **{missing: ""}))


# ------------------------------------------------------------------ Socket Mode


async def test_socket_mode_routes_commands_and_acks_over_the_websocket(
    fake: FakeSlackApi, handler: RecordingHandler
) -> None:
    platform = SlackPlatform(config(fake, mode="socket", signing_secret=""))
    serving = asyncio.create_task(platform.start(handler))  # serves until stop()
    await fake.wait_sockets()
    try:
        assert fake.calls("apps.connections.open")
        opened = [r for r in fake.requests if r.method == "apps.connections.open"]
        assert opened[0].headers["Authorization"] == "Bearer xapp-test"
        ack = await fake.send_envelope("slash_commands", command_form(fake, "help"))
        assert ack["payload"]["response_type"] == "ephemeral"
        assert ack["payload"]["text"] == "Usage: /papers help"
        ack = await fake.send_envelope("slash_commands", command_form(fake, "search agents"))
        assert ack["payload"]["text"] == WORKING
        await fake.wait_for(1)
        assert "2 papers" in fake.responses["cmd"][0]["text"]
    finally:
        await platform.stop()
        async with asyncio.timeout(5):
            await serving
    assert [text for _, text in handler.calls] == ["help", "search agents"]


# ------------------------------------------------------------------ malformed requests


async def post_raw(platform: SlackPlatform, body: bytes, timestamp: str, signature: str) -> int:
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
    }
    url = f"http://127.0.0.1:{platform.bound_port}/slack/events"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=headers) as r,
    ):
        return r.status


@pytest.mark.parametrize(
    ("timestamp", "body", "status"),
    [
        ("abc", b"", 401),  # bolt: ValueError in int(timestamp), a 500 and a traceback
        ("1e9", b"", 401),
        ("9" * 5000, b"", 401),  # int() refuses numbers this long
        ("now", b"\xff\xfe", 401),
        ("", b"\xff\xfe", 401),
        ("stamp", b"\xff\xfe", 400),
        ("0", b"\xff\xfe token=x", 400),  # bolt: UnicodeDecodeError, a 500 and a traceback
    ],
)
async def test_a_malformed_request_is_refused_without_a_traceback(
    http_platform: SlackPlatform,
    handler: RecordingHandler,
    caplog: pytest.LogCaptureFixture,
    timestamp: str,
    body: bytes,
    status: int,
) -> None:
    caplog.set_level(logging.DEBUG)
    stamp = str(int(time.time())) if timestamp == "stamp" else timestamp
    assert await post_raw(http_platform, body, stamp, "v0=00") == status
    assert handler.calls == []
    assert [
        r.getMessage() for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR
    ] == []


async def test_a_refused_request_body_is_not_logged(
    http_platform: SlackPlatform,
    fake: FakeSlackApi,
    handler: RecordingHandler,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.DEBUG)
    form = command_form(fake, "help")
    assert (await send(http_platform, form, secret="not-the-secret"))[0] == 401
    assert (await send(http_platform, form, age_s=3600))[0] == 401
    assert handler.calls == []
    assert "legacy-verification-token" not in caplog.text
    assert fake.response_url("cmd") not in caplog.text
    assert "Slack HTTP: refused a request (invalid signature or expired timestamp)" in caplog.text
