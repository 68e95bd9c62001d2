"""Discord's documented limits that discord.py leaves to be discovered through 429s.

discord.py already keeps each route's bucket from the `X-RateLimit-*` headers (it waits
when a bucket reads 0 remaining) and waits out every 429. Two limits it learns only by
hitting them: the global limit of about 50 requests a second per bot, and each channel's
message-send limit (5 messages per 5 seconds; a thread is a channel of its own), which it
meets before its first answer for that channel tells it the bucket. `before_send` waits
for both; `before_request` for the global one (starting a thread, say).

What Discord answers is fed back (`answered`, called for every response through an aiohttp
trace, `pacing_trace`), so the pacing learns from discord.py's 429s as well as
ours: a global 429 holds every request for its reset time and eases the global pace off for
a few seconds (bot/chat/pacing.py `ease`); a 429 on a channel's sends, or a send answered with
`X-RateLimit-Remaining: 0`, holds that channel until `X-RateLimit-Reset-After`. discord.py
retries a 429 by itself (five times); each of those retries first waits for a global token,
so retries do not pile onto the limit that refused them.

discord.py waits out 429s and keeps each route's bucket itself, but tells nobody: the aiohttp
trace (discord.py's `http_trace` option) sees each response's status and headers, its own
retries included. Its callback is awaited before discord.py sees the response: after a 429
it waits for a global token there, which paces discord.py's own retry.

The per-channel bucket is kept one message below Discord's burst: a send that waited exactly
its turn can reach Discord a few milliseconds before the one ahead of it, and the spare
message absorbs that jitter instead of earning a 429.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Mapping
from dataclasses import dataclass
from types import SimpleNamespace

import aiohttp

from bot.chat.pacing import HEADROOM, Limit, Monotonic, Pacer, Sleep, digests_at_once

GLOBAL = "global"
CHANNEL = "channel"


# The global limit, every REST request, with HEADROOM. The burst is what a sender that woke
# late (a starved process: other work on the same cores) may catch up at once: tokens not
# taken beyond it are lost for good. 6 catches up twice the stall 3 did and stays within
# the platform's burst of 10 (docs/benchmarks.md, "Ten thousand channels").
PER_BOT = Limit(50.0 * HEADROOM, burst=6.0)
SEND_PER_CHANNEL = Limit(1.0, burst=4.0)  # 5 per 5 s, one kept for jitter
# A digest's sends in its channel: the message and the start of its details thread (the
# thread's reply goes to the thread, a channel of its own).
DIGEST_SENDS = 2
SEND_PATH = re.compile(r"/channels/(\d+)/messages$")  # a message send (a thread is a channel)


@dataclass(frozen=True, slots=True)
class DiscordLimits:
    """Discord's limits as this bot paces them."""

    per_bot: Limit = PER_BOT
    send_per_channel: Limit = SEND_PER_CHANNEL

    @property
    def digests_at_once(self) -> int:
        """Digests a fan-out posts at once to keep the bot's global limit busy."""
        return digests_at_once(self.per_bot, self.send_per_channel, DIGEST_SENDS)


class DiscordPacing:
    """One bot's pacing: share it between everything that calls Discord's REST API."""

    def __init__(
        self,
        limits: DiscordLimits | None = None,
        *,
        monotonic: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.limits = limits or DiscordLimits()
        self._pacer = Pacer(
            {GLOBAL: self.limits.per_bot, CHANNEL: self.limits.send_per_channel},
            monotonic=monotonic,
            sleep=sleep,
        )
        self.limited = 0  # 429s Discord answered (discord.py's retries included)

    async def before_send(self, channel_id: int) -> None:
        """Wait for the channel's turn, then the bot's."""
        await self._pacer.wait((CHANNEL, channel_id), GLOBAL)

    async def before_request(self) -> None:
        await self._pacer.wait(GLOBAL)

    async def answered(
        self, method: str, path: str, status: int, headers: Mapping[str, str]
    ) -> None:
        """`observed`, and on a 429 wait for a global token before discord.py retries: its
        retry (after retry_after, which it sleeps itself) is then paced like any request,
        instead of adding to the crowd that earned the 429."""
        self.observed(method, path, status, headers)
        if status == 429:
            await self.before_request()

    def observed(self, method: str, path: str, status: int, headers: Mapping[str, str]) -> None:
        """Discord answered `method path` with `status` and these headers (every response,
        discord.py's retries included): learn from its 429s and rate-limit headers."""
        send = SEND_PATH.search(path) if method == "POST" else None
        channel = (CHANNEL, int(send.group(1))) if send is not None else None
        if status == 429:
            self.limited += 1
            seconds = reset_after(headers)
            if is_global(headers):
                self._pacer.ease(GLOBAL)
                self._pacer.hold(GLOBAL, seconds)
            elif channel is not None:
                self._pacer.hold(channel, seconds)
        elif channel is not None and headers.get("X-RateLimit-Remaining") == "0":
            self._pacer.hold(channel, reset_after(headers))

    @property
    def eased(self) -> int:
        """How many times a global 429 slowed the pace (for benchmarks and logs)."""
        return self._pacer.eased

    @property
    def waited_s(self) -> float:
        return self._pacer.waited_s


def is_global(headers: Mapping[str, str]) -> bool:
    return (
        headers.get("X-RateLimit-Global", "").lower() == "true"
        or headers.get("X-RateLimit-Scope") == "global"
    )


def reset_after(headers: Mapping[str, str]) -> float:
    """Seconds until the limit resets: `X-RateLimit-Reset-After` (exact), else `Retry-After`
    (whole seconds), else 1 s."""
    for name in ("X-RateLimit-Reset-After", "Retry-After"):
        value = headers.get(name)
        if value is not None:
            try:
                return max(0.0, float(value))
            except ValueError:
                continue
    return 1.0


def pacing_trace(pacing: DiscordPacing) -> aiohttp.TraceConfig:
    """A trace config that reports each response to `pacing.answered`."""
    trace = aiohttp.TraceConfig()

    async def on_request_end(
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        response = params.response
        await pacing.answered(params.method, params.url.path, response.status, response.headers)

    trace.on_request_end.append(on_request_end)
    return trace
