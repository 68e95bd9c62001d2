"""Who may change a Slack channel, through the real bolt app with signed requests, the
real core and a real SQLite file: by default the channel's creator and the workspace's
owners and admins; `managers = ["*"]` opens it to everyone; listed user ids still may.
The look-ups (users.info, conversations.info) go to the fake Slack Web API."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator, Awaitable, Callable
from datetime import UTC, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from slack_sdk.signature import SignatureVerifier

from adapters.slack.permissions import Permissions
from adapters.slack.platform import SlackPlatform, make_client
from bot.app.bootstrap import App, build_app
from bot.commands.wording import MANAGERS_ONLY
from bot.config.load import Config, SlackConfig
from bot.records.clock import FixedClock
from bot.records.models import ChannelRef
from tests.fakes.slack_api import FakeSlackApi, Scripted

SECRET = "permissions-signing-secret"
TEAM = "T0TEAM"
CHANNEL = "C0PAPERS"
NOW = datetime(2031, 5, 14, 8, 0, tzinfo=UTC)
WHERE = ChannelRef("slack", CHANNEL, TEAM)

Start = Callable[..., Awaitable[SlackPlatform]]


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlackApi]:
    api = FakeSlackApi(team_id=TEAM)
    await api.start()
    api.add_channel(CHANNEL, creator="UCREATOR")
    api.users["UADMIN"] = {"id": "UADMIN", "is_admin": True}
    api.users["UOWNER"] = {"id": "UOWNER", "is_owner": True}
    for user in ("UCREATOR", "UNOBODY", "ULISTED", "UOTHER"):
        api.users[user] = {"id": user, "is_admin": False}
    yield api
    await api.close()


@pytest.fixture
async def core(tmp_path: Path) -> AsyncIterator[App]:
    config = Config(database_url=f"sqlite:///{tmp_path / 'perms.db'}", source="sample")
    app = await build_app(config, clock=FixedClock(NOW))
    try:
        yield app
    finally:
        await app.aclose()


def slack_config(fake: FakeSlackApi, **kwargs: Any) -> SlackConfig:
    base: dict[str, Any] = {
        "enabled": True,
        "mode": "http",
        "bot_token": "xoxb-test",
        "signing_secret": SECRET,
        "api_base_url": fake.base_url,
    }
    return SlackConfig(**{**base, **kwargs})


@pytest.fixture
async def start(fake: FakeSlackApi, core: App) -> AsyncIterator[Start]:
    started: list[SlackPlatform] = []

    async def start_platform(**kwargs: Any) -> SlackPlatform:
        platform = SlackPlatform(slack_config(fake, **kwargs), http_host="127.0.0.1", http_port=0)
        await platform.start(core.handle)
        started.append(platform)
        return platform

    yield start_platform
    for platform in started:
        await platform.stop()


async def slash(
    platform: SlackPlatform, fake: FakeSlackApi, user: str, text: str, channel: str = CHANNEL
) -> str:
    """A signed `/papers` request; the text of the (first) answer."""
    form = {
        "team_id": TEAM,
        "channel_id": channel,
        "user_id": user,
        "user_name": user.lower(),
        "command": "/papers",
        "text": text,
        "response_url": fake.response_url("cmd"),
        "trigger_id": f"{time.monotonic_ns()}.1",
    }
    body = urlencode(form)
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=timestamp, body=body)
    assert signature is not None
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
    }
    answered = len(fake.responses.get("cmd", []))
    url = f"http://127.0.0.1:{platform.bound_port}/slack/events"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=headers) as r,
    ):
        assert r.status == 200
        if r.content_type == "application/json":
            return str((await r.json())["text"])
    await fake.wait_for(answered + 1)
    return str(fake.responses["cmd"][answered]["text"])


async def subscribed(core: App, channel: ChannelRef = WHERE) -> bool:
    return await core.store.get_subscription(channel) is not None


async def test_by_default_a_member_cannot_unsubscribe_all(
    fake: FakeSlackApi, core: App, start: Start
) -> None:
    platform = await start()
    assert "subscribed this channel" in await slash(platform, fake, "UCREATOR", "subscribe")
    answer = await slash(platform, fake, "UNOBODY", "unsubscribe all")
    assert MANAGERS_ONLY in answer
    assert await subscribed(core)
    for change in ("subscribe agents", "settings max 3", "link", "unlink"):
        assert MANAGERS_ONLY in await slash(platform, fake, "UNOBODY", change)
    assert "agents" not in await slash(platform, fake, "UNOBODY", "topics")  # reading is open


@pytest.mark.parametrize("user", ["UCREATOR", "UADMIN", "UOWNER"])
async def test_the_creator_and_workspace_admins_and_owners_may_change_it(
    fake: FakeSlackApi, core: App, start: Start, user: str
) -> None:
    platform = await start()
    await slash(platform, fake, "UCREATOR", "subscribe")
    answer = await slash(platform, fake, user, "unsubscribe all")
    assert "no more digests here" in answer
    assert not await subscribed(core)


async def test_star_lets_everyone_change_a_channel(
    fake: FakeSlackApi, core: App, start: Start
) -> None:
    platform = await start(managers=("*",))
    assert "subscribed this channel" in await slash(platform, fake, "UNOBODY", "subscribe")
    assert "no more digests here" in await slash(platform, fake, "UNOBODY", "unsubscribe all")
    assert fake.calls("users.info") == []  # nobody was looked up


async def test_a_listed_user_may_and_the_flags_turn_the_looked_up_roles_off(
    fake: FakeSlackApi, core: App, start: Start
) -> None:
    platform = await start(
        managers=("ULISTED",), allow_workspace_admins=False, allow_channel_creator=False
    )
    assert MANAGERS_ONLY in await slash(platform, fake, "UCREATOR", "subscribe")
    assert MANAGERS_ONLY in await slash(platform, fake, "UADMIN", "subscribe")
    assert "subscribed this channel" in await slash(platform, fake, "ULISTED", "subscribe")
    assert await subscribed(core)


async def test_look_ups_are_cached_for_a_bounded_time_and_size(fake: FakeSlackApi) -> None:
    now = [0.0]
    permissions = Permissions(
        make_client(slack_config(fake)), (), ttl_s=300, max_entries=2, monotonic=lambda: now[0]
    )
    assert await permissions.can_manage("UCREATOR", CHANNEL)
    assert await permissions.can_manage("UCREATOR", CHANNEL)
    assert permissions.known("UCREATOR", CHANNEL)
    assert len(fake.calls("conversations.info")) == 1
    assert len(fake.calls("users.info")) == 1
    for user in ("UNOBODY", "ULISTED", "UOTHER"):  # more users than the cache holds
        assert not await permissions.can_manage(user, CHANNEL)
    assert permissions.cached <= 2 + 2
    now[0] = 301.0  # a creator's or admin's standing is asked again after the TTL
    fake.channels[CHANNEL].creator = "USOMEONEELSE"
    assert not await permissions.can_manage("UCREATOR", CHANNEL)
    assert not permissions.known("UCREATOR", CHANNEL)


async def test_a_failed_look_up_refuses_and_is_not_remembered(fake: FakeSlackApi) -> None:
    permissions = Permissions(make_client(slack_config(fake)), ())
    fake.script("conversations.info", Scripted(error="internal_error"))
    fake.script("users.info", Scripted(error="internal_error"))
    assert await permissions.can_manage("UCREATOR", CHANNEL) is False
    assert await permissions.can_manage("UCREATOR", CHANNEL) is True  # asked again
    assert len(fake.calls("conversations.info")) == 2
