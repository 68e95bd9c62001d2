"""Papers as CSV that opens as it should in a spreadsheet: UTF-8 with a byte-order mark (so
Excel reads it as UTF-8), every field quoted, and no cell that a spreadsheet would run as a
formula: paper text is untrusted, so a cell beginning with = + - @ (or a tab or carriage
return, which some spreadsheets skip before one) is prefixed with an apostrophe (OWASP's
advice for CSV injection)."""

from __future__ import annotations

import csv
import io
from collections.abc import Sequence

from bot.export.formats import ExportItem

BOM = "\ufeff"
HEADER = ("arxiv_id", "title", "authors", "published", "url", "saved", "votes")
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


def safe_cell(text: str) -> str:
    return "'" + text if text.startswith(_FORMULA_STARTS) else text


def row(item: ExportItem) -> tuple[str, ...]:
    paper = item.paper
    return (
        paper.arxiv_id,
        " ".join(paper.title.split()),
        "; ".join(paper.authors),
        paper.published_at.date().isoformat(),
        paper.arxiv_url,
        item.saved_at.date().isoformat() if item.saved_at is not None else "",
        str(item.votes) if item.votes is not None else "",
    )


def render_csv(items: Sequence[ExportItem]) -> str:
    out = io.StringIO()
    writer = csv.writer(out, quoting=csv.QUOTE_ALL, lineterminator="\r\n")
    writer.writerow(HEADER)
    writer.writerows(tuple(safe_cell(cell) for cell in row(item)) for item in items)
    return BOM + out.getvalue()
