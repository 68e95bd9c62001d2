"""One-time link codes, pure: how they are made, read back, stored and when they expire.

A code is 8 characters of an alphabet without look-alikes (no 0/O, 1/I/L), drawn with
`secrets`: 31^8 ≈ 8.5e11 codes, each alive for 10 minutes and good once, so guessing one is
hopeless. Only its SHA-256 is stored; a database dump holds no usable code.

Guessing is also bounded: MAX_WRONG_CODES wrong codes within WRONG_CODE_WINDOW lock the
channel they were typed in, and separately its workspace or server (so many channels of
one place cannot multiply the guesses), for LOCKOUT. The stores keep the count, so every
worker sees it. Only a code that is not one counts: a real code refused for another reason
(expired, this channel's own) was no guess.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.records.models import ChannelRef

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
CODE_LIFETIME = timedelta(minutes=10)
MAX_WRONG_CODES = 5
WRONG_CODE_WINDOW = timedelta(minutes=10)
LOCKOUT = timedelta(minutes=10)
_SEPARATORS = str.maketrans("", "", " -_")


def new_code() -> str:
    return "".join(secrets.choice(ALPHABET) for _ in range(CODE_LENGTH))


def read_code(text: str) -> str | None:
    """The code in what a user typed (any case, dashes or spaces ignored), or None if it
    cannot be one of ours."""
    code = text.translate(_SEPARATORS).upper()
    if len(code) != CODE_LENGTH or any(char not in ALPHABET for char in code):
        return None
    return code


def code_hash(code: str) -> str:
    return hashlib.sha256(code.encode("ascii")).hexdigest()


def expires_at(issued: datetime) -> datetime:
    return issued + CODE_LIFETIME


def is_expired(expiry: datetime, now: datetime) -> bool:
    return now >= expiry


def new_group_id() -> str:
    """A linked group's id: the key its pooled votes are kept under, never a channel's key."""
    return "group:" + secrets.token_hex(8)


def same_place(inviter_key: str, joiner: ChannelRef) -> bool:
    """Both channels in one Slack workspace or one Discord server. Linking is for channels
    that cannot share one: people in one place join the other channel instead. Channels
    without a place (the console's) never are."""
    try:
        inviter = ChannelRef.parse(inviter_key)
    except ValueError:
        return False
    return bool(joiner.workspace) and (inviter.platform, inviter.workspace) == (
        joiner.platform,
        joiner.workspace,
    )


class GuardKind(enum.StrEnum):
    CHANNEL = "channel"
    PLACE = "place"  # a Slack workspace or a Discord server


@dataclass(frozen=True, slots=True)
class Guard:
    """What wrong codes are counted against: `key` is the stored scope."""

    kind: GuardKind
    key: str


def guards_of(channel: ChannelRef) -> tuple[Guard, ...]:
    """The channel, and its workspace or server when it has one, sorted by key (the order
    the stores lock them in, so two joins never wait on each other crosswise)."""
    found = [Guard(GuardKind.CHANNEL, "channel:" + channel.key)]
    if channel.workspace:
        place = f"place:{channel.platform}:{channel.workspace}"
        found.append(Guard(GuardKind.PLACE, place))
    return tuple(sorted(found, key=lambda guard: guard.key))


def locks_now(wrong_in_window: int) -> bool:
    """Whether this many wrong codes in the window (the new one included) lock the guard."""
    return wrong_in_window >= MAX_WRONG_CODES


def lockout_end(now: datetime) -> datetime:
    return now + LOCKOUT


class JoinOutcome(enum.StrEnum):
    JOINED = "joined"
    UNKNOWN = "unknown"  # no such code, or it was used already
    EXPIRED = "expired"
    SAME_CHANNEL = "same channel"  # the code stays good
    SAME_PLACE = "same place"  # the code stays good
    ALREADY_LINKED = "already linked"  # the joining channel is in a group already; code stays
    NOT_SUBSCRIBED = "not subscribed"  # the inviting channel unsubscribed since
    LOCKED = "locked"  # too many wrong codes here lately: the code was not even looked at


KEEPS_CODE = frozenset(
    {JoinOutcome.SAME_CHANNEL, JoinOutcome.SAME_PLACE, JoinOutcome.ALREADY_LINKED}
)  # refused for where it was typed, not for what it is: the right channel can still use it


def joiner_problem(inviter_key: str, joiner: ChannelRef) -> JoinOutcome | None:
    """Why the joining channel cannot take this (good) code, from the two keys alone."""
    if inviter_key == joiner.key:
        return JoinOutcome.SAME_CHANNEL
    if same_place(inviter_key, joiner):
        return JoinOutcome.SAME_PLACE
    return None


@dataclass(frozen=True, slots=True)
class Lock:
    """A guard refusing codes until `until` (UTC)."""

    kind: GuardKind
    until: datetime


@dataclass(frozen=True, slots=True)
class JoinResult:
    outcome: JoinOutcome
    inviter_key: str | None = None
    lock: Lock | None = None  # LOCKED: which guard; UNKNOWN: the lock this guess started
