"""Follow-ups in a digest's thread: what changed for a posted paper since it was last seen. Pure.

For papers posted in a channel within the last days (`followup_days`), each pass compares a
paper as last seen with the paper as the store knows it now and names the events worth a
short reply in the digest's thread: a GitHub repository appeared, its stars crossed 100, 1k
or 10k, a new arXiv version appeared. (A first model, dataset or Space linked on Hugging
Face is not detected yet: no source of artifacts feeds the store.)

An event is recorded per channel, keyed by (channel, paper, kind, value), before anything is
posted; the store inserts each key once, so the same event is never posted twice. The first
look at a paper (right after its post, in the same sweep) only records the baseline.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

from bot.models import ChannelRef, Paper

STAR_THRESHOLDS = (100, 1_000, 10_000)
REPLY_SUFFIX = "fu"  # added to a delivery's key (and a batch number) for a follow-up reply


class FollowupKind(enum.StrEnum):
    REPO = "repo"  # value: the repository URL
    STARS = "stars"  # value: the threshold crossed, "100", "1000", "10000"
    VERSION = "version"  # value: "v2", "v3", ...


@dataclass(frozen=True, slots=True)
class Seen:
    """A paper as a pass last saw it (what the next pass compares against)."""

    arxiv_id: str
    github_repo: str | None = None
    github_stars: int | None = None
    version: int | None = None  # the latest arXiv version; None: not looked up

    @classmethod
    def of(cls, paper: Paper, version: int | None = None) -> Seen:
        return cls(paper.arxiv_id, paper.github_repo, paper.github_stars, version)

    def merged(self, now: Seen) -> Seen:
        """What to remember after a pass: what is known now, the rest as before (a source
        that drops a field for a day does not make its return an event)."""
        return Seen(
            self.arxiv_id,
            now.github_repo or self.github_repo,
            max(now.github_stars or 0, self.github_stars or 0) or None,
            max(now.version or 0, self.version or 0) or None,
        )


@dataclass(frozen=True, slots=True)
class Change:
    """One event for one paper, before it is addressed to a channel."""

    kind: FollowupKind
    value: str


@dataclass(frozen=True, slots=True)
class FollowupEvent:
    """One event in one channel: replied once in the thread of the digest that posted it."""

    channel: ChannelRef
    arxiv_id: str
    kind: FollowupKind
    value: str
    day: date  # the digest's covered day
    thread_of: str  # the digest's first message, whose thread takes the reply
    delivery_key: str  # the digest's idempotency key (the reply's key starts with it)
    title: str  # the paper's title, untrusted text: the renderer escapes it
    detected_at: datetime
    reply_key: str | None = None  # set (for the whole batch) before the reply is posted
    message_id: str | None = None  # the reply, once the platform accepted it


def changes(before: Seen, now: Seen) -> list[Change]:
    """The events between two sightings of a paper: at most one per kind."""
    found: list[Change] = []
    if now.github_repo and not before.github_repo:
        found.append(Change(FollowupKind.REPO, now.github_repo))
    stars_then, stars_now = before.github_stars or 0, now.github_stars or 0
    crossed = [t for t in STAR_THRESHOLDS if stars_then < t <= stars_now]
    if crossed and (before.github_repo or now.github_repo):
        found.append(Change(FollowupKind.STARS, str(crossed[-1])))
    if before.version is not None and now.version is not None and now.version > before.version:
        found.append(Change(FollowupKind.VERSION, f"v{now.version}"))
    return found


def event_line(event: FollowupEvent) -> str:
    """One short plain-text line for the reply."""
    if event.kind is FollowupKind.REPO:
        return f"Code released for “{event.title}”: {event.value}"
    if event.kind is FollowupKind.STARS:
        return f"“{event.title}” passed {_stars(int(event.value))} GitHub stars"
    return f"“{event.title}” has a new arXiv version ({event.value})"


def reply_text(events: Sequence[FollowupEvent]) -> str:
    """One reply for a batch of events in one thread: a line per event, in a stable order."""
    ordered = sorted(events, key=lambda e: (e.arxiv_id, e.kind.value, e.value))
    return "\n".join(f"• {event_line(e)}" for e in ordered)


def reply_key(delivery_key: str, batch: int) -> str:
    """The key of a follow-up reply (Slack metadata, Discord nonce): stable across retries
    of the batch, and within Discord's 25 nonce characters (a delivery key is 20)."""
    return f"{delivery_key}{REPLY_SUFFIX}{batch % 1000}"[:25]


def _stars(count: int) -> str:
    return f"{count // 1000}k" if count >= 1000 else str(count)
