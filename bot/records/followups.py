"""Follow-up records: a paper as last seen, the events between two sightings, and one event
addressed to a channel's thread, with its reply key. Pure. What is worth a follow-up and
how it is worded: bot/lifecycle/followup_plan.py.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field
from datetime import date, datetime

from bot.records.models import ChannelRef, Paper, PaperArtifacts

REPLY_SUFFIX = "fu"  # added to a delivery's key (and a batch number) for a follow-up reply


class FollowupKind(enum.StrEnum):
    REPO = "repo"  # value: the repository URL
    STARS = "stars"  # value: the threshold crossed, "100", "1000", "10000"
    VERSION = "version"  # value: "v2", "v3", ...
    MODEL = "model"  # value: the first linked model's page on the Hub
    DATASET = "dataset"  # value: the first linked dataset's page
    SPACE = "space"  # value: the first linked Space's page


ARTIFACT_KINDS = (FollowupKind.MODEL, FollowupKind.DATASET, FollowupKind.SPACE)


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
