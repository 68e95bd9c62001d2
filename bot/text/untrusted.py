"""Pure: text from the internet made safe to store, print and post, whatever it holds.

Anyone can publish a paper, so its title, abstract, authors, keywords and organization are
hostile until cleaned. The sources clean them here, at the parse boundary, and the outputs
that print or post text (the terminal, Slack, Discord) clean again, because the store may
hold rows from before this rule and user input (topics) reaches them too:

- C0 and C1 control characters and DEL are removed: ESC and CSI (U+009B) start terminal
  escape sequences, NUL and the like confuse every layer after us. The ones that are
  whitespace (tab, vertical tab, form feed, the separators, NEL) become a space.
- CR and CRLF become LF, so a line break is one character everywhere.
- Bidi embeddings, overrides and isolates (U+202A-U+202E, U+2066-U+2069) are removed: they
  reorder what a reader sees ("Trojan Source"). The marks U+200E, U+200F and U+061C are
  kept: they only nudge the neutral characters next to them, and right-to-left names use them.
- Lone surrogates (a JSON "\\ud800") are removed: they cannot be encoded as UTF-8, so they
  would fail the first write to a socket, a terminal or the database.
- The two private-use characters that delimit a time marker (`bot.records.instants`) are
  removed, so no paper text can pass for a time the bot states.
"""

from __future__ import annotations

import re

from bot.records.instants import DELIMITERS

_UNSAFE = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\u202a-\u202e\u2066-\u2069\ud800-\udfff" + DELIMITERS + "]"
)
_LINE_BREAK = re.compile(r"\r\n?")


def clean_text(text: str) -> str:
    """`text` without control, bidi-override or surrogate characters; line breaks as LF."""
    return _UNSAFE.sub(_replacement, _LINE_BREAK.sub("\n", text))


def one_line(text: str) -> str:
    """Clean text on one line: every run of whitespace (line breaks too) is one space.

    For titles, names and keywords, and for abstracts (older payloads hard-wrap them).
    """
    return " ".join(clean_text(text).split())


def is_clean(text: str) -> bool:
    """True when `text` holds nothing `clean_text` would change (e.g. a URL to keep as is)."""
    return _UNSAFE.search(text) is None and "\r" not in text


def _replacement(match: re.Match[str]) -> str:
    return " " if match.group().isspace() else ""
