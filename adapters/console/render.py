"""Pure: a command's Reply as terminal text.

No markup to escape on a terminal, but paper text comes from the internet: control and
bidi-override characters (ANSI escape sequences could rewrite the screen) are dropped before
printing (`bot.text.untrusted.clean_text`). The times a reply states are marked
(`bot.records.instants`); a terminal has no reader's zone, so each is written out in the
zone the marker names.
"""

from __future__ import annotations

from bot.digest.text import render_paper_text, render_papers_list_text, render_text
from bot.records.chat import CLOSE_MATCHES, Reply
from bot.records.instants import plain_text, render_marked
from bot.text.untrusted import clean_text


def render_reply(reply: Reply) -> str:
    """The whole answer: its text, then the digest or the papers it carries."""
    text = reply_text(reply)
    parts = [("Error: " if reply.is_error else "") + text] if text else []
    if reply.digest is not None:
        # The digest's own header says what it is; a text of its own (the source is down,
        # this is the newest list stored) comes first.
        said = [] if reply.text == reply.digest.title else [text]
        parts = [*said, render_text(reply.digest)]
    elif is_one_paper(reply):
        parts = [render_paper_text(reply.papers[0])]  # the card starts with the title
    elif reply.papers:
        parts.append(render_papers_list_text(reply.papers, why=reply.why))
    if reply.close_papers:
        start = len(reply.papers) + 1
        parts.append(f"{CLOSE_MATCHES}:")
        parts.append(render_papers_list_text(reply.close_papers, start=start))
    listed = reply.papers or reply.close_papers
    return strip_control(("\n\n" if listed else "\n").join(parts))


def reply_text(reply: Reply) -> str:
    """The reply's own text, its times in words with their zone; any stray marker
    delimiter is dropped with the control characters."""
    return render_marked(reply.text, clean_text, plain_text)


def is_one_paper(reply: Reply) -> bool:
    """`show`'s answer (its text is the paper's title): the whole card. Lists (`top`,
    `saved`, `search`, `similar`) stay lists with one paper in them too."""
    papers = reply.papers
    return len(papers) == 1 and not reply.close_papers and reply.text == papers[0].title


def strip_control(text: str) -> str:
    return clean_text(text)
