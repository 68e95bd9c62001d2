"""The composition root: the one place that wires config to stores, sources and platforms.

Adapters are imported lazily, only for the platforms that are enabled, so a console-only
run never imports slack_bolt or discord.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import TextIO

from bot.clock import FixedClock, SystemClock
from bot.commands import Commands
from bot.config import Config
from bot.ports import ChatPlatform, Clock, DailySource, LookupSource
from bot.service import PaperService
from bot.sources import ArxivSource, HuggingFaceSource, SampleSource
from bot.storage import open_store

log = logging.getLogger(__name__)

Closer = Callable[[], Awaitable[None]]


@dataclass
class App:
    config: Config
    service: PaperService
    commands: Commands
    closers: list[Closer] = field(default_factory=list)

    async def aclose(self) -> None:
        """Close everything opened, newest first; one failure does not stop the rest."""
        for close in reversed(self.closers):
            try:
                await close()
            except Exception:
                log.exception("error while closing")
        self.closers.clear()


def make_sources(config: Config) -> tuple[DailySource, LookupSource]:
    if config.source == "sample":
        sample = SampleSource()
        return sample, sample
    return (
        HuggingFaceSource(config.huggingface, config.user_agent),
        ArxivSource(config.arxiv, config.user_agent),
    )


def sample_clock() -> FixedClock:
    """The sample is a frozen snapshot: its clock stands at 09:00 UTC after its newest day."""
    newest = SampleSource().days[0]
    return FixedClock(datetime.combine(newest + timedelta(days=1), time(9, 0), tzinfo=UTC))


async def build_app(config: Config, *, clock: Clock | None = None) -> App:
    """Open the store and sources named by `config`; the caller must `await app.aclose()`."""
    if clock is None:
        clock = sample_clock() if config.source == "sample" else SystemClock()
    store = await open_store(config.database_url)
    daily, lookup = make_sources(config)
    service = PaperService(
        store,
        daily,
        lookup,
        clock,
        defaults=config.defaults,
        day_cutoff_utc=config.delivery.day_cutoff_utc,
    )
    closers: list[Closer] = [store.close, daily.aclose, lookup.aclose]  # aclose is idempotent
    return App(config=config, service=service, commands=Commands(service), closers=closers)


def make_console(out: TextIO, inp: TextIO | None) -> ChatPlatform:
    from adapters.console import ConsolePlatform

    return ConsolePlatform(out, inp)
