"""Recently asked days' lists, prepared for digests and kept a short while (`/papers today`).

Without it each `/papers today` read its day's 500 papers from the store, parsed them on the
event loop and matched the channel's topics against all of them, CPU work during which no
other command was acknowledged (docs/benchmarks.md, "Slash-command acks through the real
adapters"). A day is prepared once (in a
worker thread: PreparedPapers) and shared by the commands of the next `ttl`; concurrent
callers share one preparation. A day the service stores papers for is forgotten at once; a
day refreshed by another process is seen after `ttl` at the latest.
"""

from __future__ import annotations

import asyncio
from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime, timedelta

from bot.digest.prepared import PreparedPapers
from bot.records.clock import Clock
from bot.records.models import Paper

LoadDay = Callable[[date], Awaitable[list[Paper]]]
Prepare = Callable[[Sequence[Paper]], PreparedPapers]
TTL = timedelta(seconds=60)
MAX_DAYS = 8  # a week of `/papers today DAY` and the latest list


class DayLists:
    def __init__(
        self,
        load: LoadDay,
        clock: Clock,
        *,
        ttl: timedelta = TTL,
        prepare: Prepare = PreparedPapers,
    ) -> None:
        self._load = load
        self._clock = clock
        self._ttl = ttl
        self._prepare = prepare  # pure CPU work: run in a worker thread
        self._days: dict[date, tuple[datetime, asyncio.Future[PreparedPapers]]] = {}

    def forget(self, day: date) -> None:
        """The day's list changed: the next caller reads it again. (A read under way is
        kept: it is the one that fetched, or it reads what is stored by the time it ends.)"""
        found = self._days.get(day)
        if found is not None and found[1].done():
            del self._days[day]

    async def prepared(self, day: date) -> PreparedPapers:
        now = self._clock.now()
        found = self._days.get(day)
        if found is None or found[0] <= now:
            if len(self._days) >= MAX_DAYS:
                self._days.pop(min(self._days, key=lambda d: self._days[d][0]))
            found = self._days[day] = (now + self._ttl, asyncio.ensure_future(self._make(day)))
        pending = found[1]
        try:
            return await asyncio.shield(pending)
        except BaseException:
            if pending.done() and self._days.get(day, (None, None))[1] is pending:
                del self._days[day]  # a failed read is not kept
            raise

    async def _make(self, day: date) -> PreparedPapers:
        papers = await self._load(day)
        return await asyncio.to_thread(self._prepare, papers)
