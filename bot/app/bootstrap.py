"""The composition root: the one place that wires config to stores, sources and platforms.

Adapters are imported lazily, only for the platforms that are enabled, so a console-only
run never imports slack_bolt or discord.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, time, timedelta
from typing import Any, TextIO

from bot.chat.replays import ReplayGuard
from bot.commands.clicks import VoteService
from bot.commands.exports import ExportVerbs
from bot.commands.handler import Commands
from bot.commands.links import LinkVerbs
from bot.commands.me import MeVerbs
from bot.commands.votes import ForYouVerbs, VoteVerbs
from bot.config.load import Config
from bot.digest.service import PaperService
from bot.lifecycle.artifacts import ArtifactLookup
from bot.ports import ChatPlatform, CommandHandler, DailySource, LookupSource, Store
from bot.recommend.runner import StoreRanker
from bot.records.clock import Clock, FixedClock, SystemClock
from bot.records.digest import Digest
from bot.records.models import ChannelRef, OfflineSample
from bot.sources import ArxivSource, HuggingFaceSource, SampleSource
from bot.sources.hf_artifacts import HfArtifactsSource
from bot.storage import open_store

log = logging.getLogger(__name__)

Closer = Callable[[], Awaitable[None]]


@dataclass
class App:
    config: Config
    store: Store
    service: PaperService
    commands: Commands
    votes: VoteService
    closers: list[Closer] = field(default_factory=list)
    artifacts: ArtifactLookup | None = None  # Hugging Face's linked repos; None offline

    @property
    def handle(self) -> CommandHandler:
        """Every `/papers` verb: the core's commands, the exports (`saved`/`top` as a file),
        the vote verbs (and the counts on the core's replies), the link verbs (and the
        linked channels on `topics` and `status`), `me` (a person's own digest by DM), then
        `foryou` (bot/recommend)."""
        clock = self.votes.clock
        cutoff = self.config.delivery.day_cutoff_utc
        more = (
            ExportVerbs(self.store, clock),
            VoteVerbs(self.votes),
            LinkVerbs(self.store, clock),
            MeVerbs(self.store, clock, self.config.defaults, cutoff),
            ForYouVerbs(self.commands.service, StoreRanker(self.store)),
        )
        return Commands(self.commands.service, more).handle

    async def aclose(self) -> None:
        """Close everything opened, newest first; one failure does not stop the rest."""
        for close in reversed(self.closers):
            try:
                await close()
            except Exception:
                log.exception("error while closing")
        self.closers.clear()


def make_sources(config: Config, clock: Clock) -> tuple[DailySource, LookupSource]:
    """The configured sources; `clock` says when one stopped answering (its breaker)."""
    if config.source == "sample":
        sample = SampleSource()
        return sample, sample
    return (
        HuggingFaceSource(config.huggingface, config.user_agent, wall_clock=clock.now),
        ArxivSource(config.arxiv, config.user_agent, wall_clock=clock.now),
    )


def sample_clock() -> FixedClock:
    """The sample is a frozen snapshot: its clock stands at 09:00 UTC after its newest day."""
    newest = SampleSource().days[0]
    return FixedClock(datetime.combine(newest + timedelta(days=1), time(9, 0), tzinfo=UTC))


async def store_sample(service: PaperService, sample: SampleSource) -> None:
    """Put the sample's days in the store, once: `similar`, `top` and `search` read the
    store, and on a first run it would otherwise be empty until `today` fetched a day."""
    for day in sorted(sample.days):  # oldest first: the last fetch is the newest day
        if not await service.store.papers_listed_on(day):
            await service.store_day(day)


async def build_app(
    config: Config, *, clock: Clock | None = None, read_only: bool = False, check: bool = False
) -> App:
    """Open the store and sources named by `config`; the caller must `await app.aclose()`.
    `read_only`: for commands that only read (they then keep nothing they fetch). `check`:
    for `run`, refuse a damaged database file before serving (bot/storage open_store)."""
    if clock is None:
        clock = sample_clock() if config.source == "sample" else SystemClock()
    store = await open_store(config.database_url, read_only=read_only, check=check)
    daily, lookup = make_sources(config, clock)
    service = PaperService(
        store,
        daily,
        lookup,
        clock,
        defaults=config.defaults,
        day_cutoff_utc=config.delivery.day_cutoff_utc,
    )
    if isinstance(daily, SampleSource):
        service.sample = OfflineSample(tuple(sorted(daily.days)), clock.now())
        if not read_only:
            try:
                await store_sample(service, daily)
            except BaseException:
                await store.close()
                raise
    closers: list[Closer] = [store.close, daily.aclose, lookup.aclose]  # aclose is idempotent
    artifacts = None
    if config.source != "sample":
        artifacts = HfArtifactsSource(config.huggingface, config.user_agent, wall_clock=clock.now)
        closers.append(artifacts.aclose)
    return App(
        config=config,
        store=store,
        service=service,
        commands=Commands(service),
        votes=VoteService(store, clock),
        closers=closers,
        artifacts=artifacts,
    )


def make_platforms(
    app: App, *, console_out: TextIO | None = None, console_in: TextIO | None = None
) -> dict[str, ChatPlatform]:
    """Every enabled platform, by name. Each adapter is imported only when it is enabled."""
    platforms: dict[str, ChatPlatform] = {}
    clock = app.service.clock
    replays = ReplayGuard(app.store, clock)  # a request handled once, by every worker
    if console_out is not None:
        from adapters.console import ConsolePlatform

        platforms["console"] = ConsolePlatform(
            console_out,
            console_in,
            clock=clock,
            clicks=app.votes.click,
            vote_counts=app.votes.counts,
            sample=app.service.sample,
        )
    if app.config.slack.enabled:
        from adapters.slack import SlackPlatform

        platforms["slack"] = SlackPlatform(
            app.config.slack,
            clock=clock,
            clicks=app.votes.click,
            vote_counts=app.votes.counts,
            first_time=replays.first_time,
        )
    if app.config.discord.enabled:
        from adapters.discord import DiscordPlatform

        platforms["discord"] = DiscordPlatform(
            app.config.discord,
            topics_for=_topics_for(app.service),
            clock=clock,
            clicks=app.votes.click,
            vote_counts=app.votes.counts,
            first_time=replays.first_time,
        )
    return platforms


PREVIEW_FORMATS = ("slack", "discord")


def preview_digest(platform: str, digest: Digest) -> dict[str, Any]:
    """What `platform` would post for `digest`, as JSON-ready dicts (its exact request
    bodies). The adapter is imported only for the platform asked for, as in make_platforms.
    An empty digest is never posted (delivery records it as empty): the preview says so."""
    if digest.is_empty and platform in PREVIEW_FORMATS:
        return {
            "platform": platform,
            "messages": [],
            "nothing_would_be_posted": nothing_posted_text(digest),
        }
    if platform == "slack":
        from adapters.slack.preview import digest_preview as slack_preview

        return slack_preview(digest)
    if platform == "discord":
        from adapters.discord.preview import digest_preview as discord_preview

        return discord_preview(digest)
    raise ValueError(f"no preview for platform {platform!r}")


def nothing_posted_text(digest: Digest) -> str:
    """Why a preview holds no message: the digest's own reason, and that none is posted."""
    reason = (digest.empty_reason or "No papers to show").rstrip(".")
    return f"{reason}: nothing would be posted (the delivery is recorded as empty)."


def preview_settled(
    platform: str, posted: Digest, settled: Digest, late: Digest | None
) -> dict[str, Any]:
    """What `platform` would send to settle a post (bot/lifecycle/settle_preview.py): its edits and
    its late-additions reply, as JSON-ready dicts."""
    if platform == "slack":
        from adapters.slack.preview import settled_preview as slack_settled

        return slack_settled(posted, settled, late)
    if platform == "discord":
        from adapters.discord.preview import settled_preview as discord_settled

        return discord_settled(posted, settled, late)
    raise ValueError(f"no preview for platform {platform!r}")


def _topics_for(service: PaperService) -> Callable[[ChannelRef], Awaitable[list[str]]]:
    """For Discord's autocomplete of `/papers unsubscribe`: the channel's own topics."""

    async def topics_for(channel: ChannelRef) -> list[str]:
        subscription = await service.get_subscription(channel)
        return [str(topic) for topic in subscription.topics] if subscription else []

    return topics_for
