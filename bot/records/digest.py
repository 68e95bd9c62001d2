"""The platform-neutral digest: what to post, in plain text, before any markup."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from bot.records.models import ChannelRef, Paper, PaperArtifacts, Topic

TRENDING_DEFINITION = (
    "Trending = the day's Hugging Face Daily Papers ordered by upvotes "
    "(ties: comments, then GitHub stars)"
)
FOR_YOU = "For you"  # the heading of a DM digest's picks (bot/people/compose.py)


@dataclass(frozen=True, slots=True)
class PostedIn:
    """Where a channel already posted a paper: a DM digest links there instead (issue 21)."""

    channel: ChannelRef
    message_id: str  # the channel digest's first message


@dataclass(frozen=True, slots=True)
class DigestEntry:
    rank: int  # 1-based position in the digest
    paper: Paper
    summary: str  # one short paragraph, plain text, never cut mid-word
    reasons: tuple[str, ...] = ()  # why this paper matched the channel's topics
    artifacts: PaperArtifacts | None = None  # linked models, datasets, Spaces, when known
    risen: int = (
        0  # a settled post: upvotes gained since it was posted (bot/lifecycle/settle_plan.py)
    )
    posted_in: PostedIn | None = None  # a DM digest: already posted there, not shown in full
    for_you: bool = False  # a DM digest's "For you" pick: shown in its own section, after


@dataclass(frozen=True, slots=True)
class Digest:
    """One channel's digest for one covered day. `entries` may be empty: see `empty_reason`."""

    day: date
    entries: tuple[DigestEntry, ...]
    topics: tuple[Topic, ...] = ()
    trending_definition: str = TRENDING_DEFINITION
    empty_reason: str | None = None
    total_candidates: int = 0  # papers on the day's list before topics and thresholds
    since: date | None = None  # first covered day when one digest covers several (a weekend)
    heading: str | None = None  # the title of a weekly or monthly digest (bot/delivery/periods.py)
    personal: bool = False  # a person's DM digest (bot/people/compose.py): no 👍, "Not for me"

    @property
    def first_pick(self) -> str | None:
        """The arXiv id of the first "For you" pick, where that section's heading goes."""
        return next((e.paper.arxiv_id for e in self.entries if e.for_you), None)

    @property
    def title(self) -> str:
        """Names the covered day, or span: a Monday catch-up covers Friday to Sunday."""
        if self.heading is not None:
            return self.heading
        if self.since is None or self.since >= self.day:
            return f"Trending papers for {self.day:%A %d %B %Y}"
        first = (
            f"{self.since:%A %d}"
            if self.since.month == self.day.month
            else f"{self.since:%A %d %B}"
        )
        return f"Trending papers for {first} to {self.day:%A %d %B %Y}"

    @property
    def is_empty(self) -> bool:
        return not self.entries
