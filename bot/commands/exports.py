"""`/papers saved export <format>` and `/papers top [period] export <format> [public]`: the
list as a file (bot/export/), handed to the platform on the Reply to upload its own way.

Kept beside the core's command handler (bot/commands/handler.py) as `MoreVerbs`, placed
before the vote verbs: a `saved` or `top` that names a format is answered here, and every
other command passes on.
"""

from __future__ import annotations

from bot.commands.clicks import user_key
from bot.commands.parse import Command
from bot.commands.parse_votes import Saved, Top, TopPeriod, period_start
from bot.export.formats import ExportFormat
from bot.export.runner import Exporter
from bot.ports import Store
from bot.records.chat import Attachment, CommandContext, Reply, Visibility
from bot.records.clock import Clock

_PERIOD_TEXT = {
    TopPeriod.WEEK: "of the last 7 days",
    TopPeriod.MONTH: "of the last 30 days",
    TopPeriod.ALL: "of all time",
}
NO_SAVED = "You have no saved papers to export. 🔖 under a paper saves it for you."


class ExportVerbs:
    """More verbs for Commands: `saved export ...` and `top ... export ...`."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self.store = store
        self.clock = clock
        self.exporter = Exporter(store, clock)

    async def answer(self, ctx: CommandContext, command: Command) -> Reply | None:
        match command:
            case Saved(export=ExportFormat() as fmt):
                return await self._saved(ctx, fmt)
            case Top(export=ExportFormat() as fmt):
                return await self._top(ctx, command, fmt)
        return None

    async def amend(self, ctx: CommandContext, command: Command, reply: Reply) -> Reply:
        return reply

    async def _saved(self, ctx: CommandContext, fmt: ExportFormat) -> Reply:
        count, file = await self.exporter.saved(user_key(ctx.channel, ctx.user_id), fmt)
        if file is None:
            return Reply(NO_SAVED)
        text = f"Your {_papers(count)} saved, as {fmt.label}: {file.filename}"
        return Reply(text, attachment=file)

    async def _top(self, ctx: CommandContext, command: Top, fmt: ExportFormat) -> Reply:
        since = period_start(command.period, self.clock.now())
        vote_key = await self.store.vote_key(ctx.channel.key)
        when = _PERIOD_TEXT[command.period]
        name = f"top-{command.period.value}"
        heading = f"Most-voted papers {when}"
        count, file = await self.exporter.top(vote_key, since, fmt, name=name, heading=heading)
        if file is None:
            return Reply(f"No votes in this channel {when}: nothing to export.")
        return _top_reply(command, fmt, count, file)


def _top_reply(command: Top, fmt: ExportFormat, count: int, file: Attachment) -> Reply:
    text = f"This channel's {_papers(count)} most voted, as {fmt.label}: {file.filename}"
    visibility = Visibility.CHANNEL if command.public else Visibility.PRIVATE
    return Reply(text, visibility=visibility, attachment=file)


def _papers(count: int) -> str:
    return f"{count} paper{'s' if count != 1 else ''}"
