"""RunPapers: one load per day and one preparation (in a worker thread) for concurrent callers;
a failed load is tried again."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from datetime import date

import pytest

from bot.digest.prepared import PreparedPapers
from bot.digest.run_papers import RunPapers
from bot.errors import SourceUnavailable
from bot.models import Paper

DAY, NEXT = date(2024, 5, 13), date(2024, 5, 14)
WAIT_S = 5.0


class Loader:
    def __init__(self, failures: int = 0) -> None:
        self.calls: list[date] = []
        self.failures = failures
        self.gate = asyncio.Event()

    async def __call__(self, day: date) -> list[Paper]:
        self.calls.append(day)
        await self.gate.wait()
        if self.failures:
            self.failures -= 1
            raise SourceUnavailable("503")
        return []


async def test_concurrent_channels_share_one_load_per_day() -> None:
    load = Loader()
    papers = RunPapers(load)
    waiting = [asyncio.ensure_future(papers.prepared((DAY, NEXT))) for _ in range(5)]
    waiting.append(asyncio.ensure_future(papers.prepared((NEXT,))))
    for _ in range(5):
        await asyncio.sleep(0)
    load.gate.set()
    prepared = await asyncio.gather(*waiting)
    assert sorted(load.calls) == [DAY, NEXT]
    assert len({id(p) for p in prepared[:5]}) == 1
    papers.clear()
    await papers.prepared((DAY,))
    assert load.calls.count(DAY) == 2, "cleared: read again"


async def test_a_failed_load_is_not_kept() -> None:
    load = Loader(failures=1)
    load.gate.set()
    papers = RunPapers(load)
    with pytest.raises(SourceUnavailable):
        await papers.prepared((DAY,))
    assert (await papers.prepared((DAY,))).papers == ()
    assert load.calls == [DAY, DAY]


async def test_concurrent_channels_share_one_preparation_made_off_the_event_loop() -> None:
    """Preparing a day is CPU work: one preparation for every waiting channel, made in a
    worker thread. It only finishes once the loop (still serving) opens its gate."""
    entered, gate = threading.Event(), threading.Event()
    opened: list[bool] = []

    def prepare(papers: Sequence[Paper]) -> PreparedPapers:
        entered.set()
        opened.append(gate.wait(timeout=WAIT_S))  # a bound, never a sleep
        return PreparedPapers(papers)

    load = Loader()
    load.gate.set()
    papers = RunPapers(load, prepare)
    waiting = [asyncio.ensure_future(papers.prepared((DAY,))) for _ in range(5)]
    assert await asyncio.to_thread(entered.wait, WAIT_S)
    gate.set()  # the loop runs while the preparation waits in its thread
    prepared = await asyncio.gather(*waiting)
    assert opened == [True], "prepared once, and not on the event loop"
    assert len({id(p) for p in prepared}) == 1
