"""Posts in flight share one aiohttp session (adapters/slack/session.py), closed when the
last is done: the real AsyncWebClient against the fake Slack Web API."""

from __future__ import annotations

import asyncio

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.platform import make_client
from adapters.slack.session import SharedSession
from bot.config.load import SlackConfig
from tests.fakes.slack_api import FakeSlackApi


async def test_overlapping_calls_share_one_session_and_none_is_left_open() -> None:
    fake = FakeSlackApi()
    await fake.start()
    try:
        fake.add_channel("C1")
        config = SlackConfig(
            enabled=True, bot_token="xoxb-t", app_token="xapp-t", api_base_url=fake.base_url
        )
        client = make_client(config)
        shared = SharedSession(client, timeout_s=5.0)
        seen: list[aiohttp.ClientSession | None] = []
        both_in = asyncio.Barrier(2)

        async def post(text: str) -> None:
            async with shared.use():
                await both_in.wait()  # the two calls overlap
                seen.append(client.session)
                await client.chat_postMessage(channel="C1", text=text)

        await asyncio.gather(post("one"), post("two"))
        first = seen[0]
        assert first is not None
        assert seen == [first, first], "one session for both"
        assert client.session is None
        assert first.closed, "closed when the last call was done"
        await post_alone(shared, client)
        texts = [m["text"] for m in fake.channels["C1"].messages]
        assert sorted(texts[:2]) == ["one", "two"]
        assert texts[2:] == ["three"]
    finally:
        await fake.close()


async def post_alone(shared: SharedSession, client: AsyncWebClient) -> None:
    """A later call gets a new session (the first one is closed)."""
    async with shared.use():
        session = client.session
        assert session is not None
        assert not session.closed
        await client.chat_postMessage(channel="C1", text="three")
