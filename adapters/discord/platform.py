"""`DiscordPlatform`: the core's `ChatPlatform` on discord.py 2.x.

Digests are posted through discord.py's REST client (its rate limiting, not ours); the
`/papers` group arrives over the gateway and is answered through interaction callbacks.
The bot asks for the `guilds` intent only: no privileged intent is needed, because
application commands reach a bot whatever its intents.
"""

from __future__ import annotations

import asyncio
import io
import logging
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any

import aiohttp
import discord
import yarl
from discord import app_commands
from discord.gateway import DiscordWebSocket
from discord.http import Route

from adapters.discord.buckets import amortise_sweeps
from adapters.discord.buttons import always_new, interaction_key, paper_button_type
from adapters.discord.commands import build_papers_group, topic_choices
from adapters.discord.dm.commands import dm_refusal
from adapters.discord.dm.open import open_dm
from adapters.discord.gateway import GatewayLoop
from adapters.discord.lookup import find_marked
from adapters.discord.pacing import DiscordPacing, pacing_trace
from adapters.discord.posting import Sleep, edit_message, nonce_for, send_message, translate
from adapters.discord.render import (
    DiscordMessage,
    render_details,
    render_digest,
    render_reply,
    render_settled,
    thread_name,
)
from adapters.discord.replies import post_thread_reply
from adapters.discord.threads import NO_THREAD_NOTE, ThreadRefused, post_details
from bot.chat.connection import Backoff
from bot.chat.post_plan import PartTodo, plan_parts, unrecorded
from bot.commands.ack import answered_from_text, needs_manager, shown_to_channel
from bot.commands.clicks import digest_counts
from bot.config.load import DiscordConfig
from bot.ports import ClickHandler, CommandHandler, FirstTime, VoteCounts
from bot.records.chat import (
    Attachment,
    CommandContext,
    ConnectionStatus,
    OnAccepted,
    PostedPart,
    Reply,
    Visibility,
)
from bot.records.clock import Clock
from bot.records.digest import Digest
from bot.records.errors import ConfigError, PermanentPlatformError, TransientPlatformError
from bot.records.models import ChannelRef, PostReceipt

log = logging.getLogger(__name__)

Interaction = discord.Interaction[discord.Client]
TopicsFor = Callable[[ChannelRef], Awaitable[list[str]]]
PLATFORM = "discord"
FAILED = Reply("Something went wrong on our side; it is logged.", is_error=True)


def context_of(interaction: Interaction) -> CommandContext:
    """Who asked where; `can_manage` is the member's Manage Channels in that channel."""
    perms = interaction.permissions
    channel = ChannelRef(
        platform=PLATFORM,
        channel_id=str(interaction.channel_id or ""),
        workspace=str(interaction.guild_id or ""),
    )
    return CommandContext(
        channel=channel,
        user_id=str(interaction.user.id),
        user_name=interaction.user.display_name,
        can_manage=perms.manage_channels or perms.administrator,
    )


@dataclass(frozen=True, slots=True)
class _Done:
    """Records one part's thread replies as Discord accepts them (like Slack's)."""

    index: int
    message_id: str
    on_accepted: OnAccepted | None

    async def replies(self, count: int) -> None:
        if self.on_accepted is not None:
            await self.on_accepted(PostedPart(self.index, self.message_id, count))


class _UtcClock:
    def now(self) -> datetime:
        return datetime.now(UTC)


class DiscordPlatform:
    """Posts digests to Discord channels and serves `/papers` until `stop()`."""

    name = PLATFORM

    def __init__(
        self,
        config: DiscordConfig,
        *,
        topics_for: TopicsFor | None = None,
        clock: Clock | None = None,
        sleep: Sleep = asyncio.sleep,
        attempts: int = 4,
        managers_only: bool = False,
        guild_ready_timeout: float = 2.0,
        drain_timeout: float = 10.0,
        clicks: ClickHandler | None = None,
        backoff: Backoff | None = None,
        vote_counts: VoteCounts | None = None,
        pacing: DiscordPacing | None = None,
        first_time: FirstTime | None = None,
    ) -> None:
        if not config.token:
            raise ConfigError("[discord] token_env must name a variable holding the bot token")
        _point_at(config)
        self._config = config
        self._topics_for = topics_for
        self._clock: Clock = clock or _UtcClock()
        self._sleep = sleep
        self._attempts = attempts
        # the global and per-channel limits, waited for before each send (pacing.py)
        self.pacing = pacing or DiscordPacing(sleep=sleep)
        self._handler: CommandHandler | None = None
        # an interaction delivered again is handled once (bot/chat/replays.py)
        self._first_time = first_time or always_new
        self._login_lock = asyncio.Lock()
        self._prepare_lock = asyncio.Lock()  # shards prepare side by side: one syncs
        self._logged_in = False
        self._synced = False
        self._connected = asyncio.Event()
        self._in_flight: set[asyncio.Task[Any]] = set()
        self._drain_timeout = drain_timeout
        self._vote_counts = vote_counts  # the counts a digest's 👍 show as it is posted
        self.client = _make_client(config, guild_ready_timeout, self.pacing)
        amortise_sweeps(self.client.http)  # discord.py's bucket sweep, O(1) per bucket
        self._gateway = GatewayLoop(self.client, clock=self._clock, sleep=sleep, backoff=backoff)
        self.tree: app_commands.CommandTree[discord.Client] = app_commands.CommandTree(self.client)
        group = build_papers_group(self._run, self._channel_topics, managers_only=managers_only)
        self.tree.add_command(group)
        if clicks is not None:  # 👍 and 🔖, also on messages posted before a restart
            self.client.add_dynamic_items(paper_button_type(clicks, self._first_time))
        if config.dev_guild_id is not None:
            self.tree.copy_global_to(guild=discord.Object(config.dev_guild_id))

        async def on_connect() -> None:  # a sharded client sends both this and the next
            self._gateway.session_up()
            self._connected.set()

        async def on_shard_connect(shard_id: int) -> None:
            self._gateway.session_up(shard_id)

        async def on_resumed() -> None:
            self._gateway.session_up()

        async def on_shard_resumed(shard_id: int) -> None:
            self._gateway.session_up(shard_id)

        for handler in (on_connect, on_shard_connect, on_resumed, on_shard_resumed):
            self.client.event(handler)

    # ----- ChatPlatform ----------------------------------------------------------------

    @property
    def digests_at_once(self) -> int:
        return self.pacing.limits.digests_at_once

    async def post_digest(
        self,
        channel: ChannelRef,
        digest: Digest,
        *,
        idempotency_key: str,
        first_attempt: bool = False,
        posted: Sequence[PostedPart] = (),
        on_accepted: OnAccepted | None = None,
    ) -> PostReceipt:
        target = await self._channel(channel)
        votes = await digest_counts(self._vote_counts, channel, digest)
        messages = render_digest(digest, mark_key=idempotency_key, counts=votes)
        details = render_details(digest) if channel.workspace else []  # a DM takes no thread
        found: dict[int, str] = {}
        if unrecorded(len(messages), posted) and not first_attempt:
            author = self.client.user.id if self.client.user else None
            found = await find_marked(target, idempotency_key, author_id=author)
        counts = [len(details)] + [0] * (len(messages) - 1)  # the thread is on part 0
        plan = plan_parts(counts, posted, found, recording=on_accepted is not None)
        ids: list[str] = []
        note = None
        for part in plan:
            message_id = part.message_id
            if message_id is None:
                sent = await send_message(
                    target,
                    messages[part.index],
                    nonce=nonce_for(idempotency_key, part.index),
                    attempts=self._attempts,
                    sleep=self._sleep,
                    pacing=self.pacing,
                )
                message_id = str(sent.id)
            if not part.recorded and on_accepted is not None:
                await on_accepted(PostedPart(part.index, message_id, part.replies_from))
            ids.append(message_id)
            if part.replies_from < counts[part.index]:
                done = _Done(part.index, message_id, on_accepted)
                note = await self._post_details(
                    target, digest, details, part, done, key=idempotency_key
                )
        now = self._clock.now()
        return PostReceipt(channel=channel, message_ids=tuple(ids), posted_at=now, note=note)

    async def open_dm(self, person: ChannelRef) -> ChannelRef:
        """The DM channel with `person`, for their own digest (adapters/discord/dm/open.py)."""
        try:
            await self._login()
        except ConfigError as exc:  # a bad token is not this person's fault: try later
            raise TransientPlatformError(str(exc)) from exc
        return await open_dm(
            self.client, person, attempts=self._attempts, sleep=self._sleep, pacing=self.pacing
        )

    async def edit_digest(
        self,
        channel: ChannelRef,
        message_ids: Sequence[str],
        posted: Digest,
        settled: Digest,
        *,
        idempotency_key: str,
        votes: Mapping[str, int] | None = None,
    ) -> None:
        """Edit (PATCH) each posted message to show `settled`, keeping each message's papers
        and footer mark. Raises MessageGone (10008 Unknown Message), PlatformError."""
        target = await self._channel(channel)
        messages = render_settled(posted, settled, mark_key=idempotency_key, counts=votes)
        for message_id, message in zip(message_ids, messages, strict=False):
            if message_id.isdigit():
                partial = target.get_partial_message(int(message_id))
                await edit_message(
                    partial, message, attempts=self._attempts, sleep=self._sleep, pacing=self.pacing
                )

    async def post_reply(
        self,
        channel: ChannelRef,
        thread_of: str,
        digest: Digest,
        *,
        idempotency_key: str,
        first_attempt: bool = False,
    ) -> str:
        """The late additions in the thread started on `thread_of` (a thread takes its
        message's id), once: a retry finds the marked reply in the thread, or Discord's
        nonce answers (adapters/discord/replies.py). Raises MessageGone, PlatformError."""
        await self._channel(channel)  # logs in; checks the channel reference
        return await post_thread_reply(
            self.client,
            thread_of,
            digest,
            key=idempotency_key,
            first_attempt=first_attempt,
            attempts=self._attempts,
            sleep=self._sleep,
            pacing=self.pacing,
        )

    async def _post_details(
        self,
        target: discord.PartialMessageable,
        digest: Digest,
        details: list[DiscordMessage],
        part: PartTodo,
        done: _Done,
        *,
        key: str,
    ) -> str | None:
        """The details thread on the part's message; a note when Discord refused it."""
        try:
            await post_details(
                self.client,
                target,
                done.message_id,
                details,
                name=thread_name(digest),
                key=key,
                start=part.replies_from,
                accepted=done.replies,
                attempts=self._attempts,
                sleep=self._sleep,
                pacing=self.pacing,
            )
        except ThreadRefused:
            log.warning("no details thread in channel %s: %s", target.id, NO_THREAD_NOTE)
            return NO_THREAD_NOTE
        return None

    async def start(self, handler: CommandHandler) -> None:
        """Log in, sync the commands, and serve the gateway until `stop()`; an unreachable
        Discord is retried with backoff (adapters/discord/gateway.py).

        Raises ConfigError when Discord rejects the token or the setup, at start or later."""
        self._handler = handler
        try:
            await self._gateway.run(self._prepare)
        finally:
            self._connected.clear()

    def connection(self) -> ConnectionStatus | None:
        """The gateway connection, for `/papers status`."""
        return self._gateway.status()

    async def stop(self) -> None:
        """Let the commands being answered finish (within `drain_timeout`), then disconnect."""
        if self._in_flight:
            await asyncio.wait(self._in_flight, timeout=self._drain_timeout)
        await self.client.close()

    async def wait_connected(self) -> None:
        """Until the gateway session is up (READY received): commands can arrive."""
        await self._connected.wait()

    async def sync_commands(self) -> None:
        """Global sync by default (up to an hour to appear); one guild, instantly, for dev."""
        guild = self._config.dev_guild_id
        try:
            synced = await self.tree.sync(guild=discord.Object(guild) if guild else None)
        except discord.Forbidden as exc:
            raise ConfigError(
                "Discord refused the command sync: invite the bot with the "
                "applications.commands scope (docs/discord.md, step 3)"
            ) from exc
        except discord.HTTPException as exc:
            raise translate(exc) from exc
        where = f"guild {guild}" if guild else "globally"
        log.info("synced %d application command(s) %s", len(synced), where)

    # ----- internals -------------------------------------------------------------------

    async def _prepare(self) -> None:
        """What must succeed before the gateway: each step once, retried by the loop."""
        async with self._prepare_lock:
            await self._login()
            if not self._synced:
                await self.sync_commands()
                self._synced = True

    async def _login(self) -> None:
        async with self._login_lock:
            if self._logged_in:
                return
            # Each `login` opens a new aiohttp session (owning its connector): close the one
            # an earlier failed attempt left, and let the next attempt make a new connector.
            await self.client.http.close()
            self.client.http.connector = discord.utils.MISSING
            try:
                await self.client.login(self._config.token)
            except discord.LoginFailure:
                raise ConfigError("Discord rejected the bot token (HTTP 401)") from None
            except (discord.HTTPException, OSError) as exc:
                raise translate(exc) from exc
            self._logged_in = True

    async def _channel(self, channel: ChannelRef) -> discord.PartialMessageable:
        if channel.platform != PLATFORM or not channel.channel_id.isdigit():
            raise PermanentPlatformError(f"{channel.key} is not a Discord channel")
        try:
            await self._login()
        except ConfigError as exc:  # a bad token is not this channel's fault: try later
            raise TransientPlatformError(str(exc)) from exc
        guild_id = int(channel.workspace) if channel.workspace.isdigit() else None
        return self.client.get_partial_messageable(int(channel.channel_id), guild_id=guild_id)

    async def _channel_topics(self, interaction: Interaction, current: str) -> list[str]:
        if self._topics_for is None:
            return []
        try:
            topics = await self._topics_for(context_of(interaction).channel)
        except Exception:
            log.exception("could not list the channel's topics for autocomplete")
            return []
        return topic_choices(topics, current)

    async def _run(self, interaction: Interaction, text: str) -> None:
        """Answer one slash command: defer the slow verbs, then reply or follow up."""
        task = asyncio.current_task()
        if task is not None:
            self._in_flight.add(task)
        try:
            if await self._first_time(interaction_key(interaction)):
                await self._run_command(interaction, text)
            else:
                log.info("Discord: ignored an interaction already handled")
        except (discord.DiscordException, aiohttp.ClientError, OSError, TimeoutError):
            # Too late (the 3 s window or the 15 min token passed) or Discord is down:
            # nothing more can reach the user; the log keeps the details.
            log.exception("could not answer /papers %s", text.split(" ", 1)[0])
        finally:
            if task is not None:
                self._in_flight.discard(task)

    async def _run_command(self, interaction: Interaction, text: str) -> None:
        # Acknowledge first: only an answer from the text alone (help, a usage mistake) goes
        # in the callback; everything else is deferred before the store is asked (under a
        # fan-out the store's queue can hold a change's read and write for seconds). An
        # answer for the channel (a change by a member who may make it, `top public`) is
        # deferred publicly; anything else privately.
        ctx = context_of(interaction)
        if interaction.guild_id is None and (refused := dm_refusal(text)) is not None:
            await self._respond(interaction, refused, deferred=False)
            return
        deferred = not answered_from_text(text)
        allowed = ctx.can_manage or not needs_manager(text)
        public = deferred and allowed and shown_to_channel(text)
        if deferred:
            await interaction.response.defer(ephemeral=not public, thinking=True)
        reply = await self._answer(ctx, text)
        if public and reply.visibility is Visibility.PRIVATE:
            # refused or mistaken: the channel saw only "thinking"; the member sees why
            await interaction.delete_original_response()
        await self._respond(interaction, reply, deferred=deferred)

    async def _answer(self, ctx: CommandContext, text: str) -> Reply:
        if self._handler is None:
            return FAILED
        try:
            return await self._handler(ctx, text)
        except Exception:
            log.exception("the /papers handler failed")
            return FAILED

    async def _respond(self, interaction: Interaction, reply: Reply, *, deferred: bool) -> None:
        """The reply's messages; its file (an export) rides on the first, as an attachment
        seen by whom the message is (ephemeral: the requester alone)."""
        ephemeral = reply.visibility is Visibility.PRIVATE
        messages = render_reply(reply)
        first, rest = messages[0], messages[1:]
        file = _file_of(reply.attachment)
        if deferred:
            await _follow_up(interaction, first, ephemeral, file)
        else:
            await interaction.response.send_message(
                content=first.content,
                embeds=list(first.embeds),
                ephemeral=ephemeral,
                allowed_mentions=discord.AllowedMentions.none(),
                view=first.view or discord.utils.MISSING,
                file=file,
            )
        for message in rest:
            await _follow_up(interaction, message, ephemeral)


def _file_of(attachment: Attachment | None) -> Any:
    """discord.py's upload (multipart) of a reply's file, or MISSING (no file)."""
    if attachment is None:
        return discord.utils.MISSING
    return discord.File(io.BytesIO(attachment.content), filename=attachment.filename)


async def _follow_up(
    interaction: Interaction,
    message: DiscordMessage,
    ephemeral: bool,
    file: Any = discord.utils.MISSING,
) -> None:
    await interaction.followup.send(
        content=message.content or discord.utils.MISSING,
        embeds=list(message.embeds),
        ephemeral=ephemeral,
        allowed_mentions=discord.AllowedMentions.none(),
        view=message.view or discord.utils.MISSING,
        file=file,
        wait=True,
    )


def _point_at(config: DiscordConfig) -> None:
    """Aim discord.py at other endpoints (tests: the loopback fakes). Process-wide."""
    if config.api_base_url:
        Route.BASE = config.api_base_url.rstrip("/")
    if config.gateway_url:
        DiscordWebSocket.DEFAULT_GATEWAY = yarl.URL(config.gateway_url)


def _make_client(
    config: DiscordConfig, guild_ready_timeout: float, pacing: DiscordPacing
) -> discord.Client:
    intents = discord.Intents.none()
    intents.guilds = True  # channel and guild cache; not privileged
    # The bot never joins voice: discord.py's one-time warnings that voice's optional
    # libraries (davey, PyNaCl) are missing would only alarm at every start. These flags
    # are discord.py's own switch for them, and they silence nothing else.
    discord.VoiceClient.warn_dave = False
    discord.VoiceClient.warn_nacl = False
    options: dict[str, Any] = {
        "allowed_mentions": discord.AllowedMentions.none(),
        "chunk_guilds_at_startup": False,
        "guild_ready_timeout": guild_ready_timeout,
        "http_trace": pacing_trace(pacing),  # 429s and rate-limit headers reach the pacing
    }
    if config.shard_ids or config.shard_count:
        if config.shard_ids and config.shard_count is None:
            raise ConfigError("[discord] shard_ids needs shard_count too")
        if config.shard_ids:
            options["shard_ids"] = list(config.shard_ids)
        return discord.AutoShardedClient(intents=intents, shard_count=config.shard_count, **options)
    return discord.Client(intents=intents, **options)
