"""Pure text helpers for Discord: escape paper text, fit it to a limit, split long text.

Everything that reaches Discord from paper data or user input goes through `escape`, so
markdown in a title stays literal and `@everyone` or `<@id>` can never become a mention
(the messages are also sent with no allowed mentions: two independent guards).

`discord.utils.escape_markdown` escapes only the first `[` of a line's masked links and
leaves `<` alone, so `escape` backslash-escapes every `[`, `]` and `<` itself: no masked
link, and none of Discord's `<...>` tokens (channel `<#id>`, timestamp `<t:1:R>`, command
`</name:id>`, emoji `<:name:id>` / `<a:name:id>`, mention `<@id>`, guide `<id:...>`) can
form. Discord shows a backslash-escaped `<`, `[` or `]` as the bare character.

The times the core states are marked (`bot.records.instants`): `escape_marked` escapes the
text around them and makes each a timestamp, `<t:UNIX:f>` (`<t:UNIX:t>` for a time of day),
which Discord shows in the reader's own zone. Only a marker becomes one: a `<t:...>` in
the text itself is escaped like any other.
"""

from __future__ import annotations

from urllib.parse import quote, urlsplit

from discord.utils import escape_markdown, escape_mentions

from bot.records.instants import Instant, render_marked
from bot.text.untrusted import clean_text

ELLIPSIS = "…"
MAX_URL_CHARS = 1000  # a longer link is not shown: it could not fit a field with its label

# Stand-ins (private-use characters) that hide `[`, `]` and `<` from escape_markdown, so
# each comes back with exactly one backslash, inside URLs too.
_HIDDEN = {"[": "\ue000", "]": "\ue001", "<": "\ue002"}


def escape(text: str) -> str:
    """Markdown, masked links, `<...>` tokens and mentions made literal; control and
    bidi-override characters dropped (`bot.text.untrusted`); whitespace runs kept as they are."""
    text = clean_text(text)
    for char in _HIDDEN.values():  # the stand-ins themselves, if the text had any, go
        text = text.replace(char, "")
    for char, hidden in _HIDDEN.items():
        text = text.replace(char, hidden)
    escaped = escape_markdown(text)
    for char, hidden in _HIDDEN.items():
        escaped = escaped.replace(hidden, "\\" + char)
    return escape_mentions(escaped)


def escape_marked(text: str) -> str:
    """`escape(text)`, but each marked time becomes a timestamp in the reader's zone."""
    return render_marked(text, escape, timestamp)


def timestamp(instant: Instant) -> str:
    """`<t:1787555700:f>`: `Monday, 24 August 2026 09:15` or as the reader's locale says."""
    return f"<t:{instant.unix}:{instant.style.value}>"


def clamp(escaped: str, limit: int) -> str:
    """Already-escaped text within `limit`: the last guard before Discord, which answers 400
    to anything longer. Cut with a visible ellipsis, never after an escaping backslash."""
    if len(escaped) <= limit:
        return escaped
    at = max(limit - len(ELLIPSIS), 0)
    while at > 0 and _ends_with_open_escape(escaped[:at]):
        at -= 1
    return escaped[:at] + ELLIPSIS


def cut_at_word(text: str, max_chars: int) -> str:
    """At most `max_chars` of `text`, cut at the last space when there is one in reach."""
    if len(text) <= max_chars:
        return text
    head = text[:max_chars]
    space = head.rfind(" ")
    return (head[:space] if space > max_chars // 2 else head).rstrip()


def fit(text: str, limit: int) -> str:
    """`text` escaped and within `limit` characters.

    When it must be shortened it is cut at a word boundary and ends with an ellipsis, so
    the cut is visible; callers that must not lose text use `split` instead.
    """
    escaped = escape(text)
    if len(escaped) <= limit:
        return escaped
    budget = limit - len(ELLIPSIS)
    while budget > 0:
        candidate = escape(cut_at_word(text, budget)) + ELLIPSIS
        if len(candidate) <= limit:
            return candidate
        budget -= max(1, len(candidate) - limit)  # escapes grew it: shrink the plain text
    return ELLIPSIS


def split(escaped: str, limit: int) -> list[str]:
    """Already-escaped text as consecutive chunks of at most `limit` characters, none lost.

    Cuts prefer a line break, then a space; a forced cut never separates a backslash from
    the character it escapes.
    """
    chunks: list[str] = []
    rest = escaped
    while len(rest) > limit:
        at = _split_point(rest, limit)
        chunks.append(rest[:at].rstrip())
        rest = rest[at:].lstrip("\n ")
    if rest or not chunks:
        chunks.append(rest)
    return chunks


def _split_point(text: str, limit: int) -> int:
    for sep in ("\n", " "):
        at = text.rfind(sep, 0, limit + 1)
        if at > limit // 2:
            return at
    at = limit
    while at > 1 and _ends_with_open_escape(text[:at]):
        at -= 1
    return at


def _ends_with_open_escape(text: str) -> bool:
    trailing = len(text) - len(text.rstrip("\\"))
    return trailing % 2 == 1


def safe_url(url: str | None) -> str | None:
    """An http(s) URL safe inside a markdown link `[x](url)`, or None if it is not one."""
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme not in ("http", "https") or not parts.netloc:
        return None
    # Brackets, spaces and angle brackets would end the link early or break the markup.
    quoted = quote(url, safe=":/?#@!$&*+,;=%~-._")
    return quoted if len(quoted) <= MAX_URL_CHARS else None
