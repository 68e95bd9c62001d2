"""`/papers` on Slack: bolt AsyncApp wiring, who may manage a channel, the 3-second ack.

Acknowledge first (bot/commands/ack.py): an answer that needs only the command's text (help, a
usage mistake) goes in the ack itself; every other command is acked at once (slow ones,
such as search, with "working on it") and answered through the command's `response_url`
once the store and, for a change, the permission look-ups (adapters/slack/permissions.py)
have answered.
A reply that carries a file (an export) is uploaded by adapters/slack/files.py instead.
The core decides what to say; this module only decides `can_manage` and how it is shown.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from typing import Any

from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.ack.async_ack import AsyncAck
from slack_bolt.context.respond.async_respond import AsyncRespond
from slack_bolt.logger.messages import warning_client_prioritized_and_token_skipped
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.actions import add_click_listener
from adapters.slack.errors import RESPOND_FAILURES, SLACK_FAILURES
from adapters.slack.files import share_file
from adapters.slack.inbound import command_key
from adapters.slack.mrkdwn import escape_marked, link
from adapters.slack.permissions import Permissions
from adapters.slack.render import SlackMessage, render_reply
from bot.commands.ack import answered_from_text, needs_manager
from bot.commands.handler import is_slow
from bot.ports import ClickHandler, CommandHandler, FirstTime
from bot.records.chat import CommandContext, Reply, Visibility
from bot.records.models import ChannelRef

log = logging.getLogger(__name__)

WORKING = "Working on it…"
GENERIC_FAILURE = "Something went wrong; it is logged. Please try again later."
INVITE_HINT = (
    "I am not a member of this channel yet, so I cannot post its digest. "
    "Invite me with `/invite @paperbot`."
)
MAX_RESPONSES = 5  # Slack accepts at most five messages per response_url


class CommandRouter:
    """The `/papers` listener: builds the context, calls the core, acks and responds."""

    def __init__(
        self,
        handler: CommandHandler,
        permissions: Permissions,
        client: AsyncWebClient,
        slow: Callable[[str], bool] = is_slow,
        first_time: FirstTime | None = None,
    ) -> None:
        self._handler = handler
        self._permissions = permissions
        self._client = client
        self._slow = slow
        self._first_time = first_time or always_new

    async def on_papers(
        self, ack: AsyncAck, command: dict[str, Any], respond: AsyncRespond
    ) -> None:
        key = command_key(command)
        if key is not None and not await self._first_time(key):
            await ack()  # Slack sent it once; this copy is a replay: acknowledged, not run
            log.info("Slack: ignored a replayed /papers command")
            return
        text = str(command.get("text") or "").strip()
        user_id = str(command.get("user_id") or "")
        if answered_from_text(text):  # help, a usage mistake: no store, no look-up
            reply = await self._answer(command, text)
            first, *rest = render_reply(reply, actor_id=user_id)
            await ack(**payload(first, reply.visibility))
            await _respond_all(respond, rest, reply.visibility)
            return
        if self._slow(text):
            await ack(text=WORKING, response_type="ephemeral")
        else:
            await ack()  # nothing shown yet: the answer follows in a moment
        reply = await self._answer(command, text)
        if reply.attachment is not None:
            await self._send_file(command, reply, respond)
            return
        await _respond_all(respond, render_reply(reply, actor_id=user_id), reply.visibility)
        if reply.visibility is Visibility.CHANNEL and not await self._is_member(command):
            await _respond_all(respond, [SlackMessage(INVITE_HINT, ())], Visibility.PRIVATE)

    async def _answer(self, command: dict[str, Any], text: str) -> Reply:
        user_id = str(command.get("user_id") or "")
        channel_id = str(command.get("channel_id") or "")
        if needs_manager(text):  # only a change pays for the look-ups (after the ack)
            can_manage = await self._permissions.can_manage(user_id, channel_id)
        else:
            can_manage = self._permissions.known(user_id, channel_id)
        ctx = CommandContext(
            channel=ChannelRef("slack", channel_id, _team(command)),
            user_id=user_id,
            user_name=str(command.get("user_name") or ""),
            can_manage=can_manage,
        )
        try:
            return await self._handler(ctx, text)
        except Exception:
            log.exception("/papers failed in %s", ctx.channel.key)
            return Reply(GENERIC_FAILURE, is_error=True)

    async def _send_file(
        self, command: dict[str, Any], reply: Reply, respond: AsyncRespond
    ) -> None:
        """The reply's file in the channel (`public`), else in a DM with the requester and
        linked from an ephemeral answer; a failure is said ephemerally."""
        assert reply.attachment is not None
        public = reply.visibility is Visibility.CHANNEL
        shared = await share_file(
            self._client,
            reply.attachment,
            channel_id=str(command.get("channel_id") or ""),
            user_id=str(command.get("user_id") or ""),
            public=public,
            comment=escape_marked(reply.text),
        )
        if shared.problem is not None:
            text = shared.problem  # our own words, with Slack markup meant
        elif public:
            return  # the file and its comment are in the channel: nothing more to say
        else:
            where = link(shared.permalink, "our direct messages")
            text = f"{escape_marked(reply.text)}\nOnly you have it: it is in {where}."
        await _respond_all(respond, [SlackMessage(text, ())], Visibility.PRIVATE)

    async def _is_member(self, command: dict[str, Any]) -> bool:
        """Can the bot post here? (A private channel it is not in is "not found".)"""
        try:
            response = await self._client.conversations_info(channel=str(command.get("channel_id")))
        except SLACK_FAILURES:
            return False
        return bool((response.get("channel") or {}).get("is_member"))


async def always_new(key: str) -> bool:
    """No replay guard (tests, previews): every request is handled."""
    return True


def _team(command: dict[str, Any]) -> str:
    return str(command.get("team_id") or "")


def payload(message: SlackMessage, visibility: Visibility) -> dict[str, Any]:
    """An ack or response_url body: ephemeral for personal answers, else in the channel."""
    body: dict[str, Any] = {
        "text": message.text,
        "response_type": "in_channel" if visibility is Visibility.CHANNEL else "ephemeral",
        "unfurl_links": False,
        "unfurl_media": False,
    }
    if message.blocks:
        body["blocks"] = list(message.blocks)
    return body


async def _respond_all(
    respond: AsyncRespond, messages: Sequence[SlackMessage], visibility: Visibility
) -> None:
    if len(messages) > MAX_RESPONSES:
        log.warning("reply needs %d messages; response_url takes 5", len(messages))
    for message in messages[:MAX_RESPONSES]:
        try:
            response = await respond(**payload(message, visibility))
        except RESPOND_FAILURES as exc:
            log.warning("response_url failed: %s", type(exc).__name__)
            return
        if response.status_code != 200:
            log.warning("response_url answered HTTP %d", response.status_code)
            return


class _TokenSkippedFilter(logging.Filter):
    """bolt takes SLACK_BOT_TOKEN from the environment even when given a client, then warns
    at every start that the token will be unused: the client already holds it (the variable
    the config names, by default that same one). Passing no token cannot avoid it, so this
    drops exactly that line, on bolt's app logger; every other warning passes."""

    def filter(self, record: logging.LogRecord) -> bool:
        return record.getMessage() != warning_client_prioritized_and_token_skipped()


_BOLT_APP_LOG = logging.getLogger("slack_bolt.AsyncApp")  # bolt's get_bolt_logger(AsyncApp)


def _quiet_token_warning() -> None:
    if not any(isinstance(f, _TokenSkippedFilter) for f in _BOLT_APP_LOG.filters):
        _BOLT_APP_LOG.addFilter(_TokenSkippedFilter())


def build_app(
    client: AsyncWebClient,
    signing_secret: str,
    handler: CommandHandler,
    permissions: Permissions,
    *,
    slow: Callable[[str], bool] = is_slow,
    clicks: ClickHandler | None = None,
    first_time: FirstTime | None = None,
) -> AsyncApp:
    """A bolt app routing `/papers` and our buttons' clicks; bolt verifies HTTP requests'
    signatures and age; `first_time` recognises a replayed command or click
    (bot/chat/replays.py), which is acknowledged and does nothing."""
    _quiet_token_warning()
    app = AsyncApp(
        client=client,
        signing_secret=signing_secret,  # unused in Socket Mode (no HTTP requests arrive)
        name="paperbot",
        process_before_response=False,  # ack first, keep working after
    )
    router = CommandRouter(handler, permissions, client, slow, first_time)
    app.command("/papers")(router.on_papers)
    add_click_listener(app, clicks, client, first_time)
    return app
