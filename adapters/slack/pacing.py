"""Slack's documented rate limits, kept by the client instead of learnt from 429s.

- `chat.postMessage` is special: about one message a second per channel ("short bursts of
  more than one allowed"), thread replies included, plus a workspace-wide ceiling.
- `chat.update` is Tier 3: about 50 calls a minute per workspace (bursts tolerated).
- `conversations.history` is Tier 3 for an internal app (50 a minute).

Call `before_post(channel_id)` right before each `chat.postMessage` and `before_update()`
before each `chat.update` (settling posts, vote counts). We pace without bursts: a request
that waited exactly its turn can still reach Slack a few milliseconds before the one ahead
of it, and the short bursts Slack tolerates absorb that jitter instead of answering 429.
A 429 is still honoured. On `chat.postMessage` the platform calls `post_limited(...)`: the
channel waits out Retry-After (its caller retries through `before_post`, so the retries
take their turns instead of going out together) and the workspace pace eases off for a few
seconds (bot/chat/pacing.py `ease`): Slack does not say whether the channel's limit or the
workspace's was met, and holding every channel for a whole second on one channel's 429
would cost fifty messages. On the Tier 3 methods (one limit per workspace) slack_sdk's
handler waits out Retry-After and `held(...)` holds every other caller of the method too.
"""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass

from bot.chat.pacing import HEADROOM, Limit, Monotonic, Pacer, Sleep, digests_at_once

POST = "chat.postMessage"
UPDATE = "chat.update"
HISTORY = "conversations.history"
OPEN = "conversations.open"
CHANNEL = "channel"  # chat.postMessage per channel


POST_PER_CHANNEL = Limit(1.0)  # 1/s; Slack allows short bursts: we leave them for jitter
# chat.postMessage across all channels, with HEADROOM. The burst is what a sender that woke
# late (a starved process: other work on the same cores) may catch up at once: tokens not
# taken beyond it are lost for good. 6 catches up twice the stall 3 did and stays within
# the platform's burst of 10 (docs/benchmarks.md, "Ten thousand channels").
POST_PER_WORKSPACE = Limit(50.0 * HEADROOM, burst=6.0)
TIER_3 = Limit.per_minute(50)  # chat.update; conversations.history for internal apps
# A digest's messages in its channel: the top message and the thread reply with the rest.
DIGEST_MESSAGES = 2


@dataclass(frozen=True, slots=True)
class SlackLimits:
    """Slack's limits as this app paces them (override for a workspace with other limits)."""

    post_per_channel: Limit = POST_PER_CHANNEL
    post_per_workspace: Limit = POST_PER_WORKSPACE
    update_per_workspace: Limit = TIER_3
    history_per_workspace: Limit = TIER_3
    open_per_workspace: Limit = TIER_3  # conversations.open: a DM digest's first to a person

    @property
    def digests_at_once(self) -> int:
        """Digests a fan-out posts at once to keep the workspace's limit busy."""
        return digests_at_once(self.post_per_workspace, self.post_per_channel, DIGEST_MESSAGES)


class SlackPacing:
    """One workspace's pacing (one bot token): share it between everything that posts."""

    def __init__(
        self,
        limits: SlackLimits | None = None,
        *,
        monotonic: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self.limits = limits or SlackLimits()
        self._pacer = Pacer(
            {
                CHANNEL: self.limits.post_per_channel,
                POST: self.limits.post_per_workspace,
                UPDATE: self.limits.update_per_workspace,
                HISTORY: self.limits.history_per_workspace,
                OPEN: self.limits.open_per_workspace,
            },
            monotonic=monotonic,
            sleep=sleep,
        )

    async def before_post(self, channel_id: str) -> None:
        """Wait for `channel_id`'s turn, then the workspace's (a thread reply counts too)."""
        await self._pacer.wait((CHANNEL, channel_id), POST)

    async def before_update(self) -> None:
        await self._pacer.wait(UPDATE)

    async def before_history(self) -> None:
        await self._pacer.wait(HISTORY)

    async def before_open(self) -> None:
        await self._pacer.wait(OPEN)

    def post_limited(self, channel_id: str, seconds: float) -> None:
        """Slack answered a chat.postMessage to `channel_id` with 429 and Retry-After
        `seconds`: that channel waits them out; the workspace slows down for a while."""
        self._pacer.ease(POST)
        self._pacer.hold((CHANNEL, channel_id), seconds)

    def held(self, method: str, seconds: float) -> None:
        """Slack answered `method` with 429 and Retry-After `seconds`: hold every caller."""
        if method in (POST, UPDATE, HISTORY, OPEN):
            self._pacer.hold(method, seconds)

    @property
    def waited_s(self) -> float:
        return self._pacer.waited_s

    @property
    def eased(self) -> int:
        """How many times a 429 slowed the workspace's pace (for benchmarks and logs)."""
        return self._pacer.eased
