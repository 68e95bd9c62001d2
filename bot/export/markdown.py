"""Papers as a Markdown list: each title linked to its arXiv page, its authors, and the date
it was saved (a saved list) or its 👍 count (a channel's top list).

Paper text is untrusted: Markdown's punctuation in it is escaped so a title cannot become a
link, an image or markup of its own, and each entry stays on one line.
"""

from __future__ import annotations

import re
from collections.abc import Sequence

from bot.export.formats import ExportItem

MAX_AUTHORS = 10  # past this, "et al.": a list, not a paper's byline
_MARKUP = re.compile(r"([\\`*_\[\]<>|~])")


def escape(text: str) -> str:
    return _MARKUP.sub(r"\\\1", " ".join(text.split()))


def render_markdown(title: str, items: Sequence[ExportItem]) -> str:
    lines = [f"# {escape(title)}", ""]
    lines += [entry(item) for item in items]
    return "\n".join(lines) + "\n"


def entry(item: ExportItem) -> str:
    paper = item.paper
    line = f"- [{escape(paper.title)}]({paper.arxiv_url})"
    authors = paper.authors[:MAX_AUTHORS]
    if authors:
        more = " et al." if len(paper.authors) > MAX_AUTHORS else ""
        line += " — " + escape(", ".join(authors)) + more
    if item.saved_at is not None:
        line += f" · saved {item.saved_at.date().isoformat()}"
    if item.votes is not None:
        line += f" · {item.votes} 👍"
    return line
