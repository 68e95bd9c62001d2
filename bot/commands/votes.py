"""`/papers saved` and `/papers top`, and the 👍 counts on every reply that shows papers; and
`/papers foryou [week]` (`ForYouVerbs`), the latest list (or the last 7 days') ranked for the
person who asks from what they saved, voted for and turned down (bot/recommend), private.

Kept beside the core's command handler (bot/commands/handler.py) rather than in it: the handler
parses the text once (bot/commands/parse.py), hands the two verbs' commands here, and hands
every other command's reply here for the channel's counts for its papers.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import date, timedelta

from bot.commands.clicks import VoteService, user_key
from bot.commands.parse import Command
from bot.commands.parse_votes import ForYou, Saved, Top, TopPeriod
from bot.digest.service import PaperService
from bot.records.chat import CommandContext, Reply, Visibility
from bot.records.errors import UserInputError
from bot.records.foryou import ForYouList, ForYouRanker
from bot.records.models import Paper

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


FORYOU_LIMIT = 10
LOOKBACK_DAYS = 7  # the latest list: over a weekend and a holiday, as `today` looks
WEEK_DAYS = 7


class ForYouVerbs:
    """More verbs for bot/commands/handler.py's Commands: `foryou`."""

    def __init__(self, service: PaperService, ranker: ForYouRanker) -> None:
        self.service = service
        self.ranker = ranker

    async def answer(self, ctx: CommandContext, command: Command) -> Reply | None:
        if not isinstance(command, ForYou):
            return None
        days, papers = await (self._week() if command.week else self._latest())
        found = await self.ranker.rank(user_key(ctx.channel, ctx.user_id), papers, FORYOU_LIMIT)
        return foryou_reply(found, _when(days), len(papers))

    async def amend(self, ctx: CommandContext, command: Command, reply: Reply) -> Reply:
        return reply

    async def _latest(self) -> tuple[list[date], list[Paper]]:
        newest = self.service.covered_day()
        for back in range(LOOKBACK_DAYS):
            day = newest - timedelta(days=back)
            papers = await self.service.papers_for_day(day)
            if papers:
                return [day], papers
        return [newest], []

    async def _week(self) -> tuple[list[date], list[Paper]]:
        newest = self.service.covered_day()
        days = [newest - timedelta(days=back) for back in reversed(range(WEEK_DAYS))]
        papers: dict[str, Paper] = {}
        for day in days:
            for paper in await self.service.papers_for_day(day):
                papers.setdefault(paper.arxiv_id, paper)
        return days, list(papers.values())


def foryou_reply(found: ForYouList, when: str, count: int) -> Reply:
    """The list as a private reply: each paper with its one line of why."""
    papers = tuple(pick.paper for pick in found.picks)
    why = tuple(pick.reason for pick in found.picks)
    if found.saves_needed:
        more = found.saves_needed
        text = (
            f"“For you” learns from the papers you save: save {more} more with 🔖 and it "
            f"starts. Meanwhile, the trending papers {when}:"
        )
        if not papers:
            text = text.removesuffix(f" Meanwhile, the trending papers {when}:")
            text += f" No papers were listed {when}."
        return Reply(text, papers=papers, why=why)
    if not papers:
        return Reply(f"No papers were listed {when} that you have not seen: nothing to rank.")
    shown = len(papers)
    return Reply(
        f"For you: {shown} of the {count} papers {when}, ranked by what you saved and voted "
        "for (“Not for me” on a paper shows fewer like it).",
        papers=papers,
        why=why,
    )


def _when(days: list[date]) -> str:
    if len(days) == 1:
        return f"of {days[0].isoformat()}"
    return f"from {days[0].isoformat()} to {days[-1].isoformat()}"
