"""What a `/papers` command needs before it can be answered, read from its text alone.

Slack and Discord drop a command not acknowledged within 3 s. A platform acknowledges first
and looks things up after: only an answer that needs nothing but the text (help, a usage
mistake) goes in the acknowledgement itself; everything else is acknowledged at once and
answered when the store (and, for a change, the permission look-up) has spoken. Pure: no
store, no platform.
"""

from __future__ import annotations

from bot.commands.parse import Command, Help, Settings, Subscribe, Unsubscribe, parse_command
from bot.commands.parse_links import Link, Unlink
from bot.commands.parse_votes import Top
from bot.records.errors import UserInputError


def answered_from_text(text: str) -> bool:
    """True when the answer needs no store and no look-up: help, or a usage mistake."""
    try:
        return isinstance(parse_command(text), Help)
    except UserInputError:
        return True


def needs_manager(text: str) -> bool:
    """Whether the answer depends on who asks (`can_manage`): a change to a subscription,
    linking or unlinking channels.

    Only these pay for a permission look-up (Slack's `users.info` for workspace admins)."""
    match _parsed(text):
        case Subscribe() | Unsubscribe() | Link() | Unlink():
            return True
        case Settings(change):
            return not change.is_empty
    return False


def shown_to_channel(text: str) -> bool:
    """Whether the answer, if it succeeds, is for the whole channel (a change, a link made,
    `top public`). A platform whose acknowledgement must already say who sees the answer
    (Discord's deferral) defers these publicly; a link code (`link` alone) stays private."""
    match _parsed(text):
        case Link(code):
            return code is not None
        case Top(public=public):
            return public
    return needs_manager(text)


def _parsed(text: str) -> Command | None:
    try:
        return parse_command(text)
    except UserInputError:
        return None
