"""Hostile paper text, one table for every parser and renderer test.

Each string is something a paper's author (anyone) can put in a title, abstract, author
name, keyword or organization, or a user in a topic. Renderers must show each literally:
no live link, mention, channel, timestamp, command, emoji, formatting or terminal escape,
and no platform limit passed.
"""

from __future__ import annotations

from bot.records.instants import DELIMITERS

HOSTILE: dict[str, str] = {
    "masked links": (
        "see [Click here](https://evil.example) and [again](https://evil.example/2) "
        "then [x](<https://evil.example/3>)"
    ),
    "nested brackets": "[[nested [link]](https://evil.example)](https://evil.example) ]]",
    "discord tokens": (
        "<#123456789012345678> <t:1:R> </cmd:1> <:e:1> <a:e:1> "
        "<@123456789012345678> <@!123456789012345678> <@&123456789012345678> <id:customize>"
    ),
    "mass mentions": "@everyone and @here",
    "terminal escapes": "ESC\x1b[31mred\x1b[0m \x1b]8;;https://evil.example\x07link\x1b]8;;\x07",
    "c1 csi": "CSI\x9b31m red \x85 next",
    "bidi override": "invoice\u202egpj.exe\u202c \u2066isolated\u2069 \u202aembed\u202c",
    "nul and del": "NUL\x00byte DEL\x7f",
    "crlf": "Title\r\nwith CRLF\rand CR\nand LF",
    "slack formatting": "*bold* _italic_ ~strike~ `code` ```block``` A* and Q*-learning ~10x",
    "slack tokens": "<!channel> <!here> <@U123ABC> &amp; <https://evil.example|click> &lt;",
    "markdown blocks": "# heading\n> quote\n-# subtext\n||spoiler|| \\*not escaped\\*",
    "lone surrogate": "broken \ud800 pair",
    "time markers": (  # bot/records/instants.py's form, unsealed and with a guessed seal
        "\ue0101787555700|UTC|f\ue011 \ue0101787555700|UTC|t|0123456789abcdef\ue011 "
        "<!date^1787555700^{date_short_pretty} {time}|Mon 24 Aug 2026 07:15 UTC> <t:1787555700:f>"
    ),
    "5,000 characters": "word " * 1000,
    "5,000 unbroken": "x" * 5000,
    "3,000 brackets": "[" * 1500 + "]" * 1500,  # escaping doubles it
}

# What no rendered text may contain, whatever the platform.
CONTROL_CHARS = [chr(c) for c in (*range(0x00, 0x09), *range(0x0B, 0x20), *range(0x7F, 0xA0))]
BIDI_CHARS = [*map(chr, range(0x202A, 0x202F)), *map(chr, range(0x2066, 0x206A))]
MARKER_CHARS = list(DELIMITERS)  # a time marker's: only the bot's own replies may hold them


def unsafe_chars(text: str) -> list[str]:
    """The control, bidi-override, surrogate and time-marker characters left in `text`
    (should be none)."""
    bad = set(CONTROL_CHARS) | set(BIDI_CHARS) | set(MARKER_CHARS)
    return [c for c in text if c in bad or 0xD800 <= ord(c) <= 0xDFFF]
