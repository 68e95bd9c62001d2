"""Pure parsing of `/papers link [code]` and `/papers unlink`.

Kept apart from bot/commands/parse.py, which registers these parsers in its table.
"""

from __future__ import annotations

from dataclasses import dataclass

from bot.commands.verbs import usage_error


@dataclass(frozen=True, slots=True)
class Link:
    code: str | None = None  # None: ask for a code; else join the channel that made it


@dataclass(frozen=True, slots=True)
class Unlink:
    pass


def parse_link(rest: str) -> Link:
    words = rest.split()
    if len(words) > 1:
        raise usage_error("link", "`link` takes at most one code.")
    return Link(words[0][:40] if words else None)


def parse_unlink(rest: str) -> Unlink:
    if rest.strip():
        raise usage_error("unlink", "`unlink` takes no arguments.")
    return Unlink()
