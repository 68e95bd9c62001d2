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

from dataclasses import replace

from bot.commands.parse import Command, ListTopics, Status
from bot.commands.parse_links import Link, Unlink
from bot.commands.wording import require_manager, topics_text, who
from bot.ports import Store
from bot.records.chat import CommandContext, Reply, Visibility
from bot.records.clock import Clock
from bot.records.errors import UserInputError
from bot.records.links import (
    CODE_LIFETIME,
    JoinOutcome,
    code_hash,
    expires_at,
    new_code,
    new_group_id,
    read_code,
)
from bot.records.models import ChannelRef

_MINUTES = int(CODE_LIFETIME.total_seconds() // 60)
BAD_CODE = "That link code is wrong or was used already. Ask for a new one with /papers link."
_REFUSALS = {
    JoinOutcome.UNKNOWN: BAD_CODE,
    JoinOutcome.EXPIRED: "That link code has expired. Ask for a new one with /papers link.",
    JoinOutcome.SAME_CHANNEL: "That code is this channel's own; run it in the other channel.",
    JoinOutcome.ALREADY_LINKED: "This channel is linked already; /papers unlink it first.",
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
        result = await self.store.join_link(
            code_hash(code), ctx.channel, ctx.user_id, self.clock.now(), new_group_id()
        )
        if result.outcome is not JoinOutcome.JOINED or result.inviter_key is None:
            raise UserInputError(_REFUSALS[result.outcome])
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
        await self.store.create_link_code(code_hash(code), ctx.channel.key, expires_at(now))
        return Reply(
            f"Link code: {code} (good once, for {_MINUTES} minutes). In the channel to link, "
            f"run /papers link {code} there: that channel takes this one's topics and settings."
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
