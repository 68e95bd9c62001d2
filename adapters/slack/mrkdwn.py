"""Slack mrkdwn text: escaping, safe links, and splitting without cutting a link. Pure."""

from __future__ import annotations

import re
from collections.abc import Iterable

MAX_SECTION_CHARS = 3000  # per section text
MAX_URL_CHARS = 1000

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")
_ATOM = re.compile(r"<[^<>]*>|\n|[^\S\n]+|[^\s<]+|<")


# ---------------------------------------------------------------- escaping and links


def escape(text: str) -> str:
    """Slack's three control characters; `&` first so nothing is escaped twice."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def safe_url(url: str | None) -> str | None:
    """An http(s) URL fit for `<url|label>`, or None when it cannot be made safe."""
    if not url:
        return None
    url = url.strip()
    if not url.lower().startswith(("https://", "http://")) or len(url) > MAX_URL_CHARS:
        return None
    if any(ch.isspace() for ch in url):
        return None
    # `|` would end the URL part and `<`/`>` the link itself; `&` is escaped like any text.
    return url.replace("&", "&amp;").replace("<", "%3C").replace(">", "%3E").replace("|", "%7C")


def link(url: str | None, label: str) -> str:
    """`<url|label>` with the label escaped; the bare escaped label when the URL is unsafe."""
    target = safe_url(url)
    text = escape(label)
    return f"<{target}|{text}>" if target else text


# ---------------------------------------------------------------- splitting


def split_mrkdwn(text: str, limit: int = MAX_SECTION_CHARS) -> list[str]:
    """Split mrkdwn into chunks of at most `limit` characters, preferring line breaks.

    A `<...>` link is never cut; a word longer than `limit` is cut, but never inside an
    `&amp;`-style entity. Nothing is dropped: the chunks joined hold every visible character.
    """
    chunks: list[str] = []
    current = ""
    for atom in _atoms(text, limit):
        if len(current) + len(atom) <= limit:
            current += atom
            continue
        head, tail = _break_at_newline(current, limit)
        if head.strip():
            chunks.append(head.rstrip())
        current = tail + atom
        if len(current) > limit:  # the moved line and the atom do not fit together
            if tail.strip():
                chunks.append(tail.rstrip())
            current = atom
        current = current.lstrip()
    if current.strip():
        chunks.append(current.rstrip())
    return chunks


def _atoms(text: str, limit: int) -> Iterable[str]:
    for atom in _ATOM.findall(text):
        if len(atom) <= limit:
            yield atom
        else:
            yield from _hard_split(atom, limit)


def _hard_split(word: str, limit: int) -> Iterable[str]:
    while len(word) > limit:
        cut = limit
        amp = word.rfind("&", max(0, cut - 6), cut)
        if amp > 0 and ";" not in word[amp:cut]:
            cut = amp  # do not split "&amp;" into "&am" + "p;"
        yield word[:cut]
        word = word[cut:]
    if word:
        yield word


def _break_at_newline(current: str, limit: int) -> tuple[str, str]:
    """Move the last partial line to the next chunk when that keeps chunks reasonably full."""
    newline = current.rfind("\n")
    if newline > limit // 2:
        return current[:newline], current[newline + 1 :]
    return current, ""


def is_user_id(value: str) -> bool:
    """A Slack user id as Slack sends it (U… or W…), safe to put in `<@…>`."""
    return bool(_USER_ID.match(value))
