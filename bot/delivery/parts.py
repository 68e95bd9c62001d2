"""The claimed record of one delivery attempt, kept current and saved as the post goes on.

Each message the platform accepts is saved into the record at once (`accepted`, the
platform's `on_accepted`), before the platform sends the next: a worker that dies mid-digest
leaves a record that says which parts (and thread replies) are out, so the retry posts only
the rest, whether or not the platform still remembers its nonce. Lease renewals and outcome
writes start from the same current record, so none of them forgets a saved part.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable
from dataclasses import replace
from datetime import datetime

from bot.records.chat import PostedPart
from bot.records.delivery import Delivery

Save = Callable[[Delivery], Awaitable[None]]
Step = Callable[[str, Delivery | None], None]


class AttemptRecord:
    """The record as last saved by this attempt; `save` raises what the store's save does."""

    def __init__(self, delivery: Delivery, save: Save, step: Step) -> None:
        self.delivery = delivery
        self._save = save
        self._step = step
        self._lock = asyncio.Lock()  # one write at a time, each from the one before

    async def update(self, change: Callable[[Delivery], Delivery]) -> Delivery:
        """Apply `change` to the current record and save it; the saved record."""
        async with self._lock:
            changed = change(self.delivery)
            await self._save(changed)
            self.delivery = changed
            return changed

    async def renew(self, lease_until: datetime) -> None:
        await self.update(lambda delivery: replace(delivery, lease_until=lease_until))

    async def accepted(self, part: PostedPart) -> None:
        """The platform accepted `part` (or one more of its replies): record it."""
        self._step("part-accepted", self.delivery)
        await self.update(lambda delivery: delivery.with_part(part))
        self._step("part-recorded", self.delivery)
