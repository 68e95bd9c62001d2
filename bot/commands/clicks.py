"""Votes and saves: what a 👍, 🔖 or "Not for me" (bot/recommend/feedback.py) click does,
and the counts shown under papers.

A vote belongs to the channel's subscription (keyed by its linked group's id, else the
channel's key, so linked channels pool their votes), so only a subscribed, unpaused channel
takes votes. A save is the user's own and works anywhere. A click never raises: a forged id
gets no answer, a paper or channel the store does not know gets a short private line, and a
failure is logged and answered with a generic line.
"""

from __future__ import annotations

import logging
from collections.abc import Mapping, Sequence

from bot.chat.buttons import ButtonAction, ButtonId, parse_button_id
from bot.commands.parse_votes import TopPeriod, period_start
from bot.commands.wording import GENERIC_FAILURE, store_fault_text
from bot.ports import Store, VoteCounts
from bot.recommend.feedback import not_for_me_click
from bot.records.chat import Click, ClickAnswer
from bot.records.clock import Clock
from bot.records.digest import Digest
from bot.records.errors import StoreBusy, StoreError, StoreFull
from bot.records.models import ChannelRef, Paper
from bot.text.untrusted import one_line

log = logging.getLogger(__name__)

TOP_LIMIT = 10
SAVED_LIMIT = 20
UNKNOWN_PAPER = "I no longer know that paper, so nothing changed."
NOT_SUBSCRIBED = "Votes count in subscribed channels; this one is not (/papers subscribe)."
PAUSED = "Posting in this channel is paused, so votes are too; /papers status says why."
TITLE_CHARS = 80


def user_key(channel: ChannelRef, user_id: str) -> str:
    """Whose vote or save: a Discord user id is global; a Slack one is its workspace's."""
    workspace = "" if channel.platform == "discord" else channel.workspace
    return f"{channel.platform}:{workspace}:{user_id}"


class VoteService:
    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    async def click(self, click: Click) -> ClickAnswer:
        """What `click` changes, and what to show. Never raises."""
        button = parse_button_id(click.button_id)
        if button is None or not click.user_id or len(click.user_id) > 64:
            log.info("ignored a click with an id that is not ours in %s", click.channel.key)
            return ClickAnswer()
        try:
            return await self._click(click, button)
        except (StoreBusy, StoreFull) as exc:
            log.warning("a click in %s was not saved: %s", click.channel.key, exc)
            return ClickAnswer(notice=store_fault_text(exc, "your click changed nothing"))
        except Exception:
            log.exception("a click failed in %s", click.channel.key)
            return ClickAnswer(notice=GENERIC_FAILURE)

    async def _click(self, click: Click, button: ButtonId) -> ClickAnswer:
        paper = await self.store.get_paper(button.arxiv_id)
        if paper is None:
            return ClickAnswer(notice=UNKNOWN_PAPER)
        user = user_key(click.channel, click.user_id)
        now = self.clock.now()
        if button.action is ButtonAction.NOT_FOR_ME:  # the person's own, as a save is
            return await not_for_me_click(self.store, user, paper, now)
        if button.action is ButtonAction.SAVE:
            saved = await self.store.toggle_save(user, paper.arxiv_id, now)
            return ClickAnswer(paper.arxiv_id, notice=_save_notice(paper, saved))
        subscription = await self.store.get_subscription(click.channel)
        if subscription is None:
            return ClickAnswer(notice=NOT_SUBSCRIBED)
        if subscription.paused_reason:
            return ClickAnswer(notice=PAUSED)
        _, count = await self.store.toggle_vote(
            await self.store.vote_key(click.channel.key), paper.arxiv_id, user, now
        )
        return ClickAnswer(paper.arxiv_id, vote_count=count)

    async def counts(self, channel: ChannelRef, arxiv_ids: Sequence[str]) -> dict[str, int]:
        return await self.store.vote_counts(await self.store.vote_key(channel.key), arxiv_ids)

    async def top(self, channel: ChannelRef, period: TopPeriod) -> list[tuple[Paper, int]]:
        since = period_start(period, self.clock.now())
        return await self.store.top_voted(await self.store.vote_key(channel.key), since, TOP_LIMIT)

    async def saved(self, channel: ChannelRef, user_id: str) -> list[Paper]:
        return await self.store.saved_papers(user_key(channel, user_id), SAVED_LIMIT)

    async def remove_saved(self, channel: ChannelRef, user_id: str, arxiv_id: str) -> bool:
        return await self.store.remove_save(user_key(channel, user_id), arxiv_id)


async def digest_counts(
    counts: VoteCounts | None, channel: ChannelRef, digest: Digest
) -> Mapping[str, int]:
    """The channel's 👍 counts for a digest's papers, for its buttons as it is posted (a
    paper voted on in `/papers today` before the digest shows them). None when there is no
    `counts` or the store cannot say: the counts decorate a post, they never hold it up."""
    if counts is None or digest.is_empty:
        return {}
    try:
        return await counts(channel, [entry.paper.arxiv_id for entry in digest.entries])
    except StoreError as exc:
        log.warning("posting to %s without its vote counts: %s", channel.key, exc)
        return {}


def _save_notice(paper: Paper, saved: bool) -> str:
    title = one_line(paper.title)
    if len(title) > TITLE_CHARS:
        title = title[: TITLE_CHARS - 1] + "…"
    if saved:
        return f"Saved “{title}”. /papers saved lists your saved papers."
    return f"Removed “{title}” from your saved papers."
