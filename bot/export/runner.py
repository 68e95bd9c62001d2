"""Gathers the papers of an export from the store and makes the file: a person's saved
papers (with when each was saved) or a channel's most-voted (with their counts)."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from bot.export.bibtex import render_bibtex
from bot.export.formats import ExportFormat, ExportItem
from bot.export.markdown import render_markdown
from bot.export.spreadsheet import render_csv
from bot.ports import VoteStore
from bot.records.chat import Attachment
from bot.records.clock import Clock

# Past this, an export is cut (latest saved or most-voted first): ample for a reading
# list, and a file far inside every platform's upload limit in any format
# (docs/benchmarks.md, "Export files").
EXPORT_LIMIT = 2000


def render(fmt: ExportFormat, heading: str, items: Sequence[ExportItem]) -> str:
    if fmt is ExportFormat.BIBTEX:
        return render_bibtex(items)
    if fmt is ExportFormat.MARKDOWN:
        return render_markdown(heading, items)
    return render_csv(items)


def attachment(
    fmt: ExportFormat, name: str, heading: str, items: Sequence[ExportItem], now: datetime
) -> Attachment:
    """The file: `paperbot-<name>-<YYYY-MM-DD>.<ext>`, UTF-8."""
    filename = f"paperbot-{name}-{now.date().isoformat()}.{fmt.extension}"
    return Attachment(filename, render(fmt, heading, items).encode("utf-8"), fmt.mime)


class Exporter:
    def __init__(self, store: VoteStore, clock: Clock) -> None:
        self.store = store
        self.clock = clock

    async def saved(self, user_key: str, fmt: ExportFormat) -> tuple[int, Attachment | None]:
        """(how many papers, the file); no file when nothing is saved."""
        dated = await self.store.saved_papers_dated(user_key, EXPORT_LIMIT)
        items = [ExportItem(paper, saved_at=at) for paper, at in dated]
        if not items:
            return 0, None
        now = self.clock.now()
        heading = f"My saved papers ({len(items)}), exported {now.date().isoformat()}"
        return len(items), attachment(fmt, "saved", heading, items, now)

    async def top(
        self, vote_key: str, since: datetime | None, fmt: ExportFormat, *, name: str, heading: str
    ) -> tuple[int, Attachment | None]:
        """(how many papers, the file) of a channel's most-voted since `since`."""
        found = await self.store.top_voted(vote_key, since, EXPORT_LIMIT)
        items = [ExportItem(paper, votes=votes) for paper, votes in found]
        if not items:
            return 0, None
        return len(items), attachment(fmt, name, heading, items, self.clock.now())
