"""One-time link codes, pure: how they are made, read back, stored and when they expire.

A code is 8 characters of an alphabet without look-alikes (no 0/O, 1/I/L), drawn with
`secrets`: 31^8 ≈ 8.5e11 codes, each alive for 10 minutes and good once, so guessing one is
hopeless. Only its SHA-256 is stored; a database dump holds no usable code.
"""

from __future__ import annotations

import enum
import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

ALPHABET = "23456789ABCDEFGHJKMNPQRSTUVWXYZ"
CODE_LENGTH = 8
CODE_LIFETIME = timedelta(minutes=10)
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


class JoinOutcome(enum.StrEnum):
    JOINED = "joined"
    UNKNOWN = "unknown"  # no such code, or it was used already
    EXPIRED = "expired"
    SAME_CHANNEL = "same channel"
    ALREADY_LINKED = "already linked"  # the joining channel is in a group already
    NOT_SUBSCRIBED = "not subscribed"  # the inviting channel unsubscribed since


@dataclass(frozen=True, slots=True)
class JoinResult:
    outcome: JoinOutcome
    inviter_key: str | None = None
