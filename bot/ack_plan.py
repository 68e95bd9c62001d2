"""What a `/papers` command needs before it can be answered, read from its text alone.

Slack and Discord drop a command not acknowledged within 3 s. A platform acknowledges first
and looks things up after: only an answer that needs nothing but the text (help, a usage
mistake) goes in the acknowledgement itself; everything else is acknowledged at once and
answered when the store (and, for a change, the permission look-up) has spoken. Pure: no
store, no platform.
"""

from __future__ import annotations

from bot.command_parse import Help, Settings, Subscribe, Unsubscribe, parse_command
from bot.errors import UserInputError


def answered_from_text(text: str) -> bool:
    """True when the answer needs no store and no look-up: help, or a usage mistake."""
    try:
        return isinstance(parse_command(text), Help)
    except UserInputError:
        return True


def needs_manager(text: str) -> bool:
    """Whether the answer depends on who asks (`can_manage`): a change to a subscription.

    Only these pay for a permission look-up (Slack's `users.info` for workspace admins)."""
    try:
        command = parse_command(text)
    except UserInputError:
        return False
    match command:
        case Subscribe() | Unsubscribe():
            return True
        case Settings(change):
            return not change.is_empty
    return False
