"""👍 and 🔖 on Discord: message components whose `custom_id` is the core's button id
(bot/chat/buttons.py), answered through discord.py's `DynamicItem`, so a click on a message
posted before a restart still reaches the bot (the class is registered with
`Client.add_dynamic_items`, not a view kept in memory).

Discord allows 5 action rows of 5 buttons a message; a message holds at most 10 embeds and
so at most 10 papers, and two papers share a row (4 buttons), so every paper gets its pair.
A DM digest's papers get 🔖 and "Not for me" in place of 👍 and 🔖 (no 👍: a vote counts in a
subscribed channel, and a DM is none), a pair all the same, so the same layout holds.
The labels carry the paper's number (`3. 👍 2`, `3. 🔖`) since a row is no longer beside
its paper. A vote edits the clicked message's buttons in place (UPDATE_MESSAGE, type 7);
a notice is an ephemeral reply; a click that gets neither is acknowledged silently.
"""

from __future__ import annotations

import logging
import re
from collections.abc import Mapping, Sequence
from typing import Any

import discord

from bot.chat.buttons import (
    BUTTON_ID_PATTERN,
    NOT_FOR_ME_LABEL,
    SAVE_LABEL,
    VOTE_EMOJI,
    ButtonAction,
    encode_button_id,
    parse_button_id,
    vote_label,
)
from bot.ports import ClickHandler, FirstTime
from bot.records.chat import Click
from bot.records.models import HF_PAPERS, ChannelRef

log = logging.getLogger(__name__)

Interaction = discord.Interaction[discord.Client]
PAPERS_PER_ROW = 2
MAX_ROWS = 5
MAX_PAPERS = PAPERS_PER_ROW * MAX_ROWS


def paper_view(
    papers: Sequence[tuple[int, str]], counts: Mapping[str, int], *, personal: bool = False
) -> discord.ui.View:
    """Buttons for (rank, arXiv id) pairs, two papers a row; past 10 papers, the first 10.
    `personal` (a DM digest): 🔖 and "Not for me" a paper, no 👍 (see the module's note)."""
    view = discord.ui.View(timeout=None)
    for index, (rank, arxiv_id) in enumerate(papers[:MAX_PAPERS]):
        row = index // PAPERS_PER_ROW
        if personal:
            view.add_item(_button(f"{rank}. {SAVE_LABEL}", ButtonAction.SAVE, arxiv_id, row))
            view.add_item(not_for_me_button(rank, arxiv_id, row))
            continue
        vote = f"{rank}. {vote_label(counts.get(arxiv_id, 0))}"
        view.add_item(_button(vote, ButtonAction.VOTE, arxiv_id, row))
        view.add_item(_button(f"{rank}. {SAVE_LABEL}", ButtonAction.SAVE, arxiv_id, row))
    return view


def not_for_me_button(rank: int, arxiv_id: str, row: int) -> discord.ui.Button[Any]:
    """`3. Not for me` (a negative for the person's "For you" list), for a DM digest's
    papers (`paper_view(..., personal=True)`); answered by the same DynamicItem as 👍 and 🔖."""
    return _button(f"{rank}. {NOT_FOR_ME_LABEL}", ButtonAction.NOT_FOR_ME, arxiv_id, row)


def _button(label: str, action: ButtonAction, arxiv_id: str, row: int) -> discord.ui.Button[Any]:
    style = (
        discord.ButtonStyle.primary
        if action is ButtonAction.VOTE
        else discord.ButtonStyle.secondary
    )
    return discord.ui.Button(
        label=label, custom_id=encode_button_id(action, arxiv_id), style=style, row=row
    )


def embed_papers(embeds: Sequence[discord.Embed]) -> list[str]:
    """The arXiv ids of the papers whose embeds are in a message, in order (an embed links
    its paper's Hugging Face page; a continued embed repeats it)."""
    ids = [e.url.removeprefix(HF_PAPERS) for e in embeds if e.url and e.url.startswith(HF_PAPERS)]
    return list(dict.fromkeys(ids))


def relabel(label: str, count: int) -> str:
    """A vote button's label with a new count, keeping its `3. ` number."""
    number = label.split(VOTE_EMOJI, 1)[0] if VOTE_EMOJI in label else ""
    return number + vote_label(count)


def updated_view(message: discord.Message, custom_id: str, count: int) -> discord.ui.View:
    """The message's buttons, the clicked vote showing `count`."""
    view = discord.ui.View.from_message(message, timeout=None)
    for item in view.children:
        if isinstance(item, discord.ui.Button) and item.custom_id == custom_id:
            item.label = relabel(item.label or "", count)
    return view


def interaction_key(interaction: Interaction) -> str:
    """What makes an interaction unique: Discord's id for it (for the replay guard)."""
    return f"discord-interaction:{interaction.id}"


async def always_new(key: str) -> bool:
    """No replay guard (tests, previews): every interaction is handled."""
    return True


def paper_button_type(
    clicks: ClickHandler, first_time: FirstTime = always_new
) -> type[discord.ui.DynamicItem[discord.ui.Button[Any]]]:
    """The DynamicItem class answering our buttons' clicks through `clicks`; a click
    delivered again (`first_time` says so) does nothing."""

    class PaperButton(
        discord.ui.DynamicItem[discord.ui.Button[Any]], template=re.compile(BUTTON_ID_PATTERN)
    ):
        @classmethod
        async def from_custom_id(
            cls, interaction: Interaction, item: discord.ui.Item[Any], match: re.Match[str], /
        ) -> PaperButton:
            button = discord.ui.Button[Any](custom_id=match.group(0))
            return cls(button)

        async def callback(self, interaction: Interaction) -> None:
            if not await first_time(interaction_key(interaction)):
                log.info("Discord: ignored a click already handled")
                return
            await answer_click(interaction, clicks, str(self.item.custom_id))

    return PaperButton


async def answer_click(interaction: Interaction, clicks: ClickHandler, custom_id: str) -> None:
    """Ask the core, then answer within Discord's 3 s: edit in place, reply privately, or ack.
    A click in a DM (a person's digest: 🔖, "Not for me") has no guild: the channel is the DM,
    with no workspace, and whose click it is needs none (a Discord user id is global)."""
    if interaction.channel_id is None:
        await interaction.response.defer()
        return
    guild = str(interaction.guild_id) if interaction.guild_id is not None else ""
    channel = ChannelRef("discord", str(interaction.channel_id), guild)
    answer = await clicks(Click(channel, str(interaction.user.id), custom_id))
    button = parse_button_id(custom_id)
    if answer.vote_count is not None and interaction.message is not None and button is not None:
        view = updated_view(interaction.message, custom_id, answer.vote_count)
        await interaction.response.edit_message(view=view)
    elif answer.notice:
        await interaction.response.send_message(
            answer.notice, ephemeral=True, allowed_mentions=discord.AllowedMentions.none()
        )
    else:
        await interaction.response.defer()


def with_buttons(
    messages: Sequence[Any],
    ranks: Mapping[str, int],
    counts: Mapping[str, int],
    *,
    personal: bool = False,
) -> list[Any]:
    """Each DiscordMessage with the buttons for the papers its embeds show (`personal`: a
    DM digest's, see `paper_view`)."""
    from dataclasses import replace

    done = []
    for message in messages:
        ids = [i for i in embed_papers(message.embeds) if i in ranks]
        papers = [(ranks[i], i) for i in ids]
        view = paper_view(papers, counts, personal=personal) if ids else None
        done.append(replace(message, view=view))
    return done
