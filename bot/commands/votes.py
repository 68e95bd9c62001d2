"""`/papers saved` and `/papers top`, and the 👍 counts on every reply that shows papers.

Kept beside the core's command handler (bot/commands/handler.py) rather than in it: the handler
parses the text once (bot/commands/parse.py), hands the two verbs' commands here, and hands
every other command's reply here for the channel's counts for its papers.
"""

from __future__ import annotations

from dataclasses import replace

from bot.commands.clicks import VoteService
from bot.commands.parse import Command
from bot.commands.parse_votes import Saved, Top, TopPeriod
from bot.records.chat import CommandContext, Reply, Visibility
from bot.records.errors import UserInputError

_PERIOD_TEXT = {
    TopPeriod.WEEK: "of the last 7 days",
    TopPeriod.MONTH: "of the last 30 days",
    TopPeriod.ALL: "of all time",
}


class VoteVerbs:
    """More verbs for bot/commands/handler.py's Commands: `saved`, `top`, and the counts."""

    def __init__(self, votes: VoteService) -> None:
        self.votes = votes

    async def answer(self, ctx: CommandContext, command: Command) -> Reply | None:
        match command:
            case Saved():
                return await self._saved(ctx, command)
            case Top():
                return await self._top(ctx, command)
        return None

    async def amend(self, ctx: CommandContext, command: Command, reply: Reply) -> Reply:
        return await self._with_counts(ctx, reply)

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
