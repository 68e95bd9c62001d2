"""The soak's world (bench/soak.py): simulated time, the fakes on loopback, the population.

Simulated time is the wall clock of the bot's process, which runs under libfaketime at
`rate` times real speed (docs/soak.md, "How time is driven"); this process reads the same
instant from its monotonic clock, so the fakes know what simulated moment a request came at.

The Hugging Face fake serves the archive's days as they lived: a day's list fills up over
the day and past the cut-off (its last tenth arrives after it: late papers), upvotes climb
to their archived value over a week, and the GitHub repo with its stars shows up two days
in. Slack and Discord enforce their rate limits (tests/fakes/rate_limits.py) and each fake
keeps every message it was sent, with the simulated instant it came at.
"""

from __future__ import annotations

import copy
import gzip
import json
import random
import time as real_time
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

from aiohttp import web

from bot.records.models import (
    Cadence,
    ChannelRef,
    ChannelSettings,
    Subscription,
    Topic,
    TopicKind,
    WeekdayPolicy,
)
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.feed_server import FakeFeed, atom_versions
from tests.fakes.rate_limits import DISCORD, SLACK, ServerLimits
from tests.fakes.slack_api import FakeSlackApi

LIST_FILLS_OVER = timedelta(hours=30)  # day D's list fills from D 00:00 to D+1 06:00 UTC
UPVOTES_CLIMB_OVER = timedelta(days=7)
REPO_APPEARS_AFTER = timedelta(days=2)
NEW_VERSION_AFTER = timedelta(days=10)
SERVED_BACK = timedelta(days=9)  # older days no longer change: served as archived

# Twelve zones and more: DST in the north (Europe, America) and in the south (Sydney,
# Santiago, Auckland), half-hour and 45-minute offsets, and zones with no DST at all.
ZONES = (
    "UTC",
    "Europe/London",
    "Europe/Paris",
    "America/New_York",
    "America/Los_Angeles",
    "America/Sao_Paulo",
    "America/Santiago",
    "Australia/Sydney",
    "Pacific/Auckland",
    "Asia/Kolkata",
    "Asia/Kathmandu",
    "Asia/Tokyo",
    "Africa/Lagos",
    "Pacific/Honolulu",
)
TOPICS = ("agents", "diffusion", "reasoning", "video", "robot", "benchmark", "3d", "speech")


class SimClock:
    """The simulated instant: `start` at monotonic `origin`, running `rate` times faster."""

    def __init__(self, start: datetime, rate: float) -> None:
        self.start = start
        self.rate = rate
        self.origin = real_time.monotonic()

    def now(self) -> datetime:
        return self.start + timedelta(seconds=(real_time.monotonic() - self.origin) * self.rate)

    def real_seconds(self, simulated: timedelta) -> float:
        return simulated.total_seconds() / self.rate


def load_archive(path: Path) -> dict[date, list[dict[str, Any]]]:
    with gzip.open(path, "rt", encoding="utf-8") as raw:
        days = json.load(raw)["days"]
    return {date.fromisoformat(day): items for day, items in days.items()}


def as_lived(day: date, items: Sequence[dict[str, Any]], now: datetime) -> list[dict[str, Any]]:
    """Day `day`'s list as Hugging Face showed it at `now`."""
    age = now - datetime.combine(day, time(0), tzinfo=UTC)
    if age < timedelta(0):
        return []
    shown = [item for i, item in enumerate(items) if age >= LIST_FILLS_OVER * (i / len(items))]
    climb = min(1.0, age / UPVOTES_CLIMB_OVER)
    lived = []
    for item in shown:
        item = copy.copy(item)
        paper = item["paper"] = dict(item["paper"])
        paper["upvotes"] = int(paper.get("upvotes", 0) * climb)
        if age < REPO_APPEARS_AFTER:
            paper.pop("githubRepo", None)
            paper.pop("githubStars", None)
        elif "githubStars" in paper:
            paper["githubStars"] = int(paper["githubStars"] * climb)
        lived.append(item)
    return lived


class LivingFeed(FakeFeed):
    """FakeFeed serving the archive as it lived at the simulated instant, with outages."""

    def __init__(self, archive: dict[date, list[dict[str, Any]]], clock: SimClock) -> None:
        super().__init__(fixtures=False)
        self.archive = archive
        self.clock = clock
        self.down = False  # every Hugging Face request gets a 503
        self.served_final: set[date] = set()
        self.first_listed = {
            item["paper"]["id"]: day
            for day, items in sorted(archive.items(), reverse=True)
            for item in items
        }

    def refresh(self) -> None:
        now = self.clock.now()
        today = now.date()
        for day in (today - timedelta(days=n) for n in range(SERVED_BACK.days + 1)):
            items = self.archive.get(day)
            if items is None or day in self.served_final:
                continue
            self.serve_day(day, as_lived(day, items, now))
            if now - datetime.combine(day, time(0), tzinfo=UTC) > SERVED_BACK:
                self.served_final.add(day)

    def _arxiv_feed_for_id(self, id_list: str) -> tuple[int, bytes]:
        """arXiv's answer for a list of ids: each paper at v1, and at v2 once a version
        came out (the archive's papers get a second version ten days after their day)."""
        ids = [i for i in id_list.split(",") if i]
        versions = {i: 2 if self._days_old(i) > NEW_VERSION_AFTER else 1 for i in ids}
        return 200, atom_versions(versions)

    def _days_old(self, arxiv_id: str) -> timedelta:
        day = self.first_listed.get(arxiv_id)
        if day is None:
            return timedelta(0)
        return self.clock.now() - datetime.combine(day, time(0), tzinfo=UTC)

    async def _daily_papers(self, request: web.Request) -> web.Response:
        if self.down:
            return web.Response(status=503, text="Service Unavailable")
        return await super()._daily_papers(request)


@dataclass
class Sent:
    """A message a fake accepted: when (simulated), where, and what."""

    at: datetime
    channel: str
    message_id: str
    thread: str | None  # the message it replies to; None: top level
    text: str
    headline: str = ""  # a digest's first line: its header block (Slack), content (Discord)


class SoakSlack(FakeSlackApi):
    def __init__(self, clock: SimClock) -> None:
        super().__init__(limits=ServerLimits(dict(SLACK)), record=False)
        self.clock = clock
        self.sent: list[Sent] = []
        self.updates: list[tuple[datetime, str, str, str]] = []  # at, channel, ts, body

    def _chat_postMessage(self, body: dict[str, Any]) -> dict[str, Any]:
        answer = super()._chat_postMessage(body)
        if answer.get("ok"):
            text = json.dumps(body, ensure_ascii=False)
            thread = body.get("thread_ts") or None
            headline = _slack_headline(body)
            sent = Sent(self.clock.now(), body["channel"], answer["ts"], thread, text, headline)
            self.sent.append(sent)
        return answer

    def _chat_update(self, body: dict[str, Any]) -> dict[str, Any]:
        answer = super()._chat_update(body)
        if answer.get("ok"):
            text = json.dumps(body, ensure_ascii=False)
            self.updates.append((self.clock.now(), body["channel"], body["ts"], text))
        return answer


def _slack_headline(body: dict[str, Any]) -> str:
    blocks = body.get("blocks")
    if isinstance(blocks, str):  # sent form-encoded
        blocks = json.loads(blocks)
    for block in blocks or []:
        if block.get("type") == "header":
            return str(block["text"]["text"])
    return ""


@dataclass
class SoakDiscord(FakeDiscord):
    sim: SimClock | None = None
    sent: list[Sent] = field(default_factory=list)
    refused: list[tuple[datetime, str, str, int]] = field(default_factory=list)  # 4xx/5xx
    updates: list[tuple[datetime, str, str, str]] = field(default_factory=list)

    async def _answer(
        self, method: str, path: str, body: Any, headers: dict[str, str], query: dict[str, str]
    ) -> web.StreamResponse:
        answer = await super()._answer(method, path, body, headers, query)
        if answer.status >= 400 and self.sim is not None:
            self.refused.append((self.sim.now(), method, path, answer.status))
        return answer

    def _post_message(self, channel_id: str, body: dict[str, Any]) -> web.Response:
        answer = super()._post_message(channel_id, body)
        if answer.status == 200 and self.sim is not None:
            message = json.loads(answer.text or "{}")
            parent = channel_id if channel_id in self.threads else None
            where = self._channel_of_thread(channel_id) if parent else channel_id
            text = json.dumps(body, ensure_ascii=False)
            headline = str(body.get("content") or "").split("\n", 1)[0].strip("*")
            self.sent.append(Sent(self.sim.now(), where, message["id"], parent, text, headline))
        return answer

    def _edit_message(self, channel_id: str, message_id: str, body: dict[str, Any]) -> web.Response:
        answer = super()._edit_message(channel_id, message_id, body)
        if answer.status == 200 and self.sim is not None:
            text = json.dumps(body, ensure_ascii=False)
            self.updates.append((self.sim.now(), channel_id, message_id, text))
        return answer

    def _channel_of_thread(self, thread_id: str) -> str:
        """The channel whose message started the thread (a thread's id is its message's)."""
        for message in self.created:
            if str(message["id"]) == thread_id:
                return str(message["channel_id"])
        return thread_id


def discord_ids(per_platform: int) -> list[str]:
    return [str(10**17 + n) for n in range(per_platform)]


def make_discord(clock: SimClock, channel_ids: Sequence[str]) -> SoakDiscord:
    return SoakDiscord(
        sim=clock, record=False, limits=ServerLimits(dict(DISCORD)), channels=set(channel_ids)
    )


@dataclass
class Member:
    """One channel of the population and what happens to it during the run."""

    subscription: Subscription
    pair: str | None = None  # the other channel of a linked pair
    unsubscribe_at: datetime | None = None  # `/papers unsubscribe all` through the client
    left_at: datetime | None = None  # when it was sent

    @property
    def channel(self) -> ChannelRef:
        return self.subscription.channel


def population(
    rng: random.Random, per_platform: int, slack_team: str, discord_guild: str
) -> list[Member]:
    """`per_platform` channels on each platform: every cadence, zone and weekday policy,
    topics and thresholds for some, a few unsubscribing mid-way."""
    members = []
    for platform, workspace in (("slack", slack_team), ("discord", discord_guild)):
        for n in range(per_platform):
            channel_id = f"C{n:05d}" if platform == "slack" else discord_ids(n + 1)[n]
            channel = ChannelRef(platform, channel_id, workspace)
            members.append(Member(Subscription(channel, *_shape(rng, n))))
    return members


def _shape(rng: random.Random, n: int) -> tuple[tuple[Topic, ...], ChannelSettings]:
    cadence = (Cadence.DAILY,) * 6 + (Cadence.WEEKLY,) * 2 + (Cadence.MONTHLY,)
    cadences: tuple[Cadence, ...] = (cadence[n % len(cadence)],)
    if n % 17 == 5:  # a channel with a daily and a weekly digest
        cadences = (Cadence.DAILY, Cadence.WEEKLY)
    settings = ChannelSettings(
        post_time=time(rng.randrange(24), rng.choice((0, 15, 30, 45))),
        timezone=ZONES[n % len(ZONES)],
        min_upvotes=rng.choice((0, 0, 0, 5, 20)),
        max_papers=rng.choice((5, 10, 10, 15)),
        weekday_policy=tuple(WeekdayPolicy)[n % len(WeekdayPolicy)],
        cadences=cadences,
        weekly_day=rng.randrange(7),
    )
    topics: tuple[Topic, ...] = ()
    if n % 4 == 3:
        topics = tuple(Topic(TopicKind.TERM, t) for t in rng.sample(TOPICS, 2))
    return topics, settings
