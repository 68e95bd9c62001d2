"""👍 and 🔖 clicks on Slack: bolt `block_actions` in, the core's answer shown in place.

Acked first, at once (Slack wants it within 3 s), in Socket Mode and in HTTP mode alike
(HTTP requests are signature-checked by adapters/slack/http.py and bolt, as commands are).
A new count edits the clicked channel message with `chat.update`; an ephemeral message,
which Slack does not send back, gets a private line with the count instead. A notice is
private (`response_url`, ephemeral, never replacing the message): a click never posts in
the channel.
"""

from __future__ import annotations

import logging
import re
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.buttons import with_vote_count
from adapters.slack.errors import RESPOND_FAILURES, SLACK_FAILURES
from adapters.slack.inbound import click_key
from bot.chat.buttons import PREFIX
from bot.ports import ClickHandler, FirstTime
from bot.records.chat import Click, ClickAnswer
from bot.records.models import ChannelRef

log = logging.getLogger(__name__)

MAX_SLACK_ID = 32  # Slack's ids (T…, C…, U…) are about 11 characters
ACTION_IDS = re.compile(rf"^{PREFIX}:")


class ClickRouter:
    def __init__(
        self, clicks: ClickHandler, client: AsyncWebClient, first_time: FirstTime | None = None
    ) -> None:
        self._clicks = clicks
        self._client = client
        self._first_time = first_time

    async def on_click(
        self, ack: AsyncAck, body: dict[str, Any], action: dict[str, Any], respond: AsyncRespond
    ) -> None:
        await ack()
        click = click_of(body, action)
        if click is None:
            log.info("Slack: ignored a click without a channel or user")
            return
        key = click_key(body, action)
        if key is not None and self._first_time is not None and not await self._first_time(key):
            log.info("Slack: ignored a replayed click")  # a second toggle would undo the first
            return
        answer = await self._clicks(click)
        counted = answer.vote_count is not None and answer.arxiv_id is not None
        if counted and not await self._update(body, str(answer.arxiv_id), answer.vote_count or 0):
            await _tell(respond, f"👍 {answer.vote_count} in this channel now.")
        if answer.notice:
            await _tell(respond, answer.notice)

    async def _update(self, body: dict[str, Any], arxiv_id: str, count: int) -> bool:
        """Edit the clicked message's count; False when Slack did not send the message."""
        message = body.get("message")
        channel = _text_at(body, "channel", "id")
        if not isinstance(message, dict) or not isinstance(message.get("blocks"), list):
            return False
        try:
            await self._client.chat_update(
                channel=channel,
                ts=str(message.get("ts") or ""),
                blocks=with_vote_count(message["blocks"], arxiv_id, count),
                text=str(message.get("text") or "paperbot"),
            )
        except SLACK_FAILURES as exc:
            log.warning("Slack: chat.update after a vote failed: %s", type(exc).__name__)
        return True


def click_of(body: dict[str, Any], action: dict[str, Any]) -> Click | None:
    """The click in a `block_actions` payload (untrusted: every id is checked)."""
    channel = _text_at(body, "channel", "id")
    user = _text_at(body, "user", "id")
    team = _text_at(body, "team", "id") or _text_at(body, "user", "team_id")
    if not all(0 < len(v) <= MAX_SLACK_ID and v.isalnum() for v in (channel, user)):
        return None
    if len(team) > MAX_SLACK_ID or not (team.isalnum() or not team):
        return None
    return Click(ChannelRef("slack", channel, team), user, action.get("action_id"))


def _text_at(body: dict[str, Any], key: str, field: str) -> str:
    part = body.get(key)
    value = part.get(field) if isinstance(part, dict) else None
    return value if isinstance(value, str) else ""


async def _tell(respond: AsyncRespond, text: str) -> None:
    try:
        await respond(text=text, response_type="ephemeral", replace_original=False)
    except RESPOND_FAILURES as exc:
        log.warning("Slack: response_url after a click failed: %s", type(exc).__name__)


async def _no_answer(click: Click) -> ClickAnswer:
    return ClickAnswer()


def add_click_listener(
    app: AsyncApp,
    clicks: ClickHandler | None,
    client: AsyncWebClient,
    first_time: FirstTime | None = None,
) -> None:
    """Route our buttons' `block_actions` to `clicks` (acked, and ignored, without one);
    a replayed click (`first_time` says so) is acked and does nothing."""
    router = ClickRouter(clicks or _no_answer, client, first_time)
    app.action(ACTION_IDS)(router.on_click)
