"""The buttons under a paper, platform-neutral and pure: what a click id says, and labels.

A click's id comes back from the platform untrusted (a forged or replayed payload may hold
anything), so `parse_button_id` accepts only the exact shape `encode_button_id` makes:
`pb:v:<arXiv id>` (vote), `pb:s:<arXiv id>` (save) or `pb:n:<arXiv id>` ("Not for me", a
negative for the person's "For you" list, bot/recommend), at most MAX_ID_CHARS characters. The
channel is never in the id: it comes from the platform's own envelope, so a click cannot
vote in another channel. The same id is a Slack `action_id` and a Discord `custom_id`.
"""

from __future__ import annotations

import enum
import re
from dataclasses import dataclass

MAX_ID_CHARS = 64  # well under Discord's 100 and Slack's 255
PREFIX = "pb"
# The bare arXiv id shapes of bot/text/arxiv_ids.py, anchored, with no version suffix.
BUTTON_ID_PATTERN = (
    r"pb:(?P<action>[vsn]):(?P<id>[0-9]{4}\.[0-9]{4,5}|[a-z][a-z-]*(?:\.[A-Z]{2})?/[0-9]{7})"
)
_ID = re.compile(BUTTON_ID_PATTERN)
VOTE_EMOJI = "👍"
SAVE_LABEL = "🔖 Save"
NOT_FOR_ME_LABEL = "Not for me"


class ButtonAction(enum.StrEnum):
    VOTE = "v"
    SAVE = "s"
    NOT_FOR_ME = "n"


@dataclass(frozen=True, slots=True)
class ButtonId:
    action: ButtonAction
    arxiv_id: str


def encode_button_id(action: ButtonAction, arxiv_id: str) -> str:
    """`pb:v:2608.19880`. Raises ValueError for an id `parse_button_id` would refuse."""
    text = f"{PREFIX}:{action.value}:{arxiv_id}"
    if parse_button_id(text) is None:
        raise ValueError(f"not a bare arXiv id: {arxiv_id[:40]!r}")
    return text


def parse_button_id(text: object) -> ButtonId | None:
    """The button a click names, or None for anything `encode_button_id` does not make."""
    if not isinstance(text, str) or len(text) > MAX_ID_CHARS or not text.isascii():
        return None
    match = _ID.fullmatch(text)
    if match is None:
        return None
    return ButtonId(ButtonAction(match.group("action")), match.group("id"))


def vote_label(count: int) -> str:
    """`👍` with no votes yet, `👍 3` with three."""
    return f"{VOTE_EMOJI} {count}" if count > 0 else VOTE_EMOJI
