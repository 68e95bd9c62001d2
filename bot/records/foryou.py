"""The records a person's "For you" list is made of (issue 21).

`bot/recommend` ranks papers for one person from what they saved (🔖), voted (👍) and
turned down ("Not for me"); the DM digest (`bot/people`) and `/papers foryou` show the
result. Both sides speak in these records, so neither imports the other.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

from bot.records.models import Paper


@dataclass(frozen=True)
class Pick:
    """One paper picked for a person, with one line of why."""

    paper: Paper
    reason: str  # e.g. 'like "Attention Is All You Need", which you saved'
    score: float


@dataclass(frozen=True)
class ForYouList:
    """A person's ranked picks; during the cold start, how many more saves it needs.

    With `saves_needed > 0` the picks are the trending order, shown meanwhile.
    """

    picks: tuple[Pick, ...]
    saves_needed: int


class ForYouRanker(Protocol):
    """Ranks `papers` for the person `user_key` (the key votes and saves are stored under)."""

    async def rank(self, user_key: str, papers: Sequence[Paper], limit: int) -> ForYouList: ...
