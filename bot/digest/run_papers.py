"""The day lists of one delivery run: each day read once, each set of days prepared once.

Without it every channel's digest re-read and re-parsed its day's list from the store (10,000
channels, 10,000 reads of the same 500 papers) and matched every topic afresh. A run starts
with an empty cache and drops it at the end, so the next run sees papers fetched since.

`load_artifacts` (bot/artifacts.py `ArtifactsRunner.for_papers`) gives each set of days its
papers' Hugging Face artifacts, once per run; it never raises and never waits long.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Mapping, Sequence
from datetime import date

from bot.digest.prepared import PreparedPapers
from bot.models import Paper, PaperArtifacts

LoadDay = Callable[[date], Awaitable[list[Paper]]]
LoadArtifacts = Callable[[Sequence[Paper]], Awaitable[Mapping[str, PaperArtifacts]]]


class RunPapers:
    def __init__(self, load_day: LoadDay, load_artifacts: LoadArtifacts | None = None) -> None:
        self._load_day = load_day
        self._load_artifacts = load_artifacts
        self._days: dict[date, asyncio.Future[list[Paper]]] = {}
        self._prepared: dict[tuple[date, ...], PreparedPapers] = {}
        self._artifacts: dict[tuple[date, ...], asyncio.Future[Mapping[str, PaperArtifacts]]] = {}

    def clear(self) -> None:
        """Forget every list: the next request reads the store again."""
        self._days.clear()
        self._prepared.clear()
        self._artifacts.clear()

    async def prepared(self, days: tuple[date, ...]) -> PreparedPapers:
        """The papers of `days`, in order (the same object for every channel of the run).

        Concurrent callers share one load per day; a load that failed is not kept, so the
        next caller tries again (and gets the error itself if it fails again).
        """
        found = self._prepared.get(days)
        if found is None:
            papers = [paper for day in days for paper in await self._day(day)]
            artifacts = await self._artifacts_of(days, papers)
            found = self._prepared.setdefault(days, PreparedPapers(papers, artifacts))
        return found

    async def _artifacts_of(
        self, days: tuple[date, ...], papers: list[Paper]
    ) -> Mapping[str, PaperArtifacts]:
        """The papers' artifacts, loaded once for all the run's channels on these days."""
        if self._load_artifacts is None:
            return {}
        loading = self._artifacts.get(days)
        if loading is None:
            loading = self._artifacts[days] = asyncio.ensure_future(self._load_artifacts(papers))
        try:
            return await asyncio.shield(loading)
        except BaseException:
            if loading.done() and self._artifacts.get(days) is loading:
                del self._artifacts[days]
            raise

    async def _day(self, day: date) -> list[Paper]:
        loading = self._days.get(day)
        if loading is None:
            loading = self._days[day] = asyncio.ensure_future(self._load_day(day))
        try:
            return await asyncio.shield(loading)
        except BaseException:
            if loading.done() and self._days.get(day) is loading:
                del self._days[day]
            raise
