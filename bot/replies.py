"""What a `/papers` command answers, before any platform renders it."""

from __future__ import annotations

import enum
from dataclasses import dataclass

from bot.digest.model import Digest
from bot.models import ChannelRef, Paper


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
