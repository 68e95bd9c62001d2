"""RunPapers: one load per day and one preparation (in a worker thread) for concurrent callers;
a failed load is tried again."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Mapping, Sequence
from datetime import date

import pytest

from bot.digest.prepared import PreparedPapers
from bot.digest.run_papers import RunPapers
from bot.records.errors import SourceUnavailable
from bot.records.models import Paper, PaperArtifacts

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


async def test_concurrent_channels_share_one_artifacts_load_per_set_of_days() -> None:
    load = Loader()
    asked: list[tuple[str, ...]] = []
    gate = asyncio.Event()
    linked = PaperArtifacts("2405.00001", models=("org/m",))

    async def load_artifacts(papers: Sequence[Paper]) -> Mapping[str, PaperArtifacts]:
        asked.append(tuple(p.arxiv_id for p in papers))
        await gate.wait()
        return {linked.arxiv_id: linked}

    papers = RunPapers(load, load_artifacts)
    waiting = [asyncio.ensure_future(papers.prepared((DAY,))) for _ in range(5)]
    load.gate.set()
    for _ in range(5):
        await asyncio.sleep(0)
    gate.set()
    prepared = await asyncio.gather(*waiting)
    assert asked == [()]
    assert all(p.artifacts == {linked.arxiv_id: linked} for p in prepared)
    papers.clear()
    await papers.prepared((DAY,))
    assert len(asked) == 2, "cleared: looked up again"


async def test_concurrent_channels_share_one_preparation_made_off_the_event_loop() -> None:
    """Preparing a day is CPU work: one preparation for every waiting channel, made in a
    worker thread. It only finishes once the loop (still serving) opens its gate."""
    entered, gate = threading.Event(), threading.Event()
    opened: list[bool] = []

    def prepare(papers: Sequence[Paper], artifacts: Mapping[str, PaperArtifacts]) -> PreparedPapers:
        entered.set()
        opened.append(gate.wait(timeout=WAIT_S))  # a bound, never a sleep
        return PreparedPapers(papers, artifacts)

    load = Loader()
    load.gate.set()
    papers = RunPapers(load, prepare=prepare)
    waiting = [asyncio.ensure_future(papers.prepared((DAY,))) for _ in range(5)]
    assert await asyncio.to_thread(entered.wait, WAIT_S)
    gate.set()  # the loop runs while the preparation waits in its thread
    prepared = await asyncio.gather(*waiting)
    assert opened == [True], "prepared once, and not on the event loop"
    assert len({id(p) for p in prepared}) == 1
