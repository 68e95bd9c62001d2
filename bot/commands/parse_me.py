"""Pure parsing of `/papers me ...`: a person's own digest by DM (issue 21).

`me` alone is my status; `me subscribe|unsubscribe|topics|settings|pause|resume|forget`
mirror the channel verbs, parsed with the same topic and settings parsers (the topics are
parsed where they are answered, bot/commands/me.py, as the channel verbs' are).
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field

from bot.commands.parse_settings import SettingsChange, parse_settings_change
from bot.commands.verbs import closest, usage_error
from bot.records.errors import UserInputError
from bot.records.models import Cadence


class MeAction(enum.StrEnum):
    STATUS = "status"
    SUBSCRIBE = "subscribe"
    UNSUBSCRIBE = "unsubscribe"
    TOPICS = "topics"
    SETTINGS = "settings"
    PAUSE = "pause"
    RESUME = "resume"
    FORGET = "forget"


FORGET_CONFIRM = "confirm"
_NO_ARGUMENTS = frozenset({MeAction.TOPICS, MeAction.PAUSE, MeAction.RESUME})
# what a person's digest may change: when, how often (daily or weekly) and how many
_ALLOWED = frozenset({"post_time", "timezone", "max_papers", "cadences", "weekly_day"})


@dataclass(frozen=True, slots=True)
class Me:
    action: MeAction = MeAction.STATUS
    text: str = ""  # subscribe / unsubscribe: the topics as typed ("" = all, or trending)
    change: SettingsChange = field(default_factory=SettingsChange)
    confirmed: bool = False  # forget: the person confirmed


def parse_me(rest: str) -> Me:
    """The `me` request in `rest` (the words after `me`). Raises UserInputError."""
    head, _, tail = rest.strip().partition(" ")
    tail = tail.strip()
    if not head:
        return Me()
    try:
        action = MeAction(head.lower())
    except ValueError:
        guess = closest(head.lower(), tuple(MeAction))
        hint = f" Did you mean `me {guess}`?" if guess else ""
        raise usage_error("me", f"Unknown `me` command `{head[:30]}`.{hint}") from None
    if action in _NO_ARGUMENTS and tail:
        raise usage_error("me", f"`me {action}` takes no arguments.")
    match action:
        case MeAction.UNSUBSCRIBE:
            if not tail:
                raise usage_error("me", "Name a topic to drop, or `all`.")
            return Me(action, "" if tail.lower() == "all" else tail)
        case MeAction.SETTINGS:
            return Me(action, change=_settings(tail))
        case MeAction.FORGET:
            if tail and tail.lower() != FORGET_CONFIRM:
                raise usage_error("me", "`me forget` takes nothing, or `confirm`.")
            return Me(action, confirmed=bool(tail))
        case MeAction.STATUS if tail:
            raise usage_error("me", "`me status` takes no arguments.")
    return Me(action, tail)


def _settings(text: str) -> SettingsChange:
    try:
        change = parse_settings_change(tuple(text.split()))
    except UserInputError as exc:  # the channel settings' words, with `me`'s usage
        problem = str(exc).split("\nUsage:")[0]
        raise usage_error("me", problem) from None
    unusable = [name for name in change.__slots__ if getattr(change, name) is not None]
    unusable = [name for name in unusable if name not in _ALLOWED]
    if unusable:
        named = ", ".join(unusable).replace("_", "-")
        raise usage_error("me", f"Your DM digest takes time, tz, cadence and max, not {named}.")
    if change.cadences and Cadence.MONTHLY in change.cadences:
        raise usage_error("me", "Your DM digest comes daily or weekly.")
    return change
