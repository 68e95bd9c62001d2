"""The core's vocabulary: frozen dataclasses shared by every layer.

Paper text here is plain text. Escaping and markup belong to each platform's renderer.
"""

from __future__ import annotations

import enum
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, time
from typing import NamedTuple

from bot.records.instants import mark

ARXIV_ABS = "https://arxiv.org/abs/"
ARXIV_PDF = "https://arxiv.org/pdf/"
HF_PAPERS = "https://huggingface.co/papers/"
HF_HUB = "https://huggingface.co/"
# The largest count (upvotes, comments, stars) both stores hold: PostgreSQL's INTEGER, the
# narrower of the two (SQLite's is 64-bit). A source answering more is not telling the truth.
MAX_COUNT = 2**31 - 1


@dataclass(frozen=True, slots=True)
class Paper:
    """One paper as the bot knows it. `arxiv_id` is the bare id, without a version suffix."""

    arxiv_id: str
    title: str
    abstract: str
    authors: tuple[str, ...]
    published_at: datetime  # the arXiv date (HF `paper.publishedAt`)
    listed_on: date | None = None  # the Daily Papers day it was listed on; None if never
    upvotes: int = 0
    comments: int = 0
    github_repo: str | None = None
    github_stars: int | None = None
    project_page: str | None = None
    thumbnail: str | None = None
    ai_summary: str | None = None
    ai_keywords: tuple[str, ...] = ()
    organization: str | None = None  # display name, e.g. "Google"
    source: str = "huggingface"

    @property
    def arxiv_url(self) -> str:
        return ARXIV_ABS + self.arxiv_id

    @property
    def pdf_url(self) -> str:
        return ARXIV_PDF + self.arxiv_id

    @property
    def hf_url(self) -> str:
        return HF_PAPERS + self.arxiv_id


class DayList(list[Paper]):
    """A source's list for one day: its papers, and `skipped`, how many of its items it
    could not read (malformed, or out of range). A list, so a caller that wants only the
    papers reads it as one."""

    __slots__ = ("skipped",)

    def __init__(self, papers: Iterable[Paper] = (), skipped: int = 0) -> None:
        super().__init__(papers)
        self.skipped = skipped


class FetchRecord(NamedTuple):
    """One fetch of a day's list: when, how many papers were stored, how many items the
    source sent that could not be read (`/papers status` shows both)."""

    day: date
    papers: int
    at: datetime
    skipped: int = 0


@dataclass(frozen=True, slots=True)
class PaperArtifacts:
    """What Hugging Face links to a paper: repo ids ("org/name") of its models, datasets and
    Spaces, as many as one look-up returned (`more` when the list was cut at its page)."""

    arxiv_id: str
    models: tuple[str, ...] = ()
    datasets: tuple[str, ...] = ()
    spaces: tuple[str, ...] = ()
    more: bool = False

    @property
    def is_empty(self) -> bool:
        return not (self.models or self.datasets or self.spaces)

    def kinds(self) -> list[tuple[str, tuple[str, ...], str]]:
        """(singular noun, repo ids, the Hub's URL prefix) per kind, models first."""
        return [
            ("model", self.models, HF_HUB),
            ("dataset", self.datasets, HF_HUB + "datasets/"),
            ("Space", self.spaces, HF_HUB + "spaces/"),
        ]


@dataclass(frozen=True, slots=True, order=True)
class ChannelRef:
    """Where a digest goes. `workspace` is the Slack team id or the Discord guild id."""

    platform: str
    channel_id: str
    workspace: str = ""

    @property
    def key(self) -> str:
        return f"{self.platform}:{self.workspace}:{self.channel_id}"

    @classmethod
    def parse(cls, key: str) -> ChannelRef:
        """Inverse of `key`; raises ValueError on a malformed key."""
        platform, workspace, channel_id = key.split(":", 2)
        if not platform or not channel_id:
            raise ValueError(f"bad channel key: {key!r}")
        return cls(platform=platform, channel_id=channel_id, workspace=workspace)


class TopicKind(enum.StrEnum):
    TERM = "term"  # a word; light stemming applies
    PHRASE = "phrase"  # "quoted words", in order
    EXCLUDE = "exclude"  # -word: drops a paper that mentions it
    AUTHOR = "author"  # author:"Name"
    ORG = "org"  # org:name, the HF organization
    KEYWORD = "keyword"  # kw:"name", an HF ai_keyword


@dataclass(frozen=True, slots=True, order=True)
class Topic:
    kind: TopicKind
    value: str

    def __str__(self) -> str:
        """The canonical text a user would type to get this topic back."""
        # Quoted whenever the parser would otherwise cut the value ("," and every space
        # separate topics): what `topics` shows is what `unsubscribe` takes back.
        must_quote = any(c == "," or c.isspace() for c in self.value)
        quoted = f'"{self.value}"' if must_quote else self.value
        prefix = {
            TopicKind.TERM: "",
            TopicKind.PHRASE: "",
            TopicKind.EXCLUDE: "-",
            TopicKind.AUTHOR: "author:",
            TopicKind.ORG: "org:",
            TopicKind.KEYWORD: "kw:",
        }[self.kind]
        if self.kind is TopicKind.PHRASE:
            quoted = f'"{self.value}"'
        return prefix + quoted


class WeekdayPolicy(enum.StrEnum):
    DAILY = "daily"  # every day, weekends included (weekend days are usually empty)
    WEEKDAYS = "weekdays"  # Monday to Friday; weekend days are not covered
    WEEKDAYS_CATCHUP = "catchup"  # Monday to Friday; Monday's digest also covers the weekend


class Cadence(enum.StrEnum):
    """How often a channel gets a digest; a channel may take several (bot/schedule/cadence.py)."""

    DAILY = "daily"  # each closed day's list (the weekday policy applies)
    WEEKLY = "weekly"  # the last complete ISO week's list, on `weekly_day`
    MONTHLY = "monthly"  # the last complete month's list, on the 1st


# The ranges of the settings a channel may change, defined once: `[defaults]` in the config
# (bot/config/load.py), `/papers settings` (bot/commands/parse_settings.py) and Discord's
# command options (adapters/discord/commands.py) all check against these.
MIN_UPVOTES_RANGE = (0, 100_000)
MAX_PAPERS_RANGE = (1, 50)


@dataclass(frozen=True, slots=True)
class ChannelSettings:
    post_time: time = time(9, 0)
    timezone: str = "UTC"
    min_upvotes: int = 0
    max_papers: int = 10
    weekday_policy: WeekdayPolicy = WeekdayPolicy.WEEKDAYS_CATCHUP
    cadences: tuple[Cadence, ...] = (Cadence.DAILY,)  # never empty, in Cadence order
    weekly_day: int = 0  # the weekly digest's local weekday, 0 = Monday
    followups: bool = True  # reply in a digest's thread when a posted paper gets code, stars


@dataclass(frozen=True, slots=True)
class Subscription:
    """A channel's topics and settings. No topics means the plain trending list."""

    channel: ChannelRef
    topics: tuple[Topic, ...] = ()
    settings: ChannelSettings = field(default_factory=ChannelSettings)
    paused_reason: str | None = None  # set when a platform said "stop posting here"
    created_by: str | None = None


@dataclass(frozen=True, slots=True)
class OfflineSample:
    """What a run on the offline sample (`--source sample`) answers from: the days its
    snapshot holds, and the moment its clock stands still at (it never moves on, so no
    scheduled digest ever comes due)."""

    days: tuple[date, ...]  # oldest first
    clock_at: datetime  # aware

    def days_text(self) -> str:
        """`2024-06-13 and 2026-08-21`."""
        shown = [d.isoformat() for d in self.days]
        return (
            " and ".join(shown) if len(shown) < 3 else ", ".join(shown[:-1]) + " and " + shown[-1]
        )

    def clock_text(self) -> str:
        """`Sat 22 Aug 2026 09:00 UTC` on the console; marked, so a chat reader sees their
        own zone (bot/records/instants.py)."""
        return mark(self.clock_at)

    def describe(self) -> str:
        """One line for status and banners."""
        return (
            f"the offline sample: the lists of {self.days_text()}, on a clock stopped at "
            f"{self.clock_text()}"
        )


@dataclass(frozen=True, slots=True)
class Match:
    """A paper that a subscription selected, and why (empty for the plain trending list)."""

    paper: Paper
    reasons: tuple[str, ...] = ()


@dataclass(frozen=True, slots=True)
class PostReceipt:
    """What a platform hands back after posting: its own message ids, in order."""

    channel: ChannelRef
    message_ids: tuple[str, ...]
    posted_at: datetime
    note: str | None = None  # something a person should know, e.g. "posted without a thread"


@dataclass(frozen=True, slots=True)
class SearchResults:
    """A search's answer, best first. `exact` papers hold every word asked for (in any form
    of it: "world" holds "Worlds"); `close` ones come from a relaxed reading of the query (a
    typo corrected, or all words but one) and always follow the exact ones."""

    exact: tuple[Paper, ...] = ()
    close: tuple[Paper, ...] = ()

    @property
    def papers(self) -> tuple[Paper, ...]:
        """Every paper found: the exact ones, then the close ones."""
        return self.exact + self.close

    def __bool__(self) -> bool:
        return bool(self.exact or self.close)


@dataclass(frozen=True, slots=True)
class SimilarPaper:
    """A stored paper like another one, and in one line why (the words they share)."""

    paper: Paper
    reason: str


@dataclass(frozen=True, slots=True)
class CachedArtifacts:
    """A paper's artifacts as the store holds them, and when they were looked up."""

    artifacts: PaperArtifacts
    fetched_at: datetime


@dataclass(frozen=True, slots=True)
class FetchAttempt:
    """A source's latest attempt at a day's list: when, and why it failed (None: it did not).
    Kept in the store, so every worker's `status` sees the same one."""

    source: str
    day: date
    at: datetime
    error: str | None = None
