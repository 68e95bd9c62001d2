"""Digest and Reply -> Slack Block Kit. Pure: no I/O, no slack_sdk, unit-tested against limits.

Every piece of paper text goes through `escape` (`&`, `<`, `>`, and `*`, `_`, `~`, `` ` ``
shown literally: see adapters/slack/mrkdwn.py), so no title, abstract or author can form a
link, a mention, `<!channel>` or formatting; titles, names, keywords and topics are put on
one line first. mrkdwn objects are `verbatim` so Slack does not auto-link either. Long
text is split into several sections and several messages, never cut silently and never
inside a `<url|label>` link or a `<!date…>` token.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from adapters.slack.buttons import paper_actions, personal_actions
from adapters.slack.mrkdwn import (
    MAX_SECTION_CHARS,
    escape,
    escape_marked,
    is_user_id,
    link,
    safe_url,
    split_mrkdwn,
)
from bot.digest import compact
from bot.digest.summary import summarize
from bot.records.chat import CLOSE_MATCHES, Reply, Visibility
from bot.records.digest import FOR_YOU, Digest, DigestEntry, PostedIn
from bot.records.models import Paper, PaperArtifacts
from bot.text.untrusted import one_line

MAX_BLOCKS = 50  # per message
MAX_HEADER_CHARS = 150
MAX_FALLBACK_CHARS = 3000  # the `text` fallback (notifications)
MESSAGE_CHARS_BUDGET = 12_000  # block text per message, to stay clear of msg_blocks_too_long
MAX_LINKED_TITLE_CHARS = 1000  # a longer title is shown in bold without the link
SEPARATOR = " · "

Block = dict[str, Any]


@dataclass(frozen=True, slots=True)
class SlackMessage:
    """One message: Block Kit blocks and the plain `text` fallback (already escaped)."""

    text: str
    blocks: tuple[Block, ...]


@dataclass(frozen=True, slots=True)
class DigestPart:
    """A top-level digest message, the replies for its thread, and the papers it shows."""

    message: SlackMessage
    thread: tuple[SlackMessage, ...]
    arxiv_ids: tuple[str, ...]


# ---------------------------------------------------------------- blocks


def mrkdwn(text: str) -> dict[str, Any]:
    return {"type": "mrkdwn", "text": text, "verbatim": True}


def sections(text: str) -> list[Block]:
    """One or more section blocks holding all of `text` (mrkdwn, already escaped)."""
    return [{"type": "section", "text": mrkdwn(chunk)} for chunk in split_mrkdwn(text)]


def context(text: str) -> list[Block]:
    """A small-print context block; falls back to sections for text over a section's size."""
    if len(text) > MAX_SECTION_CHARS:
        return sections(text)
    return [{"type": "context", "elements": [mrkdwn(text)]}]


def header(title: str) -> list[Block]:
    """A header block (plain text, so no markup), or a bold section if the title is long."""
    if len(title) <= MAX_HEADER_CHARS:
        return [{"type": "header", "text": {"type": "plain_text", "text": title, "emoji": True}}]
    return sections(f"*{escape(title)}*")


def divider() -> Block:
    return {"type": "divider"}


def block_chars(block: Block) -> int:
    """How much text a block carries (for the per-message budget)."""
    if "text" in block:
        return len(block["text"]["text"])
    return sum(len(e.get("text", "")) for e in block.get("elements", ()))


def pack(
    units: Sequence[Sequence[Block]], *, max_blocks: int = MAX_BLOCKS
) -> list[list[tuple[int, Block]]]:
    """Pack groups of blocks into messages of ≤ `max_blocks` blocks and the char budget.

    Each block comes back with the index of its group, so callers know which group (paper)
    landed in which message. A group stays in one message unless it alone is too big.
    """
    messages: list[list[tuple[int, Block]]] = []
    current: list[tuple[int, Block]] = []
    for index, unit in enumerate(units):
        if current and not _fits(current, unit, max_blocks):
            messages.append(current)
            current = []
        for block in unit:
            if current and not _fits(current, [block], max_blocks):
                messages.append(current)
                current = []
            current.append((index, block))
    if current:
        messages.append(current)
    return messages


def _fits(current: Sequence[tuple[int, Block]], more: Sequence[Block], max_blocks: int) -> bool:
    if len(current) + len(more) > max_blocks:
        return False
    chars = sum(block_chars(b) for _, b in current) + sum(block_chars(b) for b in more)
    return chars <= MESSAGE_CHARS_BUDGET


def fallback(lead: str, items: Sequence[str]) -> str:
    """`lead: a; b; c` within MAX_FALLBACK_CHARS, saying plainly what was left out.

    The fallback is only the notification text: the blocks carry everything in full.
    """
    text = clip(lead, MAX_FALLBACK_CHARS)
    for shown, item in enumerate(items):
        extra = ("; " if shown else ": ") + item
        more = f" … and {len(items) - shown} more"
        if len(text) + len(extra) + len(more) > MAX_FALLBACK_CHARS:
            return text + more
        text += extra
    return text


def clip(text: str, limit: int) -> str:
    """`text` if it fits, else its first words with a visible "…" (never mid-entity or
    mid-token: a cut `<!date…>` or `<url|…>` would show as markup)."""
    if len(text) <= limit:
        return text
    cut = text.rfind(" ", 0, limit - 1)
    cut = cut if cut > 0 else limit - 1
    amp = text.rfind("&", 0, cut)
    if amp >= 0 and ";" not in text[amp:cut] and cut - amp < 6:
        cut = amp
    opened = text.rfind("<", 0, cut)
    if opened > text.rfind(">", 0, cut):
        cut = opened
    return text[:cut] + "…"


# ---------------------------------------------------------------- papers


def paper_text(
    paper: Paper,
    rank: int,
    summary: str,
    reasons: Sequence[str] = (),
    artifacts: PaperArtifacts | None = None,
    risen: int = 0,
) -> str:
    """One paper as compact mrkdwn: the linked title with its upvotes (and, in a settled
    post, how much they rose), a byline, the summary, one line of links and telling
    counts, and why it matched."""
    title = f"{rank}. {one_line(paper.title)}"
    linked = link(paper.hf_url, title)
    heading = f"*{linked}*" if len(linked) <= MAX_LINKED_TITLE_CHARS else f"*{escape(title)}*"
    lines = [f"{heading}  ▲ {compact.upvotes(paper)}"]
    if rise := compact.risen(risen):
        lines[0] += f"  _({rise})_"
    if byline := compact.byline(paper):
        lines.append(escape(byline))
    if summary:
        lines.append(escape(summary))
    lines.append(_links(paper, artifacts))
    if reasons:
        lines.append("_Why:_ " + escape(", ".join(one_line(r) for r in reasons)))
    return "\n".join(lines)


def _links(paper: Paper, artifacts: PaperArtifacts | None) -> str:
    """arXiv · PDF · Code (stars) · Project, then comments and linked artifacts if any."""
    items = [link(paper.arxiv_url, "arXiv"), link(paper.pdf_url, "PDF")]
    if safe_url(paper.github_repo):
        stars = compact.stars(paper)
        code = link(paper.github_repo, "Code")
        items.append(f"{code} :star: {stars}" if stars else code)
    if safe_url(paper.project_page):
        items.append(link(paper.project_page, "Project"))
    if comments := compact.comments(paper):
        items.append(f":speech_balloon: {comments}")
    counts = compact.artifact_counts(artifacts)
    if counts:
        items.append(":hugging_face: " + SEPARATOR.join(link(url, label) for label, url in counts))
    return SEPARATOR.join(items)


def abstract_text(entry: DigestEntry) -> str:
    """The thread reply for one paper: title, authors (capped), keywords, linked artifacts,
    and the whole abstract."""
    paper = entry.paper
    lines = [
        f"*{escape(f'{entry.rank}. {one_line(paper.title)}')}*",
        f"*Authors:* {escape(compact.capped_authors(paper.authors))}",
    ]
    if keywords := compact.keywords(paper):
        lines.append(f"*Keywords:* {escape(keywords)}")
    repos = compact.artifact_links(entry.artifacts)
    if repos:
        lines.append("*On Hugging Face:* " + SEPARATOR.join(link(u, r) for r, u in repos))
    lines.append(escape(paper.abstract.strip()))
    return "\n".join(lines)


def with_thumbnail(blocks: list[Block], entry: DigestEntry) -> list[Block]:
    """The entry's first section with Hugging Face's thumbnail beside it (top papers only)."""
    url = compact.thumbnail(entry.paper, entry.rank)
    if url is None or not blocks or blocks[0]["type"] != "section":
        return blocks
    image = {"type": "image", "image_url": url, "alt_text": "paper thumbnail"}
    return [{**blocks[0], "accessory": image}, *blocks[1:]]


# ---------------------------------------------------------------- digest


def render_digest(
    digest: Digest, counts: Mapping[str, int] | None = None
) -> tuple[DigestPart, ...]:
    """The digest as one or more top-level messages, each with its papers' abstracts;
    `counts` are the channel's 👍 votes by arXiv id, shown on each paper's buttons."""
    lead = _digest_lead(digest)
    if digest.is_empty:
        reason = digest.empty_reason or "No papers matched today."
        text = clip(escape(f"{digest.title}: {reason}"), MAX_FALLBACK_CHARS)
        return (DigestPart(SlackMessage(text, (*lead, *sections(escape(reason)))), (), ()),)
    units = [lead, *(_entry_blocks(entry, counts or {}, digest) for entry in digest.entries)]
    # one block is kept free in every message for the "continued" line
    packed = pack(units, max_blocks=MAX_BLOCKS - 1)
    seen: set[int] = set()
    parts = []
    for index, message in enumerate(packed):
        # a paper belongs to the message where its first block landed
        new = [u for u in dict.fromkeys(u for u, _ in message) if u > 0 and u not in seen]
        seen.update(new)
        entries = [digest.entries[u - 1] for u in new]
        blocks = _trim_divider([block for _, block in message])
        if index > 0:
            note = f"_{escape(digest.title)}, continued ({index + 1}/{len(packed)})_"
            blocks = [*context(note), *blocks]
        parts.append(_digest_part(digest, blocks, entries, index, len(packed)))
    return tuple(parts)


def render_settled(
    posted: Digest, settled: Digest, counts: Mapping[str, int] | None = None
) -> tuple[SlackMessage, ...]:
    """`settled` laid out as `posted` went out: one message per part of `posted`, each with
    the same papers in the same order (new counts, rises marked), for `chat.update`."""
    parts = render_digest(posted)
    by_id = {entry.paper.arxiv_id: entry for entry in settled.entries}
    messages = []
    for index, part in enumerate(parts):
        entries = [by_id[arxiv_id] for arxiv_id in part.arxiv_ids if arxiv_id in by_id]
        if index == 0:
            blocks = _digest_lead(settled)
        else:
            note = f"_{escape(settled.title)}, continued ({index + 1}/{len(parts)})_"
            blocks = context(note)
        for entry in entries:
            blocks = [*blocks, *_entry_blocks(entry, counts or {}, settled)]
        messages.append(_digest_part(settled, blocks, entries, index, len(parts)).message)
    return tuple(messages)


def render_late_additions(digest: Digest) -> SlackMessage:
    """The late-additions reply in a digest's thread: a note, then the papers (as many as
    one message holds: a channel's maximum is far below it). A digest with a `heading` and
    no papers is a follow-up reply (bot/lifecycle/followups.py): its heading, escaped, is all of
    it."""
    if digest.heading is not None and not digest.entries:
        text = escape(digest.heading)
        return SlackMessage(clip(text, MAX_FALLBACK_CHARS), tuple(sections(text)))
    note = "*Late additions:* papers that joined the day's list after this digest went out"
    units = [context(note), *(_entry_blocks(entry, {}, digest) for entry in digest.entries)]
    first = pack(units, max_blocks=MAX_BLOCKS)[0]
    entries = [digest.entries[u - 1] for u in dict.fromkeys(u for u, _ in first) if u > 0]
    text = fallback("Late additions", _titles(entries))
    return SlackMessage(text, tuple(block for _, block in first))


def _digest_lead(digest: Digest) -> list[Block]:
    lines = [escape(digest.trending_definition)]
    if digest.topics:
        lines.append("Topics: " + escape(", ".join(one_line(str(t)) for t in digest.topics)))
    if digest.total_candidates:
        lines.append(f"{len(digest.entries)} of {digest.total_candidates} papers on the day's list")
    return [*header(digest.title), *context("\n".join(lines))]


def _entry_blocks(entry: DigestEntry, counts: Mapping[str, int], digest: Digest) -> list[Block]:
    """One paper's blocks; the first "For you" pick of a DM digest opens that section with
    its heading (in the paper's unit, so the heading never ends a message alone)."""
    text = paper_text(
        entry.paper, entry.rank, entry.summary, entry.reasons, entry.artifacts, entry.risen
    )
    if entry.posted_in is not None:  # a DM digest: the paper is shown in full there
        text += "\n" + posted_in_text(entry.posted_in)
    arxiv_id = entry.paper.arxiv_id
    heading = header(FOR_YOU) if arxiv_id == digest.first_pick else []
    buttons = personal_actions(arxiv_id) if digest.personal else paper_actions(arxiv_id, counts)
    # the buttons row ends the paper in place of a divider: the block count stays as it was
    return [*heading, *with_thumbnail(sections(text), entry), *buttons]


def posted_in_text(where: PostedIn) -> str:
    """ "Posted in #nlp" (Slack shows the channel's name for `<#id>`) and a link there."""
    channel, ts = where.channel.channel_id, where.message_id
    if not _SLACK_ID.fullmatch(channel) or not _SLACK_TS.fullmatch(ts):
        return "_Posted in one of your channels today._"
    url = f"https://slack.com/archives/{channel}/p{ts.replace('.', '')}"
    return f"_Posted in <#{channel}> today:_ {link(url, 'see it there')}"


_SLACK_ID = re.compile(r"[A-Z0-9]{1,20}")
_SLACK_TS = re.compile(r"\d{1,12}\.\d{1,8}")


def _trim_divider(blocks: list[Block]) -> list[Block]:
    return blocks[:-1] if len(blocks) > 1 and blocks[-1]["type"] == "divider" else blocks


def _digest_part(
    digest: Digest, blocks: list[Block], entries: list[DigestEntry], index: int, total: int
) -> DigestPart:
    lead = escape(digest.title) + (f" ({index + 1}/{total})" if total > 1 else "")
    text = fallback(lead, _titles(entries))
    ids = tuple(e.paper.arxiv_id for e in entries)
    return DigestPart(SlackMessage(text, tuple(blocks)), _thread(entries), ids)


def _titles(entries: Sequence[DigestEntry]) -> list[str]:
    return [escape(f"{e.rank}. {one_line(e.paper.title)}") for e in entries]


def _thread(entries: Sequence[DigestEntry]) -> tuple[SlackMessage, ...]:
    """Abstracts and authors, packed into as few thread replies as the limits allow."""
    units = [[*sections(abstract_text(e)), divider()] for e in entries]
    replies = []
    for message in pack(units):
        blocks = _trim_divider([block for _, block in message])
        shown = [entries[unit] for unit in dict.fromkeys(unit for unit, _ in message)]
        text = fallback("Abstracts and authors", _titles(shown))
        replies.append(SlackMessage(text, tuple(blocks)))
    return tuple(replies)


# ---------------------------------------------------------------- command replies


def render_reply(reply: Reply, *, actor_id: str = "") -> tuple[SlackMessage, ...]:
    """A command's answer as one or more messages (a digest reply has no thread here)."""
    prefix = ":warning: " if reply.is_error else ""
    units: list[list[Block]] = []
    repeats_title = reply.digest is not None and reply.text == reply.digest.title
    if reply.text and not repeats_title:  # the digest's own header says it already
        units.append(sections(prefix + escape_marked(reply.text)))
    if reply.visibility is Visibility.CHANNEL and is_user_id(actor_id):
        units.append(context(f"Changed by <@{actor_id}>"))
    units.extend(_reply_paper(p, rank, reply) for rank, p in enumerate(reply.papers, 1))
    if reply.close_papers:
        units.append(sections(f"*{CLOSE_MATCHES}*"))
        units.extend(
            _reply_paper(p, rank, reply)
            for rank, p in enumerate(reply.close_papers, len(reply.papers) + 1)
        )
    messages = [
        SlackMessage(
            fallback(escape_marked(reply.text) or "paperbot", []),
            tuple(_trim_divider([b for _, b in m])),
        )
        for m in pack(units)
    ]
    if reply.digest is not None:
        parts = render_digest(reply.digest, reply.vote_counts)
        messages.extend(part.message for part in parts)
    return tuple(messages) or (SlackMessage("paperbot", tuple(sections("Done."))),)


def _reply_paper(paper: Paper, rank: int, reply: Reply) -> list[Block]:
    text = paper_text(paper, rank, summarize(paper), reply.reasons(rank - 1))
    return [*sections(text), *paper_actions(paper.arxiv_id, reply.vote_counts)]
