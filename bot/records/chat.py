"""What a `/papers` command answers, before any platform renders it."""

from __future__ import annotations

import enum
from collections.abc import Mapping
from dataclasses import dataclass, field

from bot.records.digest import Digest
from bot.records.models import ChannelRef, Paper, SearchResults


class Visibility(enum.StrEnum):
    PRIVATE = "private"  # only the user who asked sees it (Slack ephemeral, Discord ephemeral)
    CHANNEL = "channel"  # everyone in the channel sees it (subscription changes)


@dataclass(frozen=True, slots=True)
class CommandContext:
    """Who asked, where. `can_manage` is decided by the platform (admins, Manage Channels)."""

    channel: ChannelRef
    user_id: str
    user_name: str = ""
    can_manage: bool = True


@dataclass(frozen=True, slots=True)
class Reply:
    """A command's answer. `text` is plain text; renderers escape it and add markup."""

    text: str
    visibility: Visibility = Visibility.PRIVATE
    digest: Digest | None = None
    papers: tuple[Paper, ...] = ()
    is_error: bool = False
    # Shown after `papers` under CLOSE_MATCHES: a search's papers from a relaxed reading.
    close_papers: tuple[Paper, ...] = ()
    # The channel's 👍 count per arXiv id, for the buttons under each paper (commands/clicks).
    vote_counts: Mapping[str, int] = field(default_factory=dict)
    # One line per paper of `papers` saying why it is listed (`similar`: the words shared).
    why: tuple[str, ...] = ()

    def reasons(self, index: int) -> tuple[str, ...]:
        """The why-line of `papers[index]`, as a digest entry's reasons (none if unset)."""
        return (self.why[index],) if index < len(self.why) else ()


CLOSE_MATCHES = "Close matches"


def search_reply(query: str, found: SearchResults) -> Reply:
    """A search's answer: a header naming the query once, exact papers, then close ones."""
    shown = _quoted(query)
    if not found:
        return Reply(f"No papers found for {shown}.")
    count = len(found.papers)
    header = f"{count} paper{'s' if count != 1 else ''} for {shown}"
    if not found.exact:
        header += " (no exact match; close matches only)"
    return Reply(header + ":", papers=found.exact, close_papers=found.close)


def _quoted(query: str) -> str:
    """The query in double quotes, unless it holds the user's own (a phrase): as typed."""
    query = query.strip()
    return query if '"' in query else f'"{query}"'
