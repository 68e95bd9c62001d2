"""Pure: a digest's papers as compact Discord embeds, and their details for the thread.

A digest message carries its header in the message content (not counted in the 6,000
characters of its embeds) and one small embed per paper: the title linked to Hugging Face
with its upvotes, a byline (three authors and the organisation), the one-sentence summary,
one line of links and the counts that tell something, and why it matched. The summaries
share what the rest leaves of the 6,000, so a usual day of up to ten papers is one message.
Abstracts, full author lists, keywords and linked artifacts go in the digest's thread, one
embed per paper (`detail_embeds`). Every paper text is escaped (`text.escape`/`fit`).
"""

from __future__ import annotations

from collections.abc import Sequence

import discord

from adapters.discord.text import ELLIPSIS, clamp, escape, fit, safe_url
from bot.digest import compact
from bot.records.digest import FOR_YOU, Digest, DigestEntry, PostedIn
from bot.text.untrusted import one_line

TITLE_MAX = 256
DESCRIPTION_MAX = 4096
CONTENT_MAX = 2000
EMBEDS_PER_MESSAGE = 10
SUMMARY_MAX = 320  # a summary's share when there is room (ai_summary is one sentence)
SUMMARY_MIN = 90  # below this a summary says too little: the digest takes two messages
BYLINE_MAX = 200
COMPACT_URL_MAX = 300  # a longer link would crowd the card: it is in the thread instead
ABSTRACT_MAX = 2400
COLOUR = discord.Colour(0xFFD21E)  # the Hugging Face yellow
SEPARATOR = " · "


def header_content(digest: Digest, part: tuple[int, int] | None = None) -> str:
    """The message content above the papers: the title (and part), counts, topics, and
    what trending means, as Discord markdown within the 2,000 characters of content."""
    title = escape(digest.title) + (f" (part {part[0]} of {part[1]})" if part else "")
    lines = [f"**{title}**"]
    if part is not None and part[0] > 1:
        return clamp(lines[0], CONTENT_MAX)
    if digest.is_empty:
        lines.append(escape(digest.empty_reason or "No papers made the list for this day."))
    else:
        count = compact.plural(len(digest.entries), "paper")
        total = digest.total_candidates
        lines.append(count + (f" from {total:,} on the day's list" if total else ""))
    if digest.topics:
        lines.append("Topics: " + escape(", ".join(one_line(str(t)) for t in digest.topics)))
    lines.append("-# " + escape(digest.trending_definition))
    return clamp("\n".join(lines), CONTENT_MAX)


def compact_embeds(entries: Sequence[DigestEntry], budget: int) -> list[discord.Embed]:
    """One embed per entry; the summaries share what the rest leaves of `budget`."""
    room = SUMMARY_MAX
    if 0 < len(entries) <= EMBEDS_PER_MESSAGE:
        bare = sum(len(entry_embed(e, 0)) for e in entries)
        with_summary = [e for e in entries if e.summary.strip()]
        share = (budget - bare) // max(len(with_summary), 1) - 1  # 1: the line break
        room = min(SUMMARY_MAX, share) if share >= SUMMARY_MIN else SUMMARY_MAX
    return [entry_embed(e, room) for e in entries]


def entry_embed(entry: DigestEntry, summary_room: int) -> discord.Embed:
    """One paper, compact. `summary_room` 0 leaves the summary out (to measure the rest)."""
    paper = entry.paper
    suffix = f"{SEPARATOR}▲ {compact.upvotes(paper)}"
    if rise := compact.risen(entry.risen):  # a settled post: how much it rose since
        suffix += f" ({rise})"
    title = fit(f"{entry.rank}. {one_line(paper.title)}", TITLE_MAX - len(suffix)) + suffix
    lines = []
    if byline := compact.byline(paper):
        lines.append(fit(byline, BYLINE_MAX))
    if summary_room and entry.summary.strip():
        lines.append(fit(one_line(entry.summary), summary_room))
    lines.append(links_line(entry))
    if entry.posted_in is not None:  # a DM digest: the paper is shown in full there
        lines.append(posted_in_line(entry.posted_in))
    if entry.reasons:
        why = escape(", ".join(one_line(r) for r in entry.reasons))
        lines.append(f"*Why:* {why}")
    embed = discord.Embed(title=title, url=paper.hf_url, colour=COLOUR)
    embed.description = _clamp_lines(lines, DESCRIPTION_MAX)
    if entry.for_you:  # a DM digest's "For you" section: each pick says so above its title
        embed.set_author(name=FOR_YOU)
    if thumbnail := compact.thumbnail(paper, entry.rank):
        embed.set_thumbnail(url=thumbnail)
    return embed


def posted_in_line(where: PostedIn) -> str:
    """ "Posted in #nlp" (Discord shows the channel's name for `<#id>`) and a link there."""
    guild, channel, message = where.channel.workspace, where.channel.channel_id, where.message_id
    if not (guild.isdigit() and channel.isdigit() and message.isdigit()):
        return "*Posted in one of your channels today.*"
    url = f"https://discord.com/channels/{guild}/{channel}/{message}"
    return f"*Posted in <#{channel}> today:* [see it there]({url})"


def links_line(entry: DigestEntry) -> str:
    """arXiv · PDF · Code (stars) · Project, then comments and linked artifacts if any."""
    paper = entry.paper
    items = [_link("arXiv", paper.arxiv_url), _link("PDF", paper.pdf_url)]
    if code := _link("Code", paper.github_repo):
        stars = compact.stars(paper)
        items.append(f"{code} ★ {stars}" if stars else code)
    items.append(_link("Project", paper.project_page))
    if comments := compact.comments(paper):
        items.append(f"💬 {comments}")
    artifacts = [_link(label, url) for label, url in compact.artifact_counts(entry.artifacts)]
    if any(artifacts):
        items.append("🤗 " + SEPARATOR.join(a for a in artifacts if a))
    return SEPARATOR.join(item for item in items if item)


def detail_embed(entry: DigestEntry) -> discord.Embed:
    """The thread's card for one paper: abstract, authors (capped), keywords, artifacts."""
    paper = entry.paper
    title = fit(f"{entry.rank}. {one_line(paper.title)}", TITLE_MAX)
    embed = discord.Embed(title=title, url=paper.hf_url, colour=COLOUR)
    embed.description = fit(one_line(paper.abstract), ABSTRACT_MAX)
    _field(embed, "Authors", compact.capped_authors(paper.authors))
    _field(embed, "Keywords", compact.keywords(paper))
    artifacts = [_link(repo, url) for repo, url in compact.artifact_links(entry.artifacts)]
    counts = ", ".join(label for label, _ in compact.artifact_counts(entry.artifacts))
    if any(artifacts):
        embed.add_field(name=f"On Hugging Face: {counts}", value=_join_within(artifacts, 1024))
    long_links = [
        _link(label, url, limit=1000)
        for label, url in (("Code", paper.github_repo), ("Project", paper.project_page))
        if (safe_url(url) or "") and len(safe_url(url) or "") > COMPACT_URL_MAX
    ]
    if any(long_links):
        embed.add_field(name="Links", value=_join_within(long_links, 1024))
    return embed


def _field(embed: discord.Embed, name: str, plain: str) -> None:
    if plain:
        embed.add_field(name=name, value=fit(plain, 1024), inline=False)


def _link(label: str, url: str | None, *, limit: int = COMPACT_URL_MAX) -> str:
    safe = safe_url(url)
    if safe is None or len(safe) > limit:
        return ""
    return f"[{escape(label)}]({safe})"


def _join_within(items: Sequence[str], limit: int) -> str:
    """Items " · " apart, as many as fit `limit` whole (a cut link would show as markup)."""
    text = ""
    for item in items:
        if not item:
            continue
        candidate = f"{text}{SEPARATOR}{item}" if text else item
        if len(candidate) > limit - len(ELLIPSIS) - 3:
            return text + SEPARATOR + ELLIPSIS if text else ELLIPSIS
        text = candidate
    return text


def _clamp_lines(lines: Sequence[str], limit: int) -> str:
    """Whole lines within `limit`: a line that would pass it (and every one after) goes,
    so no markdown link is cut in half; the first line is clamped if it alone is too long."""
    kept: list[str] = []
    for line in lines:
        if len("\n".join([*kept, line])) > limit:
            break
        kept.append(line)
    return "\n".join(kept) if kept else clamp(lines[0], limit)
