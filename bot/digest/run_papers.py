"""The day lists of one delivery run: each day read once, each set of days prepared once.

Without it every channel's digest re-read and re-parsed its day's list from the store (10,000
channels, 10,000 reads of the same 500 papers) and matched every topic afresh. A run starts
with an empty cache and drops it at the end, so the next run sees papers fetched since.

`load_artifacts` (bot/lifecycle/artifacts.py `ArtifactsRunner.for_papers`) gives each set of days
its papers' Hugging Face artifacts, once per run; it never raises and never waits long.

Concurrent callers share one preparation, and it is made in a worker thread: preparing a
day's list is CPU work, and on the event loop it held up every slash command's ack
meanwhile, once for each of a run's workers that asked for the day before the first had it
(docs/benchmarks.md, "Slash-command acks through the real adapters").
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import date
from typing import TypeVar

from bot.digest.prepared import PreparedPapers
from bot.records.models import Paper, PaperArtifacts

K = TypeVar("K")
V = TypeVar("V")
LoadDay = Callable[[date], Awaitable[list[Paper]]]
LoadArtifacts = Callable[[Sequence[Paper]], Awaitable[Mapping[str, PaperArtifacts]]]
Prepare = Callable[[Sequence[Paper], Mapping[str, PaperArtifacts]], PreparedPapers]


class RunPapers:
    def __init__(
        self,
        load_day: LoadDay,
        load_artifacts: LoadArtifacts | None = None,
        prepare: Prepare = PreparedPapers,
    ) -> None:
        self._load_day = load_day
        self._load_artifacts = load_artifacts
        self._prepare = prepare  # pure CPU work: run in a worker thread
        self._days: dict[date, asyncio.Future[list[Paper]]] = {}
        self._prepared: dict[tuple[date, ...], asyncio.Future[PreparedPapers]] = {}

    def clear(self) -> None:
        """Forget every list: the next request reads the store again."""
        self._days.clear()
        self._prepared.clear()

    async def prepared(self, days: tuple[date, ...]) -> PreparedPapers:
        """The papers of `days`, in order (the same object for every channel of the run).

        Concurrent callers share one load per day; a load that failed is not kept, so the
        next caller tries again (and gets the error itself if it fails again).
        """
        return await _shared(self._prepared, days, self._prepare_days)

    async def _prepare_days(self, days: tuple[date, ...]) -> PreparedPapers:
        papers = [paper for day in days for paper in await self._day(day)]
        # Inside the shared preparation: one artifacts load per set of days for the run.
        artifacts = await self._load_artifacts(papers) if self._load_artifacts else {}
        return await asyncio.to_thread(self._prepare, papers, artifacts)

    async def _day(self, day: date) -> list[Paper]:
        return await _shared(self._days, day, self._load_day)


async def _shared(
    futures: dict[K, asyncio.Future[V]], key: K, make: Callable[[K], Awaitable[V]]
) -> V:
    """`make(key)`, once for every concurrent caller; a failure is not kept."""
    pending = futures.get(key)
    if pending is None:
        pending = futures[key] = asyncio.ensure_future(make(key))
    try:
        return await asyncio.shield(pending)
    except BaseException:
        if pending.done() and futures.get(key) is pending:
            del futures[key]
        raise
