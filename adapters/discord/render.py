"""Pure: a `Digest` or a `Reply` as Discord messages of embeds, inside every Discord limit.

Limits (discord.com/developers/docs/resources/message#embed-object-embed-limits): title 256,
description 4,096, field name 256 and value 1,024, 25 fields, footer 2,048, at most 6,000
characters over all the embeds of one message, 10 embeds a message, content 2,000. Nothing
is dropped to meet them: a digest that does not fit one message becomes several, a long
list becomes continued fields, and the one place text is shortened (a summary or a title
too long for its slot) ends with a visible ellipsis and keeps the full text a link away.
Whatever the input, `_assemble` clamps every embed text to its limit as a last guard:
Discord answers 400 to a body past one.

Paper text is escaped (`text.escape`), and names, titles, keywords and topics are put on one
line first (`bot.text.untrusted.one_line`), whatever the store holds.
"""

from __future__ import annotations

from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass

import discord

from adapters.discord.buttons import embed_papers, with_buttons
from adapters.discord.compact import compact_embeds, detail_embed, header_content
from adapters.discord.marks import MARK_ROOM, add_mark, mark_content, mark_for
from adapters.discord.text import clamp, escape, escape_marked, fit, safe_url, split
from bot.digest import compact
from bot.digest.summary import summarize
from bot.records.chat import CLOSE_MATCHES, Reply
from bot.records.digest import Digest
from bot.records.models import Paper
from bot.text.untrusted import one_line

TITLE_MAX = 256
DESCRIPTION_MAX = 4096
FIELD_NAME_MAX = 256
FIELD_VALUE_MAX = 1024
FIELDS_MAX = 25
FOOTER_MAX = 2048
EMBEDS_PER_MESSAGE = 10
EMBED_CHARS_PER_MESSAGE = 6000
CONTENT_MAX = 2000
SEARCH_SUMMARY_MAX = 350  # a search result's summary: the whole abstract is one click away
FULL_TITLE_MAX = 1024  # a title too long for the embed's title, repeated in the description
AUTHOR_NAME_MAX = 200  # one author's name in the Authors field
CONTINUED = " (continued)"
THREAD_NAME_MAX = 100

COLOUR = discord.Colour(0xFFD21E)  # the Hugging Face yellow


@dataclass(frozen=True, slots=True)
class DiscordMessage:
    """One message to send: optional content and up to 10 embeds."""

    content: str | None = None
    embeds: tuple[discord.Embed, ...] = ()
    view: discord.ui.View | None = None  # 👍 and 🔖 under its papers (adapters/discord/buttons.py)


@dataclass(frozen=True, slots=True)
class _Field:
    name: str
    value: str


def render_digest(
    digest: Digest, *, mark_key: str | None = None, counts: Mapping[str, int] | None = None
) -> list[DiscordMessage]:
    """The digest as messages: the header in the first message's content, then one compact
    embed per paper (adapters/discord/compact.py) with its buttons; a usual day is one message.

    With `mark_key` (a post's idempotency key) each message's last embed carries the
    part's mark in its footer (adapters/discord/marks.py), so it can be found again.
    """
    reserve = MARK_ROOM if mark_key else 0
    embeds = compact_embeds(digest.entries, EMBED_CHARS_PER_MESSAGE - reserve)
    messages = pack(embeds, reserve=reserve) or [DiscordMessage()]
    if mark_key:
        for index, message in enumerate(messages):
            if message.embeds:
                add_mark(message.embeds[-1], mark_for(mark_key, index))
    total = len(messages)
    headed = [
        DiscordMessage(header_content(digest, (i, total) if total > 1 else None), m.embeds)
        for i, m in enumerate(messages, 1)
    ]
    ranks = {e.paper.arxiv_id: e.rank for e in digest.entries}
    return with_buttons(headed, ranks, counts or {}, personal=digest.personal)


def render_settled(
    posted: Digest, settled: Digest, *, mark_key: str, counts: Mapping[str, int] | None = None
) -> list[DiscordMessage]:
    """`settled` laid out as `posted` went out: one message per message of `posted`, each
    with the same papers in the same order (new counts, rises marked) and the same mark."""
    layout = [embed_papers(m.embeds) for m in render_digest(posted, mark_key=mark_key)]
    by_id = {entry.paper.arxiv_id: entry for entry in settled.entries}
    total = len(layout)
    messages = []
    for index, ids in enumerate(layout):
        entries = [by_id[arxiv_id] for arxiv_id in ids if arxiv_id in by_id]
        embeds = compact_embeds(entries, EMBED_CHARS_PER_MESSAGE - MARK_ROOM)
        if embeds:
            add_mark(embeds[-1], mark_for(mark_key, index))
        content = header_content(settled, (index + 1, total) if total > 1 else None)
        messages.append(DiscordMessage(content, tuple(embeds)))
    ranks = {e.paper.arxiv_id: e.rank for e in settled.entries}
    return with_buttons(messages, ranks, counts or {}, personal=settled.personal)


def render_late_additions(digest: Digest, *, mark_key: str | None = None) -> DiscordMessage:
    """The late-additions reply in a digest's thread: a line, then up to 10 compact papers.
    A digest with a `heading` and no papers is a follow-up reply (bot/lifecycle/followups.py): its
    heading, escaped, is the whole message. With `mark_key` (the reply's key) it carries
    the mark "ref <key>.1": on its last embed's footer, or as a last subtext line."""
    if digest.heading is not None and not digest.entries:
        content = clamp(escape(digest.heading), CONTENT_MAX)
        return DiscordMessage(mark_content(content, mark_for(mark_key, 0)) if mark_key else content)
    entries = digest.entries[:EMBEDS_PER_MESSAGE]
    reserve = MARK_ROOM if mark_key else 0
    embeds = compact_embeds(entries, EMBED_CHARS_PER_MESSAGE - reserve)
    content = "**Late additions:** papers that joined the day's list after this digest went out"
    if mark_key and embeds:
        add_mark(embeds[-1], mark_for(mark_key, 0))
    elif mark_key:
        content = mark_content(content, mark_for(mark_key, 0))
    return DiscordMessage(content, tuple(embeds))


def render_details(digest: Digest) -> list[DiscordMessage]:
    """What goes in the digest's thread: each paper's abstract, authors (capped), keywords
    and linked artifacts, packed into as few messages as the limits allow."""
    return pack(detail_embed(entry) for entry in digest.entries)


def thread_name(digest: Digest) -> str:
    """The thread's name (Discord takes 1 to 100 characters; ours, no paper text)."""
    return f"Details: {digest.title}"[:THREAD_NAME_MAX]


def render_reply(reply: Reply) -> list[DiscordMessage]:
    """A command's answer: its text (split, never cut), then its digest or papers."""
    text = reply.text.strip()
    if reply.digest is not None and text == reply.digest.title:
        text = ""  # the digest's header embed already says it
    chunks = split(escape_marked(text), CONTENT_MAX) if text else []
    if reply.digest is not None:
        embedded = render_digest(reply.digest, counts=reply.vote_counts)
    else:
        papers = (*reply.papers, *reply.close_papers)
        ranks = {p.arxiv_id: rank for rank, p in enumerate(papers, 1)}
        embedded = with_buttons(pack(_paper_list_embeds(reply)), ranks, reply.vote_counts)
    if chunks and embedded:  # the last text chunk rides on the first embed message
        head = embedded[0]
        merged = chunks[-1] if head.content is None else f"{chunks[-1]}\n{head.content}"
        if len(merged) <= CONTENT_MAX:
            embedded[0] = DiscordMessage(merged, head.embeds, head.view)
            chunks.pop()
    messages = [DiscordMessage(chunk) for chunk in chunks] + embedded
    return messages or [DiscordMessage("Done.")]


def _paper_list_embeds(reply: Reply) -> Iterator[discord.Embed]:
    """A reply's papers, then its close matches after an embed that says what they are."""
    for rank, paper in enumerate(reply.papers, 1):
        summary = summarize(paper, SEARCH_SUMMARY_MAX)
        yield from paper_embeds(paper, summary, reply.reasons(rank - 1), rank)
    if reply.close_papers:
        yield discord.Embed(title=CLOSE_MATCHES)
    for rank, paper in enumerate(reply.close_papers, len(reply.papers) + 1):
        yield from paper_embeds(paper, summarize(paper, SEARCH_SUMMARY_MAX), (), rank)


def paper_embeds(
    paper: Paper, summary: str, reasons: Sequence[str], rank: int | None = None
) -> list[discord.Embed]:
    """One paper: linked title, summary and stats, authors, why it matched, links."""
    paper_title = one_line(paper.title)
    plain_title = f"{rank}. {paper_title}" if rank else paper_title
    title = fit(plain_title, TITLE_MAX)
    parts: list[str] = []
    if escape(plain_title) != title:  # the title was shortened: keep it (nearly) whole below
        parts.append(f"**{fit(paper_title, FULL_TITLE_MAX)}**")
    stats = _stats_line(paper)
    room = DESCRIPTION_MAX - sum(len(p) + 2 for p in parts) - len(stats) - 2
    if summary.strip():
        parts.append(fit(one_line(summary), room))
    parts.append(stats)
    fields = [*_authors_fields(paper.authors), *_reason_fields(reasons), *_links_fields(paper)]
    return _assemble(title, paper.hf_url, "\n\n".join(parts), fields, safe_url(paper.thumbnail))


def pack(embeds: Iterable[discord.Embed], *, reserve: int = 0) -> list[DiscordMessage]:
    """Embeds, in order, into as few messages as fit 10 embeds and 6,000 characters each
    (less `reserve`: room kept for a mark added later)."""
    budget = EMBED_CHARS_PER_MESSAGE - reserve
    messages: list[DiscordMessage] = []
    current: list[discord.Embed] = []
    size = 0
    for embed in embeds:
        n = len(embed)
        if current and (len(current) == EMBEDS_PER_MESSAGE or size + n > budget):
            messages.append(DiscordMessage(None, tuple(current)))
            current, size = [], 0
        current.append(embed)
        size += n
    if current:
        messages.append(DiscordMessage(None, tuple(current)))
    return messages


def _assemble(
    title: str,
    url: str | None,
    description: str,
    fields: Sequence[_Field],
    thumbnail: str | None,
    *,
    footer: str = "",
) -> list[discord.Embed]:
    """The embed, continued in more embeds when the fields would pass 25 or 6,000 chars.

    Every text is already escaped; each is clamped to its limit here whatever its source,
    and the description to what the title and footer leave of the 6,000.
    """
    title = clamp(title, TITLE_MAX)
    footer = clamp(footer, FOOTER_MAX)
    room = min(DESCRIPTION_MAX, EMBED_CHARS_PER_MESSAGE - len(title) - len(footer))
    first = discord.Embed(title=title, url=url, description=clamp(description, room))
    first.colour = COLOUR
    if thumbnail:
        first.set_thumbnail(url=thumbnail)
    embeds = [first]
    last_footer = len(footer)  # the footer goes on the last embed: keep room for it
    for field in fields:
        name, value = clamp(field.name, FIELD_NAME_MAX), clamp(field.value, FIELD_VALUE_MAX)
        embed = embeds[-1]
        # room for a digest's mark (adapters/discord/marks.py) is kept in every embed
        size = len(embed) + len(name) + len(value) + last_footer
        fits = size <= EMBED_CHARS_PER_MESSAGE - MARK_ROOM
        if len(embed.fields) == FIELDS_MAX or not fits:
            continued = clamp(title, TITLE_MAX - len(CONTINUED)) + CONTINUED
            embed = discord.Embed(title=continued, colour=COLOUR)
            embeds.append(embed)
        embed.add_field(name=name, value=value, inline=False)
    if footer:
        embeds[-1].set_footer(text=footer)
    return embeds


def _split_field(name: str, escaped_value: str) -> list[_Field]:
    chunks = split(escaped_value, FIELD_VALUE_MAX)
    return [_Field(name if i == 0 else f"{name}{CONTINUED}", c) for i, c in enumerate(chunks)]


def _reason_fields(reasons: Sequence[str]) -> list[_Field]:
    if not reasons:
        return []
    return _split_field("Why this paper", "\n".join(f"• {escape(one_line(r))}" for r in reasons))


def _authors_fields(authors: Sequence[str]) -> list[_Field]:
    """Names until the field is full, then "and N more": the count keeps the cut visible."""
    if not authors:
        return []
    shown: list[str] = []
    for i, raw in enumerate(authors[: compact.THREAD_AUTHORS_MAX]):
        name = fit(one_line(raw), AUTHOR_NAME_MAX)
        more = len(authors) - i - 1
        tail = f", and {more} more" if more else ""
        candidate = ", ".join([*shown, name])
        if len(candidate) + len(tail) + 20 > FIELD_VALUE_MAX:  # room for the longest tail
            break
        shown.append(name)
    hidden = len(authors) - len(shown)
    value = ", ".join(shown) + (f", and {hidden} more" if hidden else "")
    return [_Field("Authors", value)]


def _links_fields(paper: Paper) -> list[_Field]:
    """The links, " · " apart, continued in a second field rather than cut inside one."""
    links: list[tuple[str, str | None]] = [
        ("arXiv", paper.arxiv_url),
        ("PDF", paper.pdf_url),
        ("Hugging Face", paper.hf_url),
        ("Code", paper.github_repo),
        ("Project page", paper.project_page),
    ]
    values = [""]
    for label, raw in links:
        url = safe_url(raw)  # at most MAX_URL_CHARS, so one link always fits a field
        if url is None:
            continue
        shown = f"[{label}]({url})"
        if values[-1] and len(values[-1]) + 3 + len(shown) > FIELD_VALUE_MAX:
            values.append("")
        values[-1] = f"{values[-1]} · {shown}" if values[-1] else shown
    names = ["Links", *[f"Links{CONTINUED}"] * (len(values) - 1)]
    return [_Field(name, value) for name, value in zip(names, values, strict=True) if value]


def _stats_line(paper: Paper) -> str:
    stats = [f"▲ {compact.upvotes(paper)}"]
    if comments := compact.comments(paper):
        stats.append(f"💬 {comments}")
    if stars := compact.stars(paper):
        stats.append(f"★ {stars}")
    if paper.organization:
        stats.append(fit(one_line(paper.organization), 100))
    return " · ".join(stats)
