"""The 👍 and 🔖 buttons under each paper as a Block Kit `actions` block, and the in-place
change of a vote count in a message's blocks. Pure: no I/O, no slack_sdk.

The button's `action_id` is the core's button id (bot/chat/buttons.py), unique within its block;
the click's channel comes from Slack's own envelope, never from the button.
"""

from __future__ import annotations

import copy
from collections.abc import Mapping, Sequence
from typing import Any

from bot.chat.buttons import (
    NOT_FOR_ME_LABEL,
    SAVE_LABEL,
    ButtonAction,
    encode_button_id,
    vote_label,
)

Block = dict[str, Any]


def paper_actions(arxiv_id: str, counts: Mapping[str, int]) -> list[Block]:
    """The buttons row for one paper: 👍 with the channel's count, then 🔖 Save."""
    return [
        {
            "type": "actions",
            "elements": [
                _button(vote_label(counts.get(arxiv_id, 0)), ButtonAction.VOTE, arxiv_id),
                _button(SAVE_LABEL, ButtonAction.SAVE, arxiv_id),
            ],
        }
    ]


def personal_actions(arxiv_id: str) -> list[Block]:
    """The buttons row for one paper of a person's DM digest: 🔖 Save, then "Not for me".
    No 👍: a vote counts in a subscribed channel's tally (bot/commands/clicks.py), and a
    DM is no subscribed channel, so the button could only answer "not subscribed"."""
    return [
        {
            "type": "actions",
            "elements": [
                _button(SAVE_LABEL, ButtonAction.SAVE, arxiv_id),
                not_for_me_button(arxiv_id),
            ],
        }
    ]


def not_for_me_button(arxiv_id: str) -> Block:
    """The "Not for me" button (a negative for the person's "For you" list), for a DM
    digest's papers (`personal_actions`)."""
    return _button(NOT_FOR_ME_LABEL, ButtonAction.NOT_FOR_ME, arxiv_id)


def _button(label: str, action: ButtonAction, arxiv_id: str) -> Block:
    button_id = encode_button_id(action, arxiv_id)
    return {
        "type": "button",
        "text": {"type": "plain_text", "text": label, "emoji": True},
        "action_id": button_id,
        "value": arxiv_id,
    }


def with_vote_count(blocks: Sequence[Block], arxiv_id: str, count: int) -> list[Block]:
    """`blocks` (as Slack sent them back) with this paper's 👍 label showing `count`."""
    wanted = encode_button_id(ButtonAction.VOTE, arxiv_id)
    changed = copy.deepcopy(list(blocks))
    for block in changed:
        if not isinstance(block, dict) or block.get("type") != "actions":
            continue
        for element in block.get("elements") or ():
            if isinstance(element, dict) and element.get("action_id") == wanted:
                element["text"] = {"type": "plain_text", "text": vote_label(count), "emoji": True}
    return changed
