"""What the `paperbot run` click tests share: a Slack `block_actions` payload as Socket Mode
delivers it, the 👍 labels a message shows on either platform, and a clean stop.
"""

from __future__ import annotations

import asyncio
import signal
from typing import Any

from tests.e2e.run_support import WAIT_S
from tests.fakes.slack_api import FakeSlackApi


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
        "trigger_id": "1.2.3",
        "actions": [
            {"type": "button", "action_id": action_id, "block_id": "b", "action_ts": "1.5"}
        ],
    }


async def slack_click(
    fake: FakeSlackApi, channel_id: str, message: dict[str, Any], action_id: str, user: str
) -> None:
    """Click over Socket Mode; return once the bot acked and edited the message."""
    updates = len(fake.calls("chat.update"))
    payload = block_actions(fake, channel_id, message, action_id, user)
    ack = await fake.send_envelope("interactive", payload)
    assert ack.get("envelope_id"), ack
    await fake.wait_calls("chat.update", updates + 1)


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
