"""Pure: digests and papers as plain text for a terminal (the console platform and the CLI).

No markup to escape: this text is printed, not posted to a chat platform. But it reaches a
terminal, so every piece of paper or user text goes through `bot.text.untrusted.one_line` here,
whatever the store holds: no escape sequence, control or bidi-override character is printed,
and a title is one line. Lines are wrapped at `WIDTH` columns; URLs are never broken.
"""

from __future__ import annotations

import textwrap
from collections.abc import Sequence

from bot.digest import compact
from bot.records.digest import FOR_YOU, Digest, DigestEntry
from bot.records.models import Paper
from bot.text.untrusted import one_line

WIDTH = 100
MAX_AUTHORS = 10
NO_PAPERS = "No papers found."


def render_text(digest: Digest, *, width: int = WIDTH) -> str:
    """The whole digest: header, then one block per entry, or why it is empty."""
    lines = [*_wrap(digest.title, width), *_wrap(digest.trending_definition, width)]
    if digest.topics:
        lines += _wrap("Topics: " + ", ".join(str(t) for t in digest.topics), width)
    if digest.is_empty:
        lines += ["", *_wrap(digest.empty_reason or "No papers to show.", width)]
        return "\n".join(lines)
    listed = _plural(digest.total_candidates, "paper")
    lines += _wrap(f"Showing {len(digest.entries)} of the {listed} listed that day.", width)
    for entry in digest.entries:
        if entry.paper.arxiv_id == digest.first_pick:  # a DM digest's own section
            lines += ["", FOR_YOU]
        lines += ["", *_entry_lines(entry, width)]
    return "\n".join(lines)


def _entry_lines(entry: DigestEntry, width: int) -> list[str]:
    paper = entry.paper
    head = f"{entry.rank}. "
    indent = " " * len(head)
    lines = _wrap(paper.title, width, first=head, rest=indent)
    stats = " · ".join(filter(None, (stats_line(paper), compact.risen(entry.risen))))
    lines += _wrap(stats, width, first=indent, rest=indent)
    if entry.summary:
        lines += _wrap(entry.summary, width, first=indent, rest=indent)
    if entry.posted_in is not None:  # a DM digest: shown in full in that channel's digest
        where = entry.posted_in
        text = f"posted in {where.channel.key} today (message {where.message_id})"
        lines += _wrap(text, width, first=indent, rest=indent + "  ")
    if entry.reasons:
        lines += _wrap("why: " + "; ".join(entry.reasons), width, first=indent, rest=indent + "  ")
    lines += [indent + link for link in link_lines(paper)]
    return lines


def render_paper_text(paper: Paper, *, width: int = WIDTH) -> str:
    """The full card for `/papers show`: title, authors, dates, stats, abstract, links."""
    lines = _wrap(paper.title, width)
    if paper.authors:
        lines += _wrap("by " + authors_text(paper.authors), width, rest="   ")
    lines += _wrap(_dates_line(paper), width)
    if _has_hf_stats(paper):
        lines += _wrap(stats_line(paper), width)
    if paper.ai_keywords:
        lines += _wrap("HF keywords: " + ", ".join(paper.ai_keywords), width, rest="  ")
    if paper.abstract.strip():
        lines += ["", *_wrap(paper.abstract, width)]
    return "\n".join([*lines, "", *link_lines(paper)])


def render_papers_list_text(
    papers: Sequence[Paper], *, width: int = WIDTH, start: int = 1, why: Sequence[str] = ()
) -> str:
    """A compact numbered list (from `start`), two or three lines a paper, for search results;
    `why[i]`, when given, is a last line saying why `papers[i]` is listed."""
    if not papers:
        return NO_PAPERS
    blocks = []
    for index, paper in enumerate(papers):
        number = start + index
        head = f"{number}. "
        indent = " " * len(head)
        details = [paper.arxiv_id, f"{paper.published_at:%Y-%m-%d}"]
        if _has_hf_stats(paper):
            details.append(_plural(paper.upvotes, "upvote"))
        lines = _wrap(paper.title, width, first=head, rest=indent)
        lines += _wrap(" · ".join(details), width, first=indent, rest=indent)
        lines.append(indent + paper.arxiv_url)
        if index < len(why):
            lines += _wrap("why: " + why[index], width, first=indent, rest=indent + "  ")
        blocks.append("\n".join(lines))
    return "\n\n".join(blocks)


def stats_line(paper: Paper) -> str:
    """ "163 upvotes · 1 comment · 8 GitHub stars" (stars only when there is a repo)."""
    parts = [_plural(paper.upvotes, "upvote"), _plural(paper.comments, "comment")]
    if paper.github_stars is not None:
        parts.append(_plural(paper.github_stars, "GitHub star"))
    return " · ".join(parts)


def authors_text(authors: Sequence[str], limit: int = MAX_AUTHORS) -> str:
    """The first `limit` authors, then "and N more"."""
    shown = ", ".join(one_line(a) for a in authors[:limit])
    hidden = len(authors) - limit
    return f"{shown} and {hidden} more" if hidden > 0 else shown


def link_lines(paper: Paper) -> list[str]:
    """One labelled URL a line, so terminals can make each one clickable."""
    links = [("arXiv", paper.arxiv_url), ("PDF", paper.pdf_url)]
    if paper.source == "huggingface" or paper.listed_on is not None:
        links.append(("HF", paper.hf_url))
    if paper.github_repo:
        links.append(("code", paper.github_repo))
    if paper.project_page:
        links.append(("project", paper.project_page))
    return [f"{label + ':':<9}{one_line(url)}" for label, url in links]


def _dates_line(paper: Paper) -> str:
    parts = [f"arXiv {paper.published_at:%Y-%m-%d}"]
    if paper.listed_on is not None:
        parts.append(f"on Hugging Face Daily Papers {paper.listed_on:%Y-%m-%d}")
    if paper.organization:
        parts.append(f"from {paper.organization}")
    return " · ".join(parts)


def _has_hf_stats(paper: Paper) -> bool:
    """arXiv-only papers have no upvotes to speak of: 0 would read as "nobody cared"."""
    return paper.source == "huggingface" or paper.listed_on is not None or paper.upvotes > 0


def _plural(n: int, noun: str) -> str:
    return f"{n} {noun}" if n == 1 else f"{n} {noun}s"


def _wrap(text: str, width: int, *, first: str = "", rest: str = "") -> list[str]:
    """Wrap cleaned, collapsed `text`; long words such as URLs overflow rather than break."""
    return textwrap.wrap(
        one_line(text),
        width=width,
        initial_indent=first,
        subsequent_indent=rest,
        break_long_words=False,
        break_on_hyphens=False,
    ) or [first.rstrip()]
