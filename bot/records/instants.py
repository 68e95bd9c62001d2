"""An instant the bot states to a reader, marked in a reply's text for the platform to show.

The core does not know who reads a reply, nor in which zone: Slack and Discord do, and each
shows a time in the reader's own zone when given their token (Slack's `<!date^...>`,
Discord's `<t:...>`). So the core writes `mark(moment)` where it states a time, and each
adapter's renderer turns every marker into its platform's form (`render_marked`); the
console, which has no reader's zone, writes the time in the zone the marker names
(`plain_text`). Pure.

A marker is `\\ue010<unix seconds>|<zone>|<style>|<seal>\\ue011`. Text from outside
cannot pass for one, twice over: its two private-use delimiters are dropped from paper text
by `bot.text.untrusted.clean_text` and refused in what users type by `bot.text.input_text`
(a row stored before that rule could still hold them), and the seal is drawn at random
when the process starts, so only `mark` in this process can write it. A renderer escapes
the text between markers with its own escaping, which drops a stray delimiter. Markers
live only in replies being rendered: never stored, never sent to another process.
"""

from __future__ import annotations

import enum
import re
import secrets
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from datetime import UTC, datetime, tzinfo
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

OPEN = "\ue010"
CLOSE = "\ue011"
DELIMITERS = OPEN + CLOSE


class Style(enum.StrEnum):  # the letters are Discord's own timestamp styles
    DATETIME = "f"  # `Fri 22 Aug 2026 09:00`: a day and a time
    TIME = "t"  # `09:41`: a time today ("has not answered since ...")


@dataclass(frozen=True, slots=True)
class Instant:
    """One marked moment: when (aware), the zone the console names, and how much to show."""

    at: datetime
    zone: str = "UTC"
    style: Style = Style.DATETIME

    @property
    def unix(self) -> int:
        return int(self.at.timestamp())


_SEAL = secrets.token_hex(8)  # this process's: text from elsewhere cannot hold it
_MARKER = re.compile(
    f"{OPEN}(-?[0-9]{{1,12}})\\|([A-Za-z0-9_+\\-/]{{1,64}})\\|([{''.join(Style)}])\\|{_SEAL}{CLOSE}"
)


def mark(moment: datetime, zone: str = "UTC", style: Style = Style.DATETIME) -> str:
    """The marker for `moment` (aware), which the console shows in `zone`."""
    return f"{OPEN}{int(moment.timestamp())}|{zone}|{style.value}|{_SEAL}{CLOSE}"


def pieces(text: str) -> Iterator[str | Instant]:
    """`text` as its plain runs and its instants, in order (empty runs left out)."""
    at = 0
    for found in _MARKER.finditer(text):
        if found.start() > at:
            yield text[at : found.start()]
        moment = datetime.fromtimestamp(int(found.group(1)), UTC)
        yield Instant(moment, found.group(2), Style(found.group(3)))
        at = found.end()
    if at < len(text):
        yield text[at:]


def render_marked(text: str, plain: Callable[[str], str], instant: Callable[[Instant], str]) -> str:
    """`text` with each plain run passed through `plain` (the platform's escaping, which
    must drop DELIMITERS) and each instant through `instant` (the platform's time form)."""
    return "".join(
        instant(piece) if isinstance(piece, Instant) else plain(piece) for piece in pieces(text)
    )


def plain_text(instant: Instant) -> str:
    """`Fri 22 Aug 2026 09:00 Europe/Paris` (or `09:41 UTC`): in the marker's zone, named."""
    zone = _zone(instant.zone)
    local = instant.at.astimezone(zone)
    name = instant.zone if zone is not UTC else "UTC"
    shown = f"{local:%H:%M}" if instant.style is Style.TIME else f"{local:%a %d %b %Y %H:%M}"
    return f"{shown} {name}"


def utc_text(instant: Instant) -> str:
    """`Mon 24 Aug 2026 07:15 UTC`: a platform token's fallback, readable by anyone."""
    return plain_text(Instant(instant.at, "UTC", instant.style))


def as_plain(text: str) -> str:
    """`text` with every marker in plain words (the console, the CLI, a log line)."""
    return render_marked(text, _without_delimiters, plain_text)


def _without_delimiters(text: str) -> str:
    return text.replace(OPEN, "").replace(CLOSE, "")


def _zone(name: str) -> tzinfo:
    if name == "UTC":
        return UTC
    try:
        return ZoneInfo(name)
    except (ZoneInfoNotFoundError, ValueError):  # markers are ours, but never fail a reply
        return UTC
