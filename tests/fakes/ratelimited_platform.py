"""A fake chat platform on loopback that behaves like the real ones where delivery cares:

- rate limits per channel and global (token buckets), answered with 429, a `Retry-After`
  header and a JSON `retry_after` / `global` body, as Slack and Discord do;
- idempotency: a post carrying a key already accepted in that channel returns the earlier
  message instead of a new one (Discord's `nonce` + `enforce_nonce`, Slack's metadata
  look-up), so a client that crashed after the post was accepted can safely retry;
- failures on demand: transient (503) or permanent (403 with a Discord-like code);
- settling's calls: replies in a message's thread (`thread_of`, keyed like posts, found
  again only when the client looks) and edits of a message (404, like Slack's
  `message_not_found`, for a message it does not hold).

`HttpChatPlatform` is a thin `ChatPlatform` over it (aiohttp), with a shared "blocked until"
gate on 429 like discord.py's global rate limiter, and optional pacing at a known rate.
Time is injected on both sides: the server reads `now()` and the client sleeps through
`sleep()`, so tests never wait on the wall clock.
"""

from __future__ import annotations

import asyncio
import math
import socket
import time
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, datetime
from typing import Any

import aiohttp
from aiohttp import web

from bot.digest.text import render_text
from bot.ports import CommandHandler
from bot.records.chat import OnAccepted, PostedPart
from bot.records.digest import Digest
from bot.records.errors import MessageGone, PermanentPlatformError, TransientPlatformError
from bot.records.models import ChannelRef, PostReceipt


@dataclass
class Bucket:
    """A token bucket: `rate` tokens per second, at most `burst` saved up."""

    rate: float
    burst: float
    tokens: float = -1.0
    stamp: float = 0.0

    def take(self, now: float) -> float:
        """0 if a token was taken, else the seconds until one is available."""
        if self.tokens < 0:
            self.tokens, self.stamp = self.burst, now
        self.tokens = min(self.burst, self.tokens + (now - self.stamp) * self.rate)
        self.stamp = now
        if self.tokens >= 1 - 1e-9:
            self.tokens = max(self.tokens - 1, 0.0)
            return 0.0
        return math.ceil((1 - self.tokens) / self.rate * 1000) / 1000  # ms, as Discord says


@dataclass
class Message:
    channel: str
    key: str
    text: str
    id: str
    at: float = 0.0  # the server's clock when it accepted the post
    thread_of: str | None = None  # a reply: the id of the message whose thread holds it
    edits: list[str] = field(default_factory=list)  # the texts it was edited to, in order


@dataclass
class FakePlatformServer:
    """The fake's state; `app()` serves it. Limits of 0 mean unlimited."""

    global_rate: float = 0.0
    global_burst: float = 1.0
    channel_rate: float = 0.0
    channel_burst: float = 1.0
    now: Callable[[], float] = time.monotonic
    dedupe: bool = True  # False: forget keys (a platform without idempotency, for controls)
    whole_seconds: bool = False  # Retry-After in whole seconds, as Slack sends it
    messages: list[Message] = field(default_factory=list)
    by_key: dict[tuple[str, str], Message] = field(default_factory=dict)
    failures: dict[str, list[tuple[int, dict[str, Any]]]] = field(default_factory=dict)
    rate_limited: int = 0
    duplicates_refused: int = 0
    _global: Bucket | None = None
    _channels: dict[str, Bucket] = field(default_factory=dict)

    def fail(self, channel: str, status: int, body: dict[str, Any], times: int = 1) -> None:
        """The next `times` posts to `channel` answer `status` with `body`."""
        self.failures.setdefault(channel, []).extend([(status, body)] * times)

    def fail_permanently(self, channel: str, code: int = 50013) -> None:
        self.fail(channel, 403, {"code": code, "message": "Missing Permissions"}, times=10**6)

    def count(self, channel: str) -> int:
        """Top-level messages in `channel` (thread replies not counted)."""
        return sum(1 for m in self.messages if m.channel == channel and m.thread_of is None)

    def replies(self, channel: str) -> list[Message]:
        return [m for m in self.messages if m.channel == channel and m.thread_of is not None]

    def top(self, channel: str) -> list[Message]:
        return [m for m in self.messages if m.channel == channel and m.thread_of is None]

    def app(self) -> web.Application:
        app = web.Application()
        app.router.add_post("/post", self._post)
        app.router.add_post("/edit", self._edit)
        app.router.add_get("/messages", self._messages)
        app.router.add_post("/fail", self._fail)
        return app

    def _wait(self, channel: str) -> tuple[float, bool]:
        """Seconds to wait before this post may go (0: go now), and whether it is global."""
        now = self.now()
        if self.global_rate:
            self._global = self._global or Bucket(self.global_rate, self.global_burst)
            wait = self._global.take(now)
            if wait:
                return wait, True
        if self.channel_rate:
            bucket = self._channels.setdefault(
                channel, Bucket(self.channel_rate, self.channel_burst)
            )
            return bucket.take(now), False
        return 0.0, False

    async def _post(self, request: web.Request) -> web.Response:
        body = await request.json()
        channel, key, text = str(body["channel"]), str(body["key"]), str(body["text"])
        looks = not body.get("thread_of") or bool(body.get("look"))  # a post: the nonce
        earlier = self.by_key.get((channel, key)) if self.dedupe and looks else None
        if earlier is not None:  # found by its key: the earlier post, not a new one
            self.duplicates_refused += 1
            return web.json_response({"ok": True, "id": earlier.id, "existing": True})
        queued = self.failures.get(channel)
        if queued:
            status, payload = queued.pop(0)
            return web.json_response(payload, status=status)
        wait, is_global = self._wait(channel)
        if wait and self.whole_seconds:
            wait = float(math.ceil(wait))
        if wait:
            self.rate_limited += 1
            payload = {"message": "rate limited", "retry_after": wait, "global": is_global}
            headers = {"Retry-After": f"{wait:.3f}"}
            return web.json_response(payload, status=429, headers=headers)
        thread_of = str(body["thread_of"]) if body.get("thread_of") else None
        if thread_of is not None and not any(m.id == thread_of for m in self.messages):
            return web.json_response({"message": "Unknown Message", "code": 10008}, status=404)
        message = Message(channel, key, text, str(len(self.messages) + 1), self.now(), thread_of)
        self.messages.append(message)
        self.by_key[(channel, key)] = message
        return web.json_response({"ok": True, "id": message.id})

    async def _edit(self, request: web.Request) -> web.Response:
        body = await request.json()
        channel, message_id = str(body["channel"]), str(body["id"])
        found = [m for m in self.messages if m.channel == channel and m.id == message_id]
        if not found:
            return web.json_response({"message": "Unknown Message", "code": 10008}, status=404)
        found[0].edits.append(str(body["text"]))
        return web.json_response({"ok": True, "id": message_id})

    async def _messages(self, request: web.Request) -> web.Response:
        rows = [{"channel": m.channel, "key": m.key, "id": m.id} for m in self.messages]
        stats = {"rate_limited": self.rate_limited, "duplicates_refused": self.duplicates_refused}
        return web.json_response({"messages": rows, **stats})

    async def _fail(self, request: web.Request) -> web.Response:
        body = await request.json()
        self.fail(str(body["channel"]), int(body["status"]), body["body"], int(body["times"]))
        return web.json_response({"ok": True})


Sleep = Callable[[float], Awaitable[None]]


class HttpChatPlatform:
    """A ChatPlatform that posts to a FakePlatformServer (one message per digest)."""

    def __init__(
        self,
        name: str,
        base_url: str,
        *,
        sleep: Sleep = asyncio.sleep,
        clock: Callable[[], float] = time.monotonic,
        max_retries: int = 20,
        pace_per_s: float = 0.0,
        now: Callable[[], datetime] = lambda: datetime.now(UTC),
    ) -> None:
        self.name = name
        self.digests_at_once = 16  # as bench/fanout.py runs it
        self.base_url = base_url.rstrip("/")
        self._sleep = sleep
        self._clock = clock
        self._now = now  # the receipts' posted_at (a test's injected clock)
        self._max_retries = max_retries
        self._blocked_until = 0.0
        self._spacing = 1.0 / pace_per_s if pace_per_s else 0.0
        self._next_slot = 0.0
        self._session: aiohttp.ClientSession | None = None
        self.rate_limited = 0
        self.first_attempts: list[bool] = []  # the flag of every post_digest call, in order

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
        self.first_attempts.append(first_attempt)
        payload = {"channel": channel.key, "key": idempotency_key, "text": render_text(digest)}
        body = await self._call("/post", payload)
        return PostReceipt(channel, (str(body["id"]),), self._now())

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
        """Each message edited to the settled text. Raises MessageGone (404)."""
        for message_id in message_ids:
            payload = {"channel": channel.key, "id": message_id, "text": render_text(settled)}
            await self._call("/edit", payload)

    async def post_reply(
        self,
        channel: ChannelRef,
        thread_of: str,
        digest: Digest,
        *,
        idempotency_key: str,
        first_attempt: bool = False,
    ) -> str:
        """A reply in `thread_of`'s thread, keyed like a post. As on Slack, an earlier reply
        is found by its key only when the client looks for it: never on a `first_attempt`
        (so a first attempt wrongly claimed shows up as a duplicate). Raises MessageGone
        when the thread's message is gone."""
        payload = {
            "channel": channel.key,
            "key": idempotency_key,
            "text": digest.heading or render_text(digest),
            "thread_of": thread_of,
            "look": "" if first_attempt else "yes",
        }
        return str((await self._call("/post", payload))["id"])

    async def _call(self, path: str, payload: dict[str, str]) -> dict[str, Any]:
        for _ in range(self._max_retries):
            await self._wait_for_gate()
            status, body = await self._send(path, payload)
            if status == 200:
                return body
            if status == 429:
                self.rate_limited += 1
                retry = float(body.get("retry_after", 1.0))
                self._blocked_until = max(self._blocked_until, self._clock() + retry)
                continue
            if status == 404:
                raise MessageGone(f"{body.get('message')} ({body.get('code')})")
            if status == 403:
                raise PermanentPlatformError(f"{body.get('message')} ({body.get('code')})")
            raise TransientPlatformError(f"HTTP {status}")
        raise TransientPlatformError("still rate limited after retries")

    async def _wait_for_gate(self) -> None:
        """Wait out a 429's retry-after, then take the next send slot at the paced rate
        (a client that knows the documented limit spaces its requests, as discord.py does
        per bucket), so a crowd of workers does not stampede the moment the gate opens."""
        while (delay := self._blocked_until - self._clock()) > 0:
            await self._sleep(delay)
        if self._spacing:
            now = self._clock()
            slot = max(now, self._next_slot)
            self._next_slot = slot + self._spacing
            if slot > now:
                await self._sleep(slot - now)

    async def _send(self, path: str, payload: dict[str, str]) -> tuple[int, dict[str, Any]]:
        if self._session is None:
            self._session = aiohttp.ClientSession()
        try:
            async with self._session.post(f"{self.base_url}{path}", json=payload) as response:
                return response.status, await response.json()
        except aiohttp.ClientError as exc:
            raise TransientPlatformError(f"connection failed: {type(exc).__name__}") from exc

    async def start(self, handler: CommandHandler) -> None:
        return None

    async def stop(self) -> None:
        if self._session is not None:
            await self._session.close()
            self._session = None


async def serve(server: FakePlatformServer) -> tuple[web.AppRunner, str]:
    """Start `server` on 127.0.0.1, port picked by the OS; returns (runner, base url)."""
    runner = web.AppRunner(server.app())
    await runner.setup()
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.bind(("127.0.0.1", 0))
    port = int(sock.getsockname()[1])
    await web.SockSite(runner, sock).start()
    return runner, f"http://127.0.0.1:{port}"
