"""The export formats and the rows every formatter reads: a paper, and when it was saved
(a person's saved papers) or how many 👍 it has (a channel's top list)."""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import datetime

from bot.records.models import Paper


class ExportFormat(enum.StrEnum):
    BIBTEX = "bibtex"
    MARKDOWN = "markdown"
    CSV = "csv"

    @property
    def extension(self) -> str:
        return _EXTENSIONS[self]

    @property
    def mime(self) -> str:
        return _MIMES[self]

    @property
    def label(self) -> str:
        """How a reply names it: "BibTeX"."""
        return _LABELS[self]


_EXTENSIONS = {ExportFormat.BIBTEX: "bib", ExportFormat.MARKDOWN: "md", ExportFormat.CSV: "csv"}
_MIMES = {
    ExportFormat.BIBTEX: "text/x-bibtex; charset=utf-8",
    ExportFormat.MARKDOWN: "text/markdown; charset=utf-8",
    ExportFormat.CSV: "text/csv; charset=utf-8",
}
_LABELS = {
    ExportFormat.BIBTEX: "BibTeX",
    ExportFormat.MARKDOWN: "Markdown",
    ExportFormat.CSV: "CSV",
}

# What a user may type for each format (`bib` and `md` are what the files are called).
FORMAT_WORDS: dict[str, ExportFormat] = {
    "bibtex": ExportFormat.BIBTEX,
    "bib": ExportFormat.BIBTEX,
    "markdown": ExportFormat.MARKDOWN,
    "md": ExportFormat.MARKDOWN,
    "csv": ExportFormat.CSV,
}


@dataclass(frozen=True, slots=True)
class ExportItem:
    """One paper of an export, with what the list knows about it."""

    paper: Paper
    saved_at: datetime | None = None  # a saved paper: when (aware, UTC)
    votes: int | None = None  # a top list's paper: its 👍 count in the channel
