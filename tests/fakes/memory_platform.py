"""An in-memory ChatPlatform for delivery, scheduler and runtime tests (no HTTP)."""

from __future__ import annotations

import asyncio
from collections.abc import Mapping, Sequence
from datetime import UTC, datetime

from bot.ports import CommandHandler
from bot.records.chat import OnAccepted, PostedPart
from bot.records.clock import Clock
from bot.records.digest import Digest
from bot.records.errors import MessageGone
from bot.records.models import ChannelRef, PostReceipt


class MemoryPlatform:
    """Records what it is asked to post. With `gate`, a post waits until the gate opens (a
    post slowed by rate limits); with `error`, every post raises it."""

    def __init__(
        self,
        name: str = "slack",
        *,
        gate: asyncio.Event | None = None,
        error: Exception | None = None,
        clock: Clock | None = None,
    ) -> None:
        self.name = name
        self.digests_at_once = 8  # the runner's workers when the config says 0 (from limits)
        self.clock = clock  # for the receipts' posted_at; the wall clock if None
        self.gate = gate
        self.error = error
        self.started = asyncio.Event()  # set when the first post begins
        self.posted: list[str] = []  # idempotency keys, in order
        self.posted_channels: list[str] = []  # channel keys, in order
        self.edits: list[tuple[tuple[str, ...], Digest]] = []  # (message ids, settled digest)
        self.replies: dict[str, tuple[str, Digest]] = {}  # key -> (thread message id, digest)
        self.gone: set[str] = set()  # message ids a person deleted

    def release(self) -> None:
        """Let gated posts go."""
        if self.gate is not None:
            self.gate.set()

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
        self.started.set()
        if self.gate is not None:
            await self.gate.wait()
        if self.error is not None:
            raise self.error
        self.posted.append(idempotency_key)
        self.posted_channels.append(channel.key)
        now = self.clock.now() if self.clock is not None else datetime.now(UTC)
        return PostReceipt(channel, (f"m{len(self.posted)}",), now)

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
        if self.gone & set(message_ids):
            raise MessageGone("message_not_found")
        self.edits.append((tuple(message_ids), settled))

    async def post_reply(
        self,
        channel: ChannelRef,
        thread_of: str,
        digest: Digest,
        *,
        idempotency_key: str,
        first_attempt: bool = False,
    ) -> str:
        """One reply per key, like a platform that recognises its earlier reply."""
        if thread_of in self.gone:
            raise MessageGone("message_not_found")
        self.replies.setdefault(idempotency_key, (thread_of, digest))
        return f"r-{idempotency_key}"

    async def start(self, handler: CommandHandler) -> None:
        return None

    async def stop(self) -> None:
        return None
