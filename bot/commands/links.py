"""`/papers link [code]` and `/papers unlink`: one subscription shared by several channels.

Kept beside the core's command handler (bot/commands/handler.py) rather than in it: the handler
parses the text once (bot/commands/parse.py) and hands the two verbs' commands here; its
`topics` and `status` replies get a line here naming the linked channels.

Sharing is written, not resolved: joining copies the inviting channel's settings and topics
into the joining channel's own subscription row, and every later save of a linked channel
writes them to all channels of its group in the same transaction (the stores'
`_sync_group`). So everything that reads subscriptions (the scheduler, the fan-out, the
digest builder) works as before, each channel still posts on its own platform, and an
unlink only drops the link, leaving each channel its copy. Votes are pooled by keying them
under the group's id (bot/commands/clicks.py `subscription_key`).
"""

from __future__ import annotations

import logging
import math
from dataclasses import replace
from datetime import datetime

from bot.commands.parse import Command, ListTopics, Status, Unsubscribe
from bot.commands.parse_links import Link, Unlink
from bot.commands.wording import RESTART, require_manager, topics_text, who
from bot.ports import Store
from bot.records.chat import CommandContext, Reply, Visibility
from bot.records.clock import Clock
from bot.records.errors import UserInputError
from bot.records.instants import Style, mark
from bot.records.links import (
    CODE_LIFETIME,
    MAX_WRONG_CODES,
    WRONG_CODE_WINDOW,
    GuardKind,
    JoinOutcome,
    JoinResult,
    Lock,
    code_hash,
    expires_at,
    new_code,
    new_group_id,
    read_code,
)
from bot.records.models import ChannelRef

log = logging.getLogger(__name__)

_MINUTES = int(CODE_LIFETIME.total_seconds() // 60)
_WINDOW_MINUTES = int(WRONG_CODE_WINDOW.total_seconds() // 60)
BAD_CODE = "That link code is wrong or was used already. Ask for a new one with /papers link."
_STILL_GOOD = "The code is not used up."
_REFUSALS = {
    JoinOutcome.UNKNOWN: BAD_CODE,
    JoinOutcome.EXPIRED: "That link code has expired. Ask for a new one with /papers link.",
    JoinOutcome.SAME_CHANNEL: (
        f"That code is this channel's own; run it in the other channel. {_STILL_GOOD}"
    ),
    JoinOutcome.SAME_PLACE: (
        "That code is from a channel in this {place}: linking joins channels on another "
        "platform, workspace or server. Here, join that channel, or subscribe this one to "
        f"the same topics (/papers topics there lists them). {_STILL_GOOD}"
    ),
    JoinOutcome.ALREADY_LINKED: (
        f"This channel is linked already; /papers unlink it first. {_STILL_GOOD}"
    ),
    JoinOutcome.NOT_SUBSCRIBED: "The channel that made that code is no longer subscribed.",
}
_PLATFORMS = {"slack": ("Slack", "workspace"), "discord": ("Discord", "server")}


class LinkVerbs:
    """More verbs for bot/commands/handler.py's Commands: `link`, `unlink`, and the linked
    channels on `topics` and `status`."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    async def answer(self, ctx: CommandContext, command: Command) -> Reply | None:
        match command:
            case Link(code):
                return await self._link(ctx, code)
            case Unlink():
                return await self._unlink(ctx)
            case Unsubscribe(None):
                return await self._unsubscribe_linked(ctx)
        return None

    async def amend(self, ctx: CommandContext, command: Command, reply: Reply) -> Reply:
        if not isinstance(command, ListTopics | Status):
            return reply
        others = await self.store.linked_channels(ctx.channel.key)
        if not others:
            return reply
        line = f"Linked with {_names(others)}: topics, settings and votes are shared."
        return replace(reply, text=reply.text + "\n" + line)

    async def _link(self, ctx: CommandContext, typed: str | None) -> Reply:
        require_manager(ctx)
        if typed is None:
            return await self._invite(ctx)
        code = read_code(typed)
        if code is None:
            raise UserInputError(BAD_CODE)
        if await self.store.linked_channels(ctx.channel.key):
            raise UserInputError(_REFUSALS[JoinOutcome.ALREADY_LINKED])
        now = self.clock.now()
        result = await self.store.join_link(
            code_hash(code), ctx.channel, ctx.user_id, now, new_group_id()
        )
        if result.outcome is not JoinOutcome.JOINED or result.inviter_key is None:
            raise UserInputError(refusal(result, ctx.channel, now))
        subscription = await self.store.get_subscription(ctx.channel)
        text = (
            f"{who(ctx)} linked this channel with {channel_name(result.inviter_key)}: one "
            "subscription, with the same topics, settings and votes; each channel gets "
            f"its digest here. {topics_text(subscription)}"
        )
        return Reply(text, visibility=Visibility.CHANNEL)

    async def _invite(self, ctx: CommandContext) -> Reply:
        if await self.store.get_subscription(ctx.channel) is None:
            raise UserInputError("Subscribe this channel first (/papers subscribe), then link it.")
        code = new_code()
        now = self.clock.now()
        expiry = expires_at(now)
        await self.store.create_link_code(code_hash(code), ctx.channel.key, expiry)
        until = mark(expiry, style=Style.TIME)  # each reader sees it in their own zone
        return Reply(
            f"Link code: {code} (good once, for {_MINUTES} minutes: until {until}). In the "
            f"channel to link, run /papers link {code} there: that channel takes this one's "
            "topics and settings."
        )

    async def _unlink(self, ctx: CommandContext) -> Reply:
        require_manager(ctx)
        others = await self.store.linked_channels(ctx.channel.key)
        if not others or not await self.store.unlink(ctx.channel.key):
            raise UserInputError("This channel is not linked to another channel.")
        text = (
            f"{who(ctx)} unlinked this channel from {_names(others)}. It keeps a copy of the "
            "topics, settings and votes; changes here no longer reach the other channels."
        )
        return Reply(text, visibility=Visibility.CHANNEL)

    async def _unsubscribe_linked(self, ctx: CommandContext) -> Reply | None:
        """`unsubscribe all` in a linked channel stops this channel only, and says so: the
        others keep their digests (a manager here may change the shared topics, but not stop
        a channel elsewhere that they may not even see). None when not linked: the core's."""
        others = await self.store.linked_channels(ctx.channel.key)
        if not others:
            return None
        require_manager(ctx)
        await self.store.delete_subscription(ctx.channel)  # leaves the group first
        they = "it keeps" if len(others) == 1 else "they keep"
        text = (
            f"{who(ctx)} unsubscribed this channel: no more digests here, and it is no longer "
            f"linked. Still subscribed: {_names(others)}; {they} the shared topics and "
            f"settings (/papers unsubscribe all there stops them). {RESTART}"
        )
        return Reply(text, visibility=Visibility.CHANNEL)


def refusal(result: JoinResult, channel: ChannelRef, now: datetime) -> str:
    """Why the join did not happen, in words; a lock also says where and for how long."""
    if result.outcome is JoinOutcome.LOCKED and result.lock is not None:
        log.debug("link refused: %s is locked after wrong codes", channel.key)  # no flood
        return (
            f"Too many wrong link codes in {_where(result.lock, channel)} lately: "
            f"/papers link <code> is refused there for {_minutes_left(result.lock, now)}. "
            "Check the code with whoever made it, and try again then."
        )
    _, place = _PLATFORMS.get(channel.platform, (channel.platform, "workspace"))
    text = _REFUSALS[result.outcome].replace("{place}", place)
    if result.outcome is JoinOutcome.UNKNOWN and result.lock is not None:
        log.warning("link codes locked for %s after wrong codes", channel.key)
        text += (
            f" That is {MAX_WRONG_CODES} wrong codes in {_WINDOW_MINUTES} minutes: "
            f"{_where(result.lock, channel)} may not try another for "
            f"{_minutes_left(result.lock, now)}."
        )
    return text


def _where(lock: Lock, channel: ChannelRef) -> str:
    if lock.kind is GuardKind.CHANNEL:
        return "this channel"
    _, place = _PLATFORMS.get(channel.platform, (channel.platform, "workspace"))
    return f"this {place}"


def _minutes_left(lock: Lock, now: datetime) -> str:
    """`12 minutes (until 09:41 UTC)`, the time marked for the reader's zone."""
    minutes = max(1, math.ceil((lock.until - now).total_seconds() / 60))
    until = mark(lock.until, style=Style.TIME)
    return f"{minutes} minute" + ("s" if minutes != 1 else "") + f" (until {until})"


def channel_name(key: str) -> str:
    """`Discord channel 123 in server 456`: plain text, no mention syntax."""
    try:
        channel = ChannelRef.parse(key)
    except ValueError:
        return "another channel"
    if channel.platform == "console":  # one terminal: no workspace, and "console" twice reads ill
        return f"the console's channel {channel.channel_id}"
    platform, place = _PLATFORMS.get(channel.platform, (channel.platform, "workspace"))
    where = f" in {place} {channel.workspace}" if channel.workspace else ""
    return f"{platform} channel {channel.channel_id}{where}"


def _names(keys: list[str]) -> str:
    return ", ".join(channel_name(key) for key in keys)
