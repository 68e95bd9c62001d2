"""Discord's documented limits that discord.py leaves to be discovered through 429s.

discord.py already keeps each route's bucket from the `X-RateLimit-*` headers (it waits
when a bucket reads 0 remaining) and waits out every 429. Two limits it learns only by
hitting them: the global limit of about 50 requests a second per bot, and each channel's
message-send limit (5 messages per 5 seconds; a thread is a channel of its own), which it
meets before its first answer for that channel tells it the bucket. `before_send` waits
for both; `before_request` for the global one (starting a thread, say).

The per-channel bucket is kept one message below Discord's burst: a send that waited exactly
its turn can reach Discord a few milliseconds before the one ahead of it, and the spare
message absorbs that jitter instead of earning a 429.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from bot.pacing import HEADROOM, Limit, Monotonic, Pacer, Sleep

GLOBAL = "global"
CHANNEL = "channel"


# The global limit, every REST request, with HEADROOM; a small burst lets a sender that woke
# late (a busy event loop) catch up without clumping past what Discord tolerates.
PER_BOT = Limit(50.0 * HEADROOM, burst=3.0)
SEND_PER_CHANNEL = Limit(1.0, burst=4.0)  # 5 per 5 s, one kept for jitter


@dataclass(frozen=True, slots=True)
class DiscordLimits:
    """Discord's limits as this bot paces them."""

    per_bot: Limit = PER_BOT
    send_per_channel: Limit = SEND_PER_CHANNEL


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

    async def before_send(self, channel_id: int) -> None:
        """Wait for the channel's turn, then the bot's."""
        await self._pacer.wait((CHANNEL, channel_id), GLOBAL)

    async def before_request(self) -> None:
        await self._pacer.wait(GLOBAL)

    @property
    def waited_s(self) -> float:
        return self._pacer.waited_s
