"""SlackPlatform: the core's ChatPlatform on Slack (slack_sdk for posting, bolt for commands).

Posting is idempotent per `idempotency_key`: every top-level digest message carries the key
in its message metadata, and before posting we look for it in the channel's history. A
digest whose first messages went out before a crash is completed, not posted twice.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from aiohttp import web
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.commands import build_app
from adapters.slack.dm.open import open_dm
from adapters.slack.errors import (
    POST_RATE_LIMIT_RETRIES,
    SLACK_FAILURES,
    OnLimited,
    Sleep,
    rate_limited_for,
    retry_handlers,
    translate,
)
from adapters.slack.http import build_web_app
from adapters.slack.pacing import POST, SlackPacing
from adapters.slack.permissions import Permissions
from adapters.slack.preview import METADATA_EVENT as METADATA_EVENT  # tests import it here
from adapters.slack.preview import digest_metadata, post_body, reply_metadata
from adapters.slack.render import (
    DigestPart,
    SlackMessage,
    render_digest,
    render_late_additions,
    render_settled,
)
from adapters.slack.session import SharedSession
from adapters.slack.socket import SocketClient, SocketHandler
from bot.chat.connection import Backoff, ConnectionTracker
from bot.chat.post_plan import PartTodo, plan_parts, unrecorded
from bot.commands.clicks import digest_counts
from bot.config.load import SlackConfig
from bot.ports import ClickHandler, CommandHandler, FirstTime, VoteCounts
from bot.records.chat import ConnectionStatus, OnAccepted, PostedPart
from bot.records.clock import Clock, SystemClock
from bot.records.digest import Digest
from bot.records.errors import ConfigError
from bot.records.models import ChannelRef, PostReceipt

log = logging.getLogger(__name__)

HISTORY_PAGE = 200


def make_client(
    config: SlackConfig,
    *,
    sleep: Sleep = asyncio.sleep,
    timeout_s: float = 30.0,
    retries: int = 4,
    on_limited: OnLimited | None = None,
) -> AsyncWebClient:
    """The Web API client: config's base URL, slack_sdk's retry handlers, a timeout."""
    return AsyncWebClient(
        token=config.bot_token or None,
        base_url=config.api_base_url,
        timeout=timeout_s,  # type: ignore[arg-type]  # annotated int; aiohttp takes seconds
        # chat.postMessage's 429s come back to SlackPlatform._post, which retries them paced
        retry_handlers=retry_handlers(sleep, retries, on_limited, frozenset({POST})),
    )


class SlackPlatform:
    """Posts digests with the bot token; routes `/papers` via Socket Mode or HTTP."""

    name = "slack"

    def __init__(
        self,
        config: SlackConfig,
        *,
        clock: Clock | None = None,
        sleep: Sleep = asyncio.sleep,
        timeout_s: float = 30.0,
        http_host: str = "0.0.0.0",  # noqa: S104 - HTTP mode must be reachable by Slack
        http_port: int | None = None,
        history_pages: int = 3,
        backoff: Backoff | None = None,
        clicks: ClickHandler | None = None,
        vote_counts: VoteCounts | None = None,
        pacing: SlackPacing | None = None,
        first_time: FirstTime | None = None,
    ) -> None:
        _check(config)
        self._first_time = first_time  # a replayed command or click (bot/chat/replays.py)
        self._clicks = clicks  # 👍 and 🔖 under papers (bot/commands/clicks.py)
        self._vote_counts = vote_counts  # the counts a digest's 👍 show as it is posted
        self.config = config
        # Slack's limits, waited for before each call (adapters/slack/pacing.py)
        self.pacing = pacing or SlackPacing(sleep=sleep)
        self.client = make_client(
            config, sleep=sleep, timeout_s=timeout_s, on_limited=self.pacing.held
        )
        # digests go through a client of their own whose posts in flight share one session
        self._poster = make_client(config, sleep=sleep, timeout_s=timeout_s)
        self._posting = SharedSession(self._poster, timeout_s)
        self._clock = clock or SystemClock()
        self._sleep = sleep
        self._timeout_s = timeout_s
        self._backoff = backoff or Backoff()
        self._tracker = ConnectionTracker(self.name, self._clock)
        self._serving: asyncio.Future[None] | None = None  # Socket Mode: done at stop()
        self._http_host = http_host
        self._http_port = config.http_port if http_port is None else http_port
        self._history_pages = history_pages
        self._socket: SocketHandler | None = None
        self._runner: web.AppRunner | None = None
        self.bound_port: int | None = None  # HTTP mode: the port actually listened on

    def __repr__(self) -> str:  # never show the client (it holds the token)
        return f"SlackPlatform(mode={self.config.mode!r})"

    # ------------------------------------------------------------ posting

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
        """Post the digest (one or more messages, abstracts in threads). Raises PlatformError.

        Parts and thread replies that `posted` records are not posted again; a part found
        by its metadata but not recorded gets all its replies (see bot/chat/post_plan.py).
        """
        parts = render_digest(digest, await digest_counts(self._vote_counts, channel, digest))
        # while any digest is being posted, the posts share one session (session.py)
        async with self._posting.use():
            try:
                found: dict[int, str] = {}
                # A first attempt cannot have posted before, and recorded parts need no look-up:
                # skip the history, which Slack rate-limits far below chat.postMessage.
                if unrecorded(len(parts), posted) and not first_attempt:
                    found = await self._find_posted(channel.channel_id, idempotency_key)
                counts = [len(part.thread) for part in parts]
                plan = plan_parts(counts, posted, found, recording=on_accepted is not None)
                post = _PartPost(
                    channel.channel_id, idempotency_key, len(parts), on_accepted, first_attempt
                )
                ids = []
                for todo in plan:
                    ids.append(await self._complete_part(post, parts[todo.index], todo))
                    if todo.message_id is not None:
                        log.info(
                            "digest part %d for %s was already posted", todo.index + 1, channel.key
                        )
            except SLACK_FAILURES as exc:
                error = translate(exc, "chat.postMessage")
                log.warning("posting to %s failed: %s", channel.key, error)
                raise error from None
        return PostReceipt(channel=channel, message_ids=tuple(ids), posted_at=self._clock.now())

    async def open_dm(self, person: ChannelRef) -> ChannelRef:
        """The DM channel with `person`, for their own digest (adapters/slack/dm.py)."""
        async with self._posting.use():
            return await open_dm(self._poster, self.pacing, person)

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
        """`chat.update` each posted part (by channel and ts) to show `settled`, keeping each
        part's papers. Raises MessageGone (`message_not_found`), PlatformError."""
        messages = render_settled(posted, settled, votes)
        try:
            for ts, message in zip(message_ids, messages, strict=False):
                if ts:
                    await self.pacing.before_update()  # Tier 3, about 50 a minute
                    await self.client.chat_update(
                        channel=channel.channel_id,
                        ts=ts,
                        text=message.text,
                        blocks=list(message.blocks),
                        link_names=False,
                    )
        except SLACK_FAILURES as exc:
            raise translate(exc, "chat.update") from None

    async def post_reply(
        self,
        channel: ChannelRef,
        thread_of: str,
        digest: Digest,
        *,
        idempotency_key: str,
        first_attempt: bool = False,
    ) -> str:
        """The late additions as one reply in the thread of `thread_of`. A reply carrying
        `idempotency_key` in its metadata already in the thread is returned instead (a
        retry after a crash; not looked for on a `first_attempt`). Raises MessageGone,
        PlatformError."""
        message = render_late_additions(digest)
        metadata = {"event_type": METADATA_EVENT, "event_payload": {"key": idempotency_key}}
        try:
            if not first_attempt:
                earlier = await self._find_reply(channel.channel_id, thread_of, idempotency_key)
                if earlier is not None:
                    return earlier
            return await self._post(
                channel.channel_id, message, thread_ts=thread_of, metadata=metadata
            )
        except SLACK_FAILURES as exc:
            raise translate(exc, "chat.postMessage") from None

    async def _find_reply(self, channel_id: str, thread_ts: str, key: str) -> str | None:
        """A reply in the thread whose metadata carries `key` (the first page only: ours
        come early in a digest's thread)."""
        await self.pacing.before_history()
        page = await self.client.conversations_replies(
            channel=channel_id, ts=thread_ts, include_all_metadata=True, limit=HISTORY_PAGE
        )
        for message in page.get("messages") or ():
            if _part_of(message, key) is not None and message.get("ts") != thread_ts:
                return str(message["ts"])
        return None

    async def _complete_part(self, post: _PartPost, part: DigestPart, todo: PartTodo) -> str:
        """Post what `todo` says is missing of `part`, reporting each accepted message. A
        part posted by an earlier attempt may have replies that attempt sent but did not
        record (it died in between): those found in the thread are not posted again."""
        ts = todo.message_id
        start = todo.replies_from
        if ts is None:
            metadata = digest_metadata(post.key, todo.index, post.total)
            ts = await self._post(post.channel_id, part.message, metadata=metadata)
        elif start < len(part.thread) and not post.first_attempt:
            start = max(start, await self._replies_posted(post, todo.index, ts))
        if not todo.recorded or start > todo.replies_from:
            await post.accepted(PostedPart(todo.index, ts, start))
        for number in range(start, len(part.thread)):
            metadata = reply_metadata(post.key, todo.index, number)
            await self._post(post.channel_id, part.thread[number], thread_ts=ts, metadata=metadata)
            await post.accepted(PostedPart(todo.index, ts, number + 1))
        return ts

    async def _replies_posted(self, post: _PartPost, index: int, thread_ts: str) -> int:
        """How many of part `index`'s replies are in its thread already (by their metadata;
        the first page only: a digest's thread holds a few replies)."""
        await self.pacing.before_history()
        page = await self.client.conversations_replies(
            channel=post.channel_id, ts=thread_ts, include_all_metadata=True, limit=HISTORY_PAGE
        )
        numbers = [_reply_of(m, post.key, index) for m in page.get("messages") or ()]
        return max((n + 1 for n in numbers if n is not None), default=0)

    async def _post(self, channel_id: str, message: SlackMessage, **extra: Any) -> str:
        # the same body `paperbot digest --format slack` prints (adapters/slack/preview.py)
        body = post_body(channel_id, message, **extra)
        for attempt in range(POST_RATE_LIMIT_RETRIES + 1):
            await self.pacing.before_post(channel_id)
            try:
                async with self._posting.use():
                    response = await self._poster.chat_postMessage(**body)
            except SLACK_FAILURES as exc:
                wait = rate_limited_for(exc)
                if wait is None or attempt == POST_RATE_LIMIT_RETRIES:
                    raise
                log.warning("Slack rate limit on chat.postMessage: waiting %.0f s", wait)
                self.pacing.post_limited(channel_id, wait)
                await self._sleep(wait)
                continue
            return str(response["ts"])
        raise AssertionError("unreachable: the loop returns or raises")

    async def _find_posted(self, channel_id: str, key: str) -> dict[int, str]:
        """Parts of this digest already in the channel: part index -> message ts."""
        found: dict[int, str] = {}
        cursor: str | None = None
        for _ in range(self._history_pages):
            await self.pacing.before_history()
            page = await self.client.conversations_history(
                channel=channel_id, include_all_metadata=True, limit=HISTORY_PAGE, cursor=cursor
            )
            for message in page.get("messages") or ():
                part = _part_of(message, key)
                if part is not None:
                    found.setdefault(part, str(message["ts"]))
            cursor = (page.get("response_metadata") or {}).get("next_cursor") or None
            if not cursor:
                break
        return found

    # ------------------------------------------------------------ commands

    async def start(self, handler: CommandHandler) -> None:
        """Route `/papers` to `handler`. HTTP mode: returns once listening. Socket Mode:
        connects (an unreachable Slack is retried with backoff) and serves until `stop()`.

        Raises ConfigError when Slack rejects a token, at start or later."""
        permissions = Permissions(
            self.client,
            self.config.managers,
            self.config.allow_workspace_admins,
            self.config.allow_channel_creator,
        )
        app = build_app(
            self.client,
            self.config.signing_secret,
            handler,
            permissions,
            clicks=self._clicks,
            first_time=self._first_time,
        )
        if self.config.mode == "socket":
            await self._serve_socket(app)
            return
        web_app = build_web_app(app, self.config.signing_secret, self.config.http_path)
        self._runner = web.AppRunner(web_app, handle_signals=False)
        await self._runner.setup()
        await web.TCPSite(self._runner, self._http_host, self._http_port).start()
        self.bound_port = self._runner.addresses[0][1]
        log.info("Slack: listening for HTTP requests on port %d", self.bound_port)

    async def _serve_socket(self, app: AsyncApp) -> None:
        serving = self._serving = asyncio.get_running_loop().create_future()

        def fatal(error: Exception) -> None:  # a token rejected on a reconnect
            if not serving.done():
                serving.set_exception(error)

        # No retries inside a connection attempt: the socket client's loop is the retry.
        probe = make_client(self.config, sleep=self._sleep, timeout_s=self._timeout_s, retries=0)
        client = SocketClient(
            self.config.app_token,
            probe,
            tracker=self._tracker,
            on_fatal=fatal,
            sleep=self._sleep,
            backoff=self._backoff,
        )
        self._socket = SocketHandler(app, client)
        await client.connect()
        await serving

    def connection(self) -> ConnectionStatus | None:
        """Socket Mode's connection, for `/papers status` (HTTP mode holds none)."""
        return self._tracker.status if self.config.mode == "socket" else None

    async def stop(self) -> None:
        if self._serving is not None and not self._serving.done():
            self._serving.set_result(None)
        if self._socket is not None:
            await self._socket.close_async()  # type: ignore[no-untyped-call]
            self._socket = None
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None


@dataclass(frozen=True, slots=True)
class _PartPost:
    """What every message of one digest post shares."""

    channel_id: str
    key: str
    total: int  # parts in the digest
    on_accepted: OnAccepted | None
    first_attempt: bool  # no earlier attempt can have posted any of it

    async def accepted(self, part: PostedPart) -> None:
        if self.on_accepted is not None:
            await self.on_accepted(part)


def _check(config: SlackConfig) -> None:
    """Refuse to start half-configured (bolt would fall back to os.environ by itself)."""
    if config.mode not in ("socket", "http"):
        raise ConfigError(f"[slack] mode must be 'socket' or 'http', not {config.mode!r}")
    needed = {"bot_token": config.bot_token}
    if config.mode == "socket":
        needed["app_token"] = config.app_token
    else:
        needed["signing_secret"] = config.signing_secret
    for name, value in needed.items():
        if not value:
            raise ConfigError(f"[slack] {name} is empty: set the variable {name}_env names")


def _part_of(message: dict[str, Any], key: str) -> int | None:
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    if metadata.get("event_type") != METADATA_EVENT or payload.get("key") != key:
        return None
    if "reply" in payload:  # a digest's thread reply, not one of its parts
        return None
    part = payload.get("part", 0)
    return part if isinstance(part, int) else None


def _reply_of(message: dict[str, Any], key: str, part: int) -> int | None:
    """The reply number of one of part `part`'s thread replies, else None."""
    metadata = message.get("metadata") or {}
    payload = metadata.get("event_payload") or {}
    if metadata.get("event_type") != METADATA_EVENT or payload.get("key") != key:
        return None
    reply = payload.get("reply")
    return reply if isinstance(reply, int) and payload.get("part") == part else None
