"""`/papers saved` and `/papers top`, and the 👍 counts on every reply that shows papers.

Wraps the core's command handler (bot/commands/handler.py) rather than growing it: the two verbs
are parsed by bot/commands/parse.py like every other and answered here; any other command
goes to the wrapped handler, and its reply gets the channel's counts for its papers.
"""

from __future__ import annotations

import logging
from dataclasses import replace

from bot.commands.clicks import VoteService
from bot.commands.parse import parse_command, verb_of
from bot.commands.parse_votes import Saved, Top, TopPeriod
from bot.commands.wording import GENERIC_FAILURE
from bot.ports import CommandHandler
from bot.records.chat import CommandContext, Reply, Visibility
from bot.records.errors import UserInputError

log = logging.getLogger(__name__)

_PERIOD_TEXT = {
    TopPeriod.WEEK: "of the last 7 days",
    TopPeriod.MONTH: "of the last 30 days",
    TopPeriod.ALL: "of all time",
}


class VoteCommands:
    """A CommandHandler: the vote verbs here, everything else through `inner`."""

    def __init__(self, inner: CommandHandler, votes: VoteService) -> None:
        self.inner = inner
        self.votes = votes

    async def handle(self, ctx: CommandContext, text: str) -> Reply:
        try:
            command = parse_command(text)
        except UserInputError:
            command = None  # the inner handler words the mistake as it always has
        try:
            if isinstance(command, Saved):
                return await self._saved(ctx, command)
            if isinstance(command, Top):
                return await self._top(ctx, command)
            return await self._with_counts(ctx, await self.inner(ctx, text))
        except UserInputError as exc:
            return Reply(str(exc), is_error=True)
        except Exception:
            log.exception("/papers %s failed in %s", verb_of(text)[:20], ctx.channel.key)
            return Reply(GENERIC_FAILURE, is_error=True)

    async def _with_counts(self, ctx: CommandContext, reply: Reply) -> Reply:
        papers = [*reply.papers, *reply.close_papers]
        if reply.digest is not None:
            papers += [entry.paper for entry in reply.digest.entries]
        if not papers:
            return reply
        counts = await self.votes.counts(ctx.channel, [p.arxiv_id for p in papers])
        return replace(reply, vote_counts=counts)

    async def _saved(self, ctx: CommandContext, command: Saved) -> Reply:
        if command.remove is not None:
            if await self.votes.remove_saved(ctx.channel, ctx.user_id, command.remove):
                return Reply(f"Removed {command.remove} from your saved papers.")
            raise UserInputError(f"{command.remove} is not among your saved papers.")
        papers = tuple(await self.votes.saved(ctx.channel, ctx.user_id))
        if not papers:
            return Reply("You have no saved papers. 🔖 under a paper saves it for you.")
        count = len(papers)
        text = f"Your {count} saved paper{'s' if count != 1 else ''}, latest first:"
        return await self._with_counts(ctx, Reply(text, papers=papers))

    async def _top(self, ctx: CommandContext, command: Top) -> Reply:
        found = await self.votes.top(ctx.channel, command.period)
        when = _PERIOD_TEXT[command.period]
        if not found:
            return Reply(f"No votes in this channel {when}. Vote with 👍 under a paper.")
        visibility = Visibility.CHANNEL if command.public else Visibility.PRIVATE
        return Reply(
            f"This channel's most-voted papers {when}:",
            visibility=visibility,
            papers=tuple(paper for paper, _ in found),
            vote_counts={paper.arxiv_id: votes for paper, votes in found},
        )
