"""Long loops on the event loop, in turns: other tasks run every few items.

The planner walks every subscription (schedule arithmetic with no await in between, long at
many thousands of them: docs/benchmarks.md, "Slash-command acks through the real adapters");
meanwhile no slash command could be acknowledged. `in_turns` hands the loop back every
`every` items, so a command arriving mid-plan waits for one turn of planning, not for all
of it.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Iterable
from typing import TypeVar

T = TypeVar("T")
EVERY = 64


async def in_turns(items: Iterable[T], every: int = EVERY) -> AsyncIterator[T]:
    for n, item in enumerate(items, 1):
        yield item
        if n % every == 0:
            await asyncio.sleep(0)  # let the tasks that are ready run (acks), then go on
