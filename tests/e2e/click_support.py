"""What the `paperbot run` click tests share: config sections for both fakes, a Slack
`block_actions` payload as Socket Mode delivers it, a Discord click and its answer, the 👍
labels a posted digest shows on either platform, and a clean stop.
"""

from __future__ import annotations

import asyncio
import itertools
import signal
from typing import Any

from bot.records.models import ChannelRef
from tests.e2e.run_support import WAIT_S
from tests.fakes.discord_api import FakeDiscord, Recorded
from tests.fakes.discord_payloads import FakeUser
from tests.fakes.slack_api import FakeSlackApi

SLACK_SECRETS = {"TEST_SLACK_BOT": "xoxb-test-token", "TEST_SLACK_APP": "xapp-test-token"}
DISCORD_TOKEN_ENV = "TEST_DISCORD_TOKEN"
ADA = FakeUser(666_666_666_666_666_666, "ada")
GRACE = FakeUser(777_777_777_777_777_777, "grace")


def slack_section(slack: FakeSlackApi) -> str:
    return f"""[slack]
enabled = true
mode = "socket"
bot_token_env = "TEST_SLACK_BOT"
app_token_env = "TEST_SLACK_APP"
api_base_url = "{slack.base_url}"
"""


def discord_section(discord: FakeDiscord) -> str:
    return f"""[discord]
enabled = true
token_env = "{DISCORD_TOKEN_ENV}"
api_base_url = "{discord.base_url}"
gateway_url = "{discord.gateway_url}"
"""


def discord_channel(fake: FakeDiscord) -> ChannelRef:
    return ChannelRef("discord", str(fake.guild.channel_id), str(fake.guild.id))


_CLICKS = itertools.count(1)


def _ts() -> str:
    return f"1700000000.{next(_CLICKS):06d}"


def block_actions(
    fake: FakeSlackApi, channel_id: str, message: dict[str, Any], action_id: str, user: str
) -> dict[str, Any]:
    """A click on `message` (as the fake channel holds it: Slack sends the message whole)."""
    return {
        "type": "block_actions",
        "team": {"id": fake.team_id, "domain": "papers"},
        "user": {"id": user, "team_id": fake.team_id},
        "api_app_id": "A0APP",
        "channel": {"id": channel_id, "name": "papers"},
        "container": {
            "type": "message",
            "channel_id": channel_id,
            "message_ts": message["ts"],
            "is_ephemeral": False,
        },
        "message": message,
        "response_url": fake.response_url("click"),
        "trigger_id": f"{next(_CLICKS)}.738474920.8088930838d",
        "actions": [
            # Slack stamps every click anew: one with an action_ts seen before is a replay
            {"type": "button", "action_id": action_id, "block_id": "b", "action_ts": _ts()}
        ],
    }


async def slack_click(fake: FakeSlackApi, channel_id: str, action_id: str, user: str) -> None:
    """Click a button of the channel's digest over Socket Mode; return once the bot acked and
    edited the message."""
    updates = len(fake.calls("chat.update"))
    payload = block_actions(fake, channel_id, slack_digest(fake, channel_id), action_id, user)
    ack = await fake.send_envelope("interactive", payload)
    assert ack.get("envelope_id"), ack
    await fake.wait_calls("chat.update", updates + 1)


def slack_digest(slack: FakeSlackApi, channel_id: str) -> dict[str, Any]:
    """The one message in the channel with buttons (the fake's copy, edits applied)."""
    [message] = [m for m in slack.top_level(channel_id) if slack_vote_labels(m)]
    return message


def discord_digest(discord: FakeDiscord) -> dict[str, Any]:
    """The one message with buttons in the guild's channel, as the fake holds it (a vote's
    UPDATE_MESSAGE applies to it)."""
    channel_id = str(discord.guild.channel_id)
    [message] = [
        m for m in discord.created if m["channel_id"] == channel_id and discord_vote_labels(m)
    ]
    return message


async def discord_click(discord: FakeDiscord, custom_id: str, user: FakeUser) -> Recorded:
    """Click a button of the posted digest; the interaction callback that answered it."""
    token = await discord.click(discord_digest(discord), custom_id, user)

    def answers(fake: FakeDiscord) -> list[Recorded]:
        return [r for r in fake.interaction_replies() if token in r.path]

    async with asyncio.timeout(WAIT_S):
        await discord.wait_for(lambda fake: bool(answers(fake)))
    [answer] = answers(discord)
    return answer


def slack_vote_labels(message: dict[str, Any]) -> dict[str, str]:
    """arXiv id -> the label of its 👍 button in a Slack message's blocks."""
    return {
        element["action_id"].removeprefix("pb:v:"): element["text"]["text"]
        for block in message.get("blocks") or []
        if block.get("type") == "actions"
        for element in block["elements"]
        if element["action_id"].startswith("pb:v:")
    }


def discord_vote_labels(message: dict[str, Any]) -> dict[str, str]:
    """arXiv id -> the label of its 👍 button in a Discord message's components."""
    return {
        button["custom_id"].removeprefix("pb:v:"): button["label"]
        for row in message.get("components") or []
        for button in row["components"]
        if str(button.get("custom_id", "")).startswith("pb:v:")
    }


async def stop_cleanly(bot: asyncio.subprocess.Process, *secrets: str) -> str:
    """SIGTERM, wait for the exit; the exit is clean and the log has no traceback or secret."""
    bot.send_signal(signal.SIGTERM)
    async with asyncio.timeout(WAIT_S):
        _, stderr = await bot.communicate()
    log = stderr.decode()
    assert bot.returncode == 0, log
    assert "Traceback" not in log, log
    for secret in secrets:
        assert secret not in log
    return log
