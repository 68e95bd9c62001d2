"""Follow-ups in a digest's thread: what changed for a posted paper since it was last seen. Pure.

For papers posted in a channel within the last days (`followup_days`), each pass compares a
paper as last seen with the paper as the store knows it now and names the events worth a
short reply in the digest's thread: a GitHub repository appeared, its stars crossed 100, 1k
or 10k, a new arXiv version appeared, a first model, dataset or Space was linked on Hugging
Face (from the artifacts cache, bot/lifecycle/artifacts.py; one event per kind, its value the first
repo's page).

An event is recorded per channel, keyed by (channel, paper, kind, value), before anything is
posted; the store inserts each key once, so the same event is never posted twice. The first
look at a paper (right after its post, in the same sweep) only records the baseline.
"""

from __future__ import annotations

import enum
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.records.models import ChannelRef, Paper, PaperArtifacts

STAR_THRESHOLDS = (100, 1_000, 10_000)
REPLY_SUFFIX = "fu"  # added to a delivery's key (and a batch number) for a follow-up reply


class FollowupKind(enum.StrEnum):
    REPO = "repo"  # value: the repository URL
    STARS = "stars"  # value: the threshold crossed, "100", "1000", "10000"
    VERSION = "version"  # value: "v2", "v3", ...
    MODEL = "model"  # value: the first linked model's page on the Hub
    DATASET = "dataset"  # value: the first linked dataset's page
    SPACE = "space"  # value: the first linked Space's page


ARTIFACT_KINDS = (FollowupKind.MODEL, FollowupKind.DATASET, FollowupKind.SPACE)
_ARTIFACT_NOUNS = {FollowupKind.MODEL: "model", FollowupKind.DATASET: "dataset"}
HfCounts = tuple[int | None, int | None, int | None]  # models, datasets, Spaces; None: unknown


@dataclass(frozen=True, slots=True)
class Seen:
    """A paper as a pass last saw it (what the next pass compares against)."""

    arxiv_id: str
    github_repo: str | None = None
    github_stars: int | None = None
    version: int | None = None  # the latest arXiv version; None: not looked up
    hf: HfCounts = (None, None, None)  # linked models, datasets, Spaces; None: not looked up
    # each kind's first repo page, for the event's value (not stored, not compared)
    first: tuple[str | None, ...] = field(default=(None, None, None), compare=False)

    @classmethod
    def of(
        cls, paper: Paper, version: int | None = None, artifacts: PaperArtifacts | None = None
    ) -> Seen:
        if artifacts is None:
            return cls(paper.arxiv_id, paper.github_repo, paper.github_stars, version)
        kinds = artifacts.kinds()
        hf = (len(kinds[0][1]), len(kinds[1][1]), len(kinds[2][1]))
        first = tuple(prefix + ids[0] if ids else None for _, ids, prefix in kinds)
        return cls(paper.arxiv_id, paper.github_repo, paper.github_stars, version, hf, first)

    def merged(self, now: Seen) -> Seen:
        """What to remember after a pass: what is known now, the rest as before (a source
        that drops a field for a day does not make its return an event)."""
        return Seen(
            self.arxiv_id,
            now.github_repo or self.github_repo,
            max(now.github_stars or 0, self.github_stars or 0) or None,
            max(now.version or 0, self.version or 0) or None,
            _merged_counts(self.hf, now.hf),
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
    for kind, then, count, first in zip(ARTIFACT_KINDS, before.hf, now.hf, now.first, strict=True):
        if then == 0 and count and first:  # known to have none, now has one: the first
            found.append(Change(kind, first))
    return found


def event_line(event: FollowupEvent) -> str:
    """One short plain-text line for the reply."""
    if event.kind is FollowupKind.REPO:
        return f"Code released for “{event.title}”: {event.value}"
    if event.kind is FollowupKind.STARS:
        return f"“{event.title}” passed {_stars(int(event.value))} GitHub stars"
    if event.kind in ARTIFACT_KINDS:
        noun = _ARTIFACT_NOUNS.get(event.kind, "Space")
        return f"First {noun} on Hugging Face for “{event.title}”: {event.value}"
    return f"“{event.title}” has a new arXiv version ({event.value})"


def reply_text(events: Sequence[FollowupEvent]) -> str:
    """One reply for a batch of events in one thread: a line per event, in a stable order."""
    ordered = sorted(events, key=lambda e: (e.arxiv_id, e.kind.value, e.value))
    return "\n".join(f"• {event_line(e)}" for e in ordered)


def reply_key(delivery_key: str, batch: int) -> str:
    """The key of a follow-up reply (Slack metadata, Discord nonce): stable across retries
    of the batch, and within Discord's 25 nonce characters (a delivery key is 20)."""
    return f"{delivery_key}{REPLY_SUFFIX}{batch % 1000}"[:25]


def _merged_counts(then: HfCounts, now: HfCounts) -> HfCounts:
    """Per kind, the larger count known (a look-up that fails keeps what was known)."""
    merged = [
        None if a is None and b is None else max(a or 0, b or 0)
        for a, b in zip(then, now, strict=True)
    ]
    return (merged[0], merged[1], merged[2])


def _stars(count: int) -> str:
    return f"{count // 1000}k" if count >= 1000 else str(count)
