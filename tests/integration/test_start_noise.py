"""A start prints nothing a newcomer must puzzle over: not bolt's "`token` will be unused"
(it reads SLACK_BOT_TOKEN, the variable the README has them export, beside our client), nor
discord.py's "davey is not installed" (the bot never joins voice). Each is silenced at its
source; other warnings still pass."""

from __future__ import annotations

import logging
from collections.abc import Iterator

import discord
import pytest
from slack_sdk.web.async_client import AsyncWebClient

from adapters.discord import DiscordPlatform
from adapters.slack.commands import build_app
from adapters.slack.permissions import Permissions
from bot.records.chat import CommandContext, Reply
from tests.fakes.discord_setup import config_for, discord_globals_restored, fake_discord, serving


async def nothing(ctx: CommandContext, text: str) -> Reply:
    return Reply("")


def test_a_slack_start_with_slack_bot_token_set_prints_no_unused_token_warning(
    caplog: pytest.LogCaptureFixture, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("SLACK_BOT_TOKEN", "xoxb-from-the-environment")
    caplog.set_level(logging.INFO)
    client = AsyncWebClient(token="xoxb-from-the-environment")
    build_app(client, "secret", nothing, Permissions(client, (), True))
    assert not [r for r in caplog.records if "will be unused" in r.getMessage()]


def test_bolts_other_warnings_still_pass(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    logging.getLogger("slack_bolt.AsyncApp").warning("something else")
    client = AsyncWebClient(token="xoxb-x")
    build_app(client, "secret", nothing, Permissions(client, (), True))
    logging.getLogger("slack_bolt.AsyncApp").warning("something else")
    assert [r.getMessage() for r in caplog.records].count("something else") == 2


@pytest.fixture
def voice_warnings_armed() -> Iterator[None]:
    """discord.py warns once per process; arm its flags as at a fresh start."""
    before = discord.VoiceClient.warn_dave, discord.VoiceClient.warn_nacl
    discord.VoiceClient.warn_dave = discord.VoiceClient.warn_nacl = True
    try:
        yield
    finally:
        discord.VoiceClient.warn_dave, discord.VoiceClient.warn_nacl = before


@pytest.mark.usefixtures("voice_warnings_armed")
async def test_a_discord_start_prints_no_voice_warning(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.INFO)
    with discord_globals_restored():
        async with fake_discord() as fake:
            platform = DiscordPlatform(config_for(fake))
            async with serving(platform, nothing):
                pass
    voice = [r.getMessage() for r in caplog.records if "voice" in r.getMessage()]
    assert voice == []
