"""Slack mrkdwn text: escaping, safe links, and splitting without cutting a link. Pure.

Slack has an escape for `&`, `<` and `>` only. Its formatting characters `*`, `_`, `~` and
`` ` `` have none, so paper text holding them ("A* search", "~10x", `code`) would turn bold,
italic, struck or monospace. `escape` puts each run of them in the fallback text of a date
token with an invalid date, `<!date^00000000^{_}|*>`, which Slack always shows as the plain
text it carries (the approach of jsx-slack's `<Escape>`; the token pings no one). A token
cannot sit inside a link's label, so `link` uses look-alike characters there instead.

The times the core states are marked (`bot.records.instants`); `escape_marked` escapes the
text around them and makes each a real date token, `<!date^UNIX^{date_short_pretty} {time}|
Mon 24 Aug 2026 07:15 UTC>`, which Slack shows in the reader's own zone (the UTC fallback
where it cannot).
"""

from __future__ import annotations

import re
from collections.abc import Iterable

from bot.records.instants import Instant, Style, render_marked, utc_text
from bot.text.untrusted import clean_text

MAX_SECTION_CHARS = 3000  # per section text
MAX_URL_CHARS = 1000

_USER_ID = re.compile(r"^[UW][A-Z0-9]{2,20}$")
_ATOM = re.compile(r"<[^<>]*>|\n|[^\S\n]+|[^\s<]+|<")
_FORMATTING_RUN = re.compile(r"[*_~`]{1,50}")  # longer runs become several short tokens
_LINE_START_QUOTE = re.compile(r"^&gt;", re.MULTILINE)
# In link labels: ∗ ˍ ∼ ˋ, as jsx-slack does.
_LOOKALIKES = str.maketrans({"*": "\u2217", "_": "\u02cd", "~": "\u223c", "`": "\u02cb"})


# ---------------------------------------------------------------- escaping and links


def escape(text: str) -> str:
    """Paper or user text shown literally: no link, mention, formatting or quote can form.

    Control and bidi-override characters are dropped (`bot.text.untrusted`), Slack's three control
    characters become entities (`&` first so nothing is escaped twice), a line starting with
    `>` gets an invisible soft hyphen so it is not a quote, and formatting characters are
    wrapped in date tokens (see the module docstring).
    """
    escaped = _entities(clean_text(text))
    escaped = _LINE_START_QUOTE.sub("\u00ad&gt;", escaped)
    return _FORMATTING_RUN.sub(lambda run: f"<!date^00000000^{{_}}|{run.group()}>", escaped)


def escape_marked(text: str) -> str:
    """`escape(text)`, but each marked time (and only those: `escape` drops a stray marker
    delimiter) becomes a date token in the reader's zone."""
    return render_marked(text, escape, date_token)


def date_token(instant: Instant) -> str:
    """`<!date^1787555700^{date_short_pretty} {time}|Mon 24 Aug 2026 07:15 UTC>`."""
    shown = "{time}" if instant.style is Style.TIME else "{date_short_pretty} {time}"
    return f"<!date^{instant.unix}^{shown}|{utc_text(instant)}>"


def escape_label(text: str) -> str:
    """Text for a link's label, where no token can nest: formatting characters become
    look-alikes (∗ ˍ ∼ ˋ) instead."""
    return _entities(clean_text(text)).translate(_LOOKALIKES)


def _entities(text: str) -> str:
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
    return f"<{target}|{escape_label(label)}>" if target else escape(label)


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
