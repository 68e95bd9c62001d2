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

from collections.abc import Sequence

from bot.records.followups import (
    ARTIFACT_KINDS,
    Change,
    FollowupEvent,
    FollowupKind,
    Seen,
)

STAR_THRESHOLDS = (100, 1_000, 10_000)


_ARTIFACT_NOUNS = {FollowupKind.MODEL: "model", FollowupKind.DATASET: "dataset"}


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


def _stars(count: int) -> str:
    return f"{count // 1000}k" if count >= 1000 else str(count)
