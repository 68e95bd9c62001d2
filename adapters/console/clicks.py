"""The 👍 and 🔖 buttons on a terminal, and a second channel to link with, so votes, saves,
`top`, `saved` and `link` can all be tried offline.

A terminal has no buttons: the papers a reply or a digest shows are numbered, and a typed
`vote <n>` or `save <n>` (or `👍 <n>` / `🔖 <n>`, or an arXiv id in place of the number)
clicks the button under paper n, through the same ClickHandler the chat platforms call.
`channel <name>` makes the console speak in another channel (its own subscription, its own
votes), which is what `/papers link` needs: a code asked for in one channel, used in the
other. Parsing and wording are pure; only `click_text` awaits the handler.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.chat.buttons import (
    NOT_FOR_ME_LABEL,
    SAVE_LABEL,
    VOTE_EMOJI,
    ButtonAction,
    encode_button_id,
)
from bot.ports import ClickHandler
from bot.records.chat import Click, Reply
from bot.records.digest import Digest
from bot.records.models import ChannelRef
from bot.text.arxiv_ids import parse_arxiv_id

CLICK_VERBS = {
    "vote": ButtonAction.VOTE,
    VOTE_EMOJI: ButtonAction.VOTE,
    "save": ButtonAction.SAVE,
    "🔖": ButtonAction.SAVE,
    "notforme": ButtonAction.NOT_FOR_ME,  # "Not for me": a negative for `/papers foryou`
}
CHANNEL_VERB = "channel"
LIST_CHANNELS = "?"  # `channel` alone (never a valid name)
CHANNEL_NAME = re.compile(r"[A-Za-z0-9][A-Za-z0-9_-]{0,31}")
NOTHING_SHOWN = "No papers are on screen in this channel yet: /papers today shows some."
CLICK_USAGE = "Usage: vote <n> or save <n>, n a paper's number on screen (or its arXiv id)."
CHANNEL_USAGE = "Usage: channel <name> (letters, digits, - and _, up to 32)."
NOTHING_CHANGED = "Nothing changed."


@dataclass(frozen=True, slots=True)
class ClickLine:
    action: ButtonAction
    ref: str  # a number on screen, or an arXiv id; "" when missing


def parse_click(line: str) -> ClickLine | None:
    """`vote 2`, `save 2608.19880`, `👍 1`: the click it asks for; None if not a click verb."""
    verb, _, rest = line.strip().partition(" ")
    action = CLICK_VERBS.get(verb.lower())
    return None if action is None else ClickLine(action, rest.strip())


def parse_channel(line: str) -> str | None:
    """The channel name in `channel <name>`; "" for a bad name; LIST_CHANNELS for `channel`
    alone; None if the line is not the channel verb."""
    verb, _, rest = line.strip().partition(" ")
    if verb.lower() != CHANNEL_VERB:
        return None
    name = rest.strip()
    if not name:
        return LIST_CHANNELS
    return name if CHANNEL_NAME.fullmatch(name) else ""


def reply_numbers(reply: Reply) -> list[tuple[int, str]]:
    """The numbers a reply shows its papers under (as adapters/console/render.py prints)."""
    if reply.digest is not None:
        return digest_numbers(reply.digest)
    papers = [*reply.papers, *reply.close_papers]
    return [(n, paper.arxiv_id) for n, paper in enumerate(papers, 1)]


def digest_numbers(digest: Digest) -> list[tuple[int, str]]:
    return [(entry.rank, entry.paper.arxiv_id) for entry in digest.entries]


class ShownPapers:
    """The numbered papers last shown in each channel: what `vote 2` means there."""

    def __init__(self) -> None:
        self._shown: dict[str, dict[int, str]] = {}

    def show(self, channel: ChannelRef, numbered: Sequence[tuple[int, str]]) -> None:
        if numbered:
            self._shown[channel.key] = dict(numbered)

    def resolve(self, channel: ChannelRef, ref: str) -> str | None:
        """The arXiv id `ref` names in the channel: a number on screen, or an id."""
        if ref.isdigit():
            return self._shown.get(channel.key, {}).get(int(ref))
        try:
            return parse_arxiv_id(ref)
        except ValueError:
            return None

    def any_shown(self, channel: ChannelRef) -> bool:
        return bool(self._shown.get(channel.key))

    def numbers(self, channel: ChannelRef) -> list[int]:
        """The numbers on screen in the channel, in order."""
        return sorted(self._shown.get(channel.key, {}))


def buttons_line(
    numbered: Sequence[tuple[int, str]], counts: Mapping[str, int], *, personal: bool = False
) -> str:
    """The line standing for the buttons under a list: how to click, and the 👍 so far.
    `personal` (a DM digest): 🔖 and "Not for me", no 👍 (a DM is no subscribed channel)."""
    if personal:
        return f"[{SAVE_LABEL}: save <n> · {NOT_FOR_ME_LABEL}: notforme <n>]"
    voted = [f"{n}. {VOTE_EMOJI} {counts[i]}" for n, i in numbered if counts.get(i, 0) > 0]
    hint = f"{VOTE_EMOJI} vote <n> · {SAVE_LABEL}: save <n>"
    return f"[{hint}]" + (f"  {' · '.join(voted)}" if voted else "")


async def click_text(
    clicks: ClickHandler, channel: ChannelRef, user_id: str, action: ButtonAction, arxiv_id: str
) -> str:
    """Click the button and say what changed, as the chat platforms would show it."""
    try:
        button = encode_button_id(action, arxiv_id)
    except ValueError:
        return CLICK_USAGE
    answer = await clicks(Click(channel, user_id, button))
    lines = []
    if answer.vote_count is not None:
        lines.append(f"{VOTE_EMOJI} {answer.vote_count} for {arxiv_id} in this channel now.")
    if answer.notice:
        lines.append(answer.notice)
    return "\n".join(lines) or NOTHING_CHANGED
