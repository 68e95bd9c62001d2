"""Digests ahead of settling: the day's digests never wait for settling or follow-ups.

Settling and follow-ups share the platforms' rate limits with the digests (a late-additions
reply or a follow-up is a `chat.postMessage` on Slack; every request counts against
Discord's global limit), and a settling pass over thousands of posts can take as long as
Slack's 50 edits a minute allow. So they run on their own job (bot/app/scheduler.py), never
in the digests' way, and step aside whenever digests are being posted:

- a digest run (`DeliveryRunner.run_due`, `drain`) is wrapped in `async with
  lane.digests()`;
- settling and follow-ups call `await lane.behind_digests()` before each task or reply:
  while any digest run is in flight they wait, so a digest is held up at most by the
  settling requests already sent or queued in the platform's pacing (at most one per
  settle worker), never by the rest of a settling pass.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator


class DigestLane:
    """Counts the digest runs in flight; the others wait until there are none."""

    def __init__(self) -> None:
        self._running = 0
        self._clear = asyncio.Event()
        self._clear.set()
        self.waits = 0  # times settling or a follow-up stepped aside (for logs, benchmarks)

    @contextlib.asynccontextmanager
    async def digests(self) -> AsyncIterator[None]:
        self._running += 1
        self._clear.clear()
        try:
            yield
        finally:
            self._running -= 1
            if not self._running:
                self._clear.set()

    @property
    def busy(self) -> bool:
        return self._running > 0

    async def idle(self) -> None:
        """Return once no digest run is in flight (a shutdown waiting for them)."""
        await self._clear.wait()

    async def behind_digests(self) -> None:
        """Return once no digest run is in flight (at once if none is)."""
        if self._running:
            self.waits += 1
            await self._clear.wait()
