"""`/papers settings cadence daily|weekly [weekday]|monthly`: words to cadences. Pure.

Several may be given (`cadence daily weekly fri`): the channel then gets each. A weekday
after `weekly` (a name or its first three letters) sets the weekly digest's day.
"""

from __future__ import annotations

from bot.records.models import Cadence
from bot.schedule.cadence import WEEKDAY_NAMES


def is_cadence_word(word: str) -> bool:
    """Whether `word` can continue a `cadence` setting's value."""
    lower = word.lower()
    return lower in {c.value for c in Cadence} or _weekday(lower) is not None


def parse_cadences(text: str) -> tuple[tuple[Cadence, ...], int | None]:
    """(cadences in Cadence order, the weekly weekday or None). Raises ValueError."""
    chosen: set[Cadence] = set()
    weekday: int | None = None
    previous: Cadence | None = None
    for word in text.lower().replace(",", " ").replace("+", " ").split():
        day = _weekday(word)
        if day is not None:
            if previous is not Cadence.WEEKLY:
                raise ValueError(f"a weekday ({word[:12]}) only follows `weekly`")
            weekday = day
            continue
        try:
            previous = Cadence(word)
        except ValueError:
            choices = "daily | weekly [weekday] | monthly"
            raise ValueError(f"{word[:30]!r} is not one of {choices}") from None
        chosen.add(previous)
    if not chosen:
        raise ValueError("name at least one of daily, weekly, monthly")
    return tuple(c for c in Cadence if c in chosen), weekday


def cadence_text(cadences: tuple[Cadence, ...], weekday: int) -> str:
    """As a user would type it: `daily weekly monday`."""
    words = [c.value for c in cadences]
    if Cadence.WEEKLY in cadences:
        words.insert(words.index("weekly") + 1, WEEKDAY_NAMES[weekday])
    return " ".join(words)


def _weekday(word: str) -> int | None:
    for index, name in enumerate(WEEKDAY_NAMES):
        if word == name or (len(word) >= 3 and name.startswith(word)):
            return index
    return None
