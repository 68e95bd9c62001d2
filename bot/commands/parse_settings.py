"""Pure parsing of `/papers settings` words into a `SettingsChange`: no I/O, no clock.

Every mistake raises `UserInputError` naming the setting and showing the verb's usage.
`cadence` takes several words (`cadence daily weekly fri`): the channel then gets each; a
weekday after `weekly` (a name or its first three letters) sets the weekly digest's day.
`followups` takes on or off (yes/no, true/false, 1/0 too).
"""

from __future__ import annotations

from dataclasses import dataclass, replace
from datetime import time
from functools import lru_cache
from zoneinfo import available_timezones

from bot.commands.verbs import closest, usage_error
from bot.config.load import check_timezone, parse_time
from bot.records.models import (
    MAX_PAPERS_RANGE,
    MIN_UPVOTES_RANGE,
    Cadence,
    ChannelSettings,
    WeekdayPolicy,
)
from bot.schedule.cadence import WEEKDAY_NAMES


@dataclass(frozen=True, slots=True)
class SettingsChange:
    """The settings a user asked to change; None = leave as it is. All None = show them."""

    post_time: time | None = None
    timezone: str | None = None
    min_upvotes: int | None = None
    max_papers: int | None = None
    weekday_policy: WeekdayPolicy | None = None
    cadences: tuple[Cadence, ...] | None = None
    weekly_day: int | None = None
    followups: bool | None = None

    @property
    def is_empty(self) -> bool:
        return self == SettingsChange()

    def describe(self) -> str:
        """The changed settings as typed, e.g. `time 09:30, tz Europe/Paris`."""
        shown = {
            "time": self.post_time and f"{self.post_time:%H:%M}",
            "tz": self.timezone,
            "min-upvotes": self.min_upvotes,
            "max": self.max_papers,
            "weekdays": self.weekday_policy and self.weekday_policy.value,
            "cadence": self.cadences and cadence_text(self.cadences, self.weekly_day or 0),
            "followups": None if self.followups is None else on_off_text(self.followups),
        }
        return ", ".join(f"{name} {value}" for name, value in shown.items() if value is not None)

    def apply(self, settings: ChannelSettings) -> ChannelSettings:
        changed = {name: getattr(self, name) for name in _FIELDS if getattr(self, name) is not None}
        return replace(settings, **changed)


_FIELDS = (
    "post_time",
    "timezone",
    "min_upvotes",
    "max_papers",
    "weekday_policy",
    "cadences",
    "weekly_day",
    "followups",
)


# What users may type -> the canonical setting name shown in messages.
_SETTING_ALIASES = {
    "time": "time",
    "tz": "tz",
    "timezone": "tz",
    "min-upvotes": "min-upvotes",
    "min_upvotes": "min-upvotes",
    "minupvotes": "min-upvotes",
    "max": "max",
    "max-papers": "max",
    "max_papers": "max",
    "weekdays": "weekdays",
    "days": "weekdays",
    "cadence": "cadence",
    "every": "cadence",
    "followups": "followups",
    "follow-ups": "followups",
}
SETTING_NAMES = ("time", "tz", "min-upvotes", "max", "weekdays", "cadence", "followups")


def parse_settings_change(words: tuple[str, ...]) -> SettingsChange:
    """`time 09:30 tz Europe/Paris max 5` (or `time=09:30`) to a change. Raises UserInputError."""
    change = SettingsChange()
    seen: set[str] = set()
    for name, value in _setting_pairs(words):
        if name in seen:
            raise usage_error("settings", f"`{name}` is given twice.")
        seen.add(name)
        try:
            change = _with_setting(change, name, value)
        except ValueError as exc:
            problem = str(exc).rstrip(".")
            end = "" if problem.endswith("?") else "."
            raise usage_error("settings", f"Bad {name}: {problem}{end}") from None
    return change


def _setting_pairs(words: tuple[str, ...]) -> list[tuple[str, str]]:
    pairs: list[tuple[str, str]] = []
    queue = list(words)
    while queue:
        raw = queue.pop(0)
        key, sep, value = raw.partition("=")
        name = _setting_name(key)
        if not sep:
            if not queue:
                raise usage_error("settings", f"`{name}` needs a value.")
            value = queue.pop(0)
        while name == "cadence" and queue and is_cadence_word(queue[0]):
            value += " " + queue.pop(0)  # `cadence daily weekly fri`
        pairs.append((name, value))
    return pairs


def _setting_name(key: str) -> str:
    name = _SETTING_ALIASES.get(key.lower())
    if name is not None:
        return name
    guess = closest(key.lower(), tuple(_SETTING_ALIASES))
    hint = f" Did you mean `{_SETTING_ALIASES[guess]}`?" if guess else ""
    raise usage_error("settings", f"Unknown setting `{key[:30]}`.{hint}")


def _with_setting(change: SettingsChange, name: str, value: str) -> SettingsChange:
    """`change` with one more setting parsed from `value`. Raises ValueError."""
    if name == "time":
        return replace(change, post_time=parse_time(value))
    if name == "tz":
        return replace(change, timezone=canonical_timezone(value))
    if name == "min-upvotes":
        return replace(change, min_upvotes=_bounded_int(value, *MIN_UPVOTES_RANGE))
    if name == "max":
        return replace(change, max_papers=_bounded_int(value, *MAX_PAPERS_RANGE))
    if name == "cadence":
        cadences, weekday = parse_cadences(value)
        return replace(change, cadences=cadences, weekly_day=weekday)
    if name == "followups":
        return replace(change, followups=parse_on_off(value))
    return replace(change, weekday_policy=_weekday_policy(value))


def _bounded_int(text: str, low: int, high: int) -> int:
    # isdecimal, not isdigit: int() refuses "²"; and it refuses 4,300 digits or more.
    if not text.isdecimal() or len(text) > 9 or not low <= int(text) <= high:
        raise ValueError(f"{text[:30]!r} is not a whole number from {low} to {high}")
    return int(text)


def _weekday_policy(text: str) -> WeekdayPolicy:
    try:
        return WeekdayPolicy(text.lower())
    except ValueError:
        choices = " | ".join(p.value for p in WeekdayPolicy)
        raise ValueError(f"{text[:30]!r} is not one of {choices}") from None


def canonical_timezone(name: str) -> str:
    """The IANA spelling of `name`, matched without regard to case. Raises ValueError,
    naming the zones whose last part is `name` (`paris`: Europe/Paris) when there are any."""
    try:
        return check_timezone(_timezones_by_lower().get(name.lower()) or name)
    except ValueError as exc:
        near = zones_named(name)
        if not near:
            raise
        shown = " or ".join(near[:3])
        raise ValueError(f"unknown time zone {name[:40]!r}; did you mean {shown}?") from exc


def zones_named(name: str) -> list[str]:
    """The IANA zones whose last part is `name`, case and spaces aside (`new york`:
    America/New_York), in alphabetical order."""
    key = name.strip().lower().replace(" ", "_")
    return sorted(_zones_by_basename().get(key, ())) if key else []


@lru_cache(maxsize=1)
def _zones_by_basename() -> dict[str, tuple[str, ...]]:
    found: dict[str, list[str]] = {}
    for zone in available_timezones():
        if "/" in zone and not zone.lower().startswith(("posix/", "right/", "etc/")):
            found.setdefault(zone.rsplit("/", 1)[1].lower(), []).append(zone)
    return {key: tuple(zones) for key, zones in found.items()}


@lru_cache(maxsize=1)
def _timezones_by_lower() -> dict[str, str]:
    return {zone.lower(): zone for zone in available_timezones()}


_ON = frozenset({"on", "yes", "true", "1"})
_OFF = frozenset({"off", "no", "false", "0"})


def parse_on_off(text: str) -> bool:
    """`on` → True, `off` → False (yes/no, true/false, 1/0 too). Raises ValueError."""
    word = text.strip().lower()
    if word in _ON:
        return True
    if word in _OFF:
        return False
    raise ValueError(f"{text[:30]!r} is not one of on | off")


def on_off_text(enabled: bool) -> str:
    return "on" if enabled else "off"


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
