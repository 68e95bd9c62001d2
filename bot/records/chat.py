"""The records of a chat exchange, before any platform renders them: what a `/papers` command
answers, a click on a button under a paper and its answer, which parts of a digest a
platform accepted, and how a platform's connection stands."""

from __future__ import annotations

import enum
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import datetime

from bot.records.digest import Digest
from bot.records.models import ChannelRef, Paper


@dataclass(frozen=True, slots=True)
class Attachment:
    """A file a reply carries (an export): each platform uploads it its own way, shown
    to whom the reply's visibility says."""

    filename: str  # a plain name, no path: e.g. paperbot-saved-2026-08-21.bib
    content: bytes
    mime: str  # e.g. text/x-bibtex; charset=utf-8


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
    attachment: Attachment | None = None  # a file to hand over with the text (an export)

    def reasons(self, index: int) -> tuple[str, ...]:
        """The why-line of `papers[index]`, as a digest entry's reasons (none if unset)."""
        return (self.why[index],) if index < len(self.why) else ()


CLOSE_MATCHES = "Close matches"


@dataclass(frozen=True, slots=True)
class Click:
    """A click as a platform saw it: where (from its own envelope), who, and the raw id."""

    channel: ChannelRef
    user_id: str
    button_id: object  # untrusted: parse_button_id decides what it means


@dataclass(frozen=True, slots=True)
class ClickAnswer:
    """What the platform shows after a click. `vote_count` set: the clicked paper's 👍
    label becomes `vote_label(vote_count)` in place. `notice`: a short private line to the
    clicker. Neither: nothing (a forged click gets no answer at all)."""

    arxiv_id: str | None = None
    vote_count: int | None = None
    notice: str | None = None


class LinkState(enum.Enum):
    CONNECTING = "connecting"  # the first attempt, not yet answered
    CONNECTED = "connected"
    RECONNECTING = "reconnecting"  # an attempt failed; the next one waits its backoff


@dataclass(frozen=True, slots=True)
class ConnectionStatus:
    platform: str  # "slack"
    state: LinkState
    since: datetime  # when this state began (an outage: its first failed attempt)
    attempt: int = 0  # failed attempts in a row
    last_error: str | None = None  # short and safe to show: no URL, token or body


@dataclass(frozen=True, slots=True)
class PostedPart:
    """Part `index` of a digest is posted as `message_id`, with its first `replies` replies."""

    index: int
    message_id: str
    replies: int = 0


# Called by a platform each time it has accepted a message of a digest (a part's top message,
# then each of its thread replies); the caller records it before the platform goes on.
OnAccepted = Callable[[PostedPart], Awaitable[None]]
