"""`/papers foryou [week]`: the latest list (or the last 7 days') ranked for the person who
asks, from what they saved, voted for and turned down (bot/recommend). Private, as `saved`.

Kept beside the core's command handler (bot/commands/handler.py), which parses the text and
hands the command here through `MoreVerbs`.
"""

from __future__ import annotations

from datetime import date, timedelta

from bot.commands.clicks import user_key
from bot.commands.parse import Command
from bot.commands.parse_votes import ForYou
from bot.digest.service import PaperService
from bot.records.chat import CommandContext, Reply
from bot.records.foryou import ForYouList, ForYouRanker
from bot.records.models import Paper

LIMIT = 10
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
        found = await self.ranker.rank(user_key(ctx.channel, ctx.user_id), papers, LIMIT)
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
        "for (“Not for me” under a paper in your digest shows fewer like it).",
        papers=papers,
        why=why,
    )


def _when(days: list[date]) -> str:
    if len(days) == 1:
        return f"of {days[0].isoformat()}"
    return f"from {days[0].isoformat()} to {days[-1].isoformat()}"
