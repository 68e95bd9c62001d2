"""DayLists: a day's list prepared once (in a worker thread) and kept a minute for commands."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Sequence
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.digest.day_lists import DayLists
from bot.digest.prepared import PreparedPapers
from bot.records.clock import FixedClock
from bot.records.errors import SourceUnavailable
from bot.records.models import Paper

DAY = date(2026, 8, 20)
WAIT_S = 5.0  # a bound, never a sleep


class Loader:
    def __init__(self, failures: int = 0) -> None:
        self.calls: list[date] = []
        self.failures = failures

    async def __call__(self, day: date) -> list[Paper]:
        self.calls.append(day)
        if self.failures:
            self.failures -= 1
            raise SourceUnavailable("503")
        return []


async def test_concurrent_commands_share_one_preparation_made_off_the_event_loop() -> None:
    """It only finishes once the loop, still serving, opens its gate."""
    entered, gate = threading.Event(), threading.Event()
    opened: list[bool] = []

    def prepare(papers: Sequence[Paper]) -> PreparedPapers:
        entered.set()
        opened.append(gate.wait(timeout=WAIT_S))
        return PreparedPapers(papers)

    load = Loader()
    lists = DayLists(load, FixedClock(datetime(2026, 8, 21, 9, tzinfo=UTC)), prepare=prepare)
    waiting = [asyncio.ensure_future(lists.prepared(DAY)) for _ in range(5)]
    assert await asyncio.to_thread(entered.wait, WAIT_S)
    gate.set()  # the loop runs while the preparation waits in its thread
    prepared = await asyncio.gather(*waiting)
    assert opened == [True], "prepared once, and not on the event loop"
    assert len({id(p) for p in prepared}) == 1
    assert load.calls == [DAY]


async def test_kept_for_the_ttl_then_read_again_and_forgotten_on_demand() -> None:
    clock = FixedClock(datetime(2026, 8, 21, 9, tzinfo=UTC))
    load = Loader()
    lists = DayLists(load, clock, ttl=timedelta(seconds=60))
    first = await lists.prepared(DAY)
    clock.advance(timedelta(seconds=59))
    assert await lists.prepared(DAY) is first
    clock.advance(timedelta(seconds=1))
    assert await lists.prepared(DAY) is not first
    lists.forget(DAY)
    await lists.prepared(DAY)
    assert load.calls == [DAY, DAY, DAY]


async def test_a_failed_read_is_not_kept() -> None:
    load = Loader(failures=1)
    lists = DayLists(load, FixedClock(datetime(2026, 8, 21, 9, tzinfo=UTC)))
    with pytest.raises(SourceUnavailable):
        await lists.prepared(DAY)
    assert (await lists.prepared(DAY)).papers == ()
    assert load.calls == [DAY, DAY]
