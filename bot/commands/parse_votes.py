"""Pure parsing of the vote and save verbs: `/papers saved [remove <id> | export <format>]`
and `/papers top [week|month|all] [export <format>] [public]`, plus the windows `top` counts
votes in; and `/papers foryou [week]`, the list learnt from a person's saves and votes.

Kept apart from bot/commands/parse.py, which registers these parsers in its table.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.commands.verbs import usage_error
from bot.export.formats import FORMAT_WORDS, ExportFormat
from bot.text.arxiv_ids import parse_arxiv_id


class TopPeriod(enum.StrEnum):
    WEEK = "week"  # the last 7 days, ending now
    MONTH = "month"  # the last 30 days, ending now
    ALL = "all"


_SPANS = {TopPeriod.WEEK: timedelta(days=7), TopPeriod.MONTH: timedelta(days=30)}


def period_start(period: TopPeriod, now: datetime) -> datetime | None:
    """When the period's window opens (votes cast at or after it count); None = ever."""
    span = _SPANS.get(period)
    return None if span is None else now - span


@dataclass(frozen=True, slots=True)
class Saved:
    remove: str | None = None  # an arXiv id to drop from my saved papers; None = list them
    export: ExportFormat | None = None  # set: answer with my saved papers as a file


@dataclass(frozen=True, slots=True)
class Top:
    period: TopPeriod = TopPeriod.WEEK
    public: bool = False
    export: ExportFormat | None = None  # set: answer with the list as a file


def parse_saved(rest: str) -> Saved:
    words = rest.split()
    if not words:
        return Saved()
    if words[0].lower() == "export":
        return Saved(export=_format("saved", words[1:]))
    if words[0].lower() != "remove":
        raise usage_error("saved", f"Unknown option `{words[0][:30]}`.")
    if len(words) != 2:
        raise usage_error("saved", "`saved remove` takes one arXiv id.")
    try:
        return Saved(remove=parse_arxiv_id(words[1]))
    except ValueError as exc:
        raise usage_error("saved", f"Bad arXiv id: {exc}.") from None


def parse_top(rest: str) -> Top:
    period: TopPeriod | None = None
    public = False
    export: ExportFormat | None = None
    words = rest.lower().split()
    while words:
        word = words.pop(0)
        if word == "public" and not public:
            public = True
        elif word in TopPeriod.__members__.values() and period is None:
            period = TopPeriod(word)
        elif word == "export" and export is None:
            export = _format("top", words[:1])
            words = words[1:]
        else:
            raise usage_error("top", f"Unexpected `{word[:30]}`.")
    return Top(period or TopPeriod.WEEK, public, export)


def _format(verb: str, words: list[str]) -> ExportFormat:
    """The one format named after `export`."""
    if len(words) != 1:
        raise usage_error(verb, "`export` takes one format: bibtex, markdown or csv.")
    found = FORMAT_WORDS.get(words[0].lower())
    if found is None:
        raise usage_error(verb, f"Unknown format `{words[0][:30]}`: bibtex, markdown or csv.")
    return found


@dataclass(frozen=True, slots=True)
class ForYou:
    """`/papers foryou [week]`: the person's list, learnt from their saves and votes."""

    week: bool = False


def parse_foryou(rest: str) -> ForYou:
    words = rest.lower().split()
    if not words:
        return ForYou()
    if words == ["week"]:
        return ForYou(week=True)
    raise usage_error("foryou", f"Unexpected `{' '.join(words)[:30]}`: only `week` may follow.")
