"""Pure: the mark that lets a digest's messages be found again in the channel's history.

Discord forgets a nonce after a few minutes, and reading messages back does not return it
(only the create response and the gateway's MESSAGE_CREATE carry `nonce`). So each message
of a digest ends with a short reference in its last embed's footer, e.g.
"ref pb0123456789abcdef01.2": the digest's idempotency key and the part's number. A bot
with Read Message History finds a part accepted just before a crash by it
(adapters/discord/lookup.py); footers are written by bots and webhooks only, so no member
can fake one.

A reply in a digest's thread (late additions, a follow-up) is marked the same way as part 1
of its own key: on its last embed's footer, or, for a reply of text alone, on a last line of
subtext ("-# ref <key>.1"); reading its thread back finds it (adapters/discord/replies.py).
"""

from __future__ import annotations

import re

import discord

from adapters.discord.text import clamp

FOOTER_MAX = 2048
MARK_ROOM = 48  # characters each message keeps free for its mark (and the " · " before it)
_SEPARATOR = " · "
CONTENT_MAX = 2000
_SUBTEXT = "\n-# "  # a last line in Discord's small grey text


def mark_for(key: str, index: int) -> str:
    return f"ref {key}.{index + 1}"


def part_of(footer: str | None, key: str) -> int | None:
    """The part index that `footer` marks for the digest keyed `key`, or None."""
    found = re.search(rf"(?:^|{_SEPARATOR})ref {re.escape(key)}\.(\d+)$", footer or "")
    return int(found.group(1)) - 1 if found else None


def add_mark(embed: discord.Embed, mark: str) -> None:
    """Append `mark` to the embed's footer (kept within Discord's footer limit)."""
    text = embed.footer.text
    if not text:
        embed.set_footer(text=mark)
        return
    room = FOOTER_MAX - len(_SEPARATOR) - len(mark)
    embed.set_footer(text=f"{text[:room]}{_SEPARATOR}{mark}", icon_url=embed.footer.icon_url)


def mark_content(content: str | None, mark: str) -> str:
    """`content` (already escaped) ending in a subtext line carrying `mark`, all within
    Discord's 2000 characters: the content is clamped first, never the mark."""
    line = f"{_SUBTEXT}{mark}"
    if not content:
        return line.lstrip("\n")
    return f"{clamp(content, CONTENT_MAX - len(line))}{line}"


def content_part_of(content: str | None, key: str) -> int | None:
    """The part index that the last line of `content` marks for `key`, or None."""
    found = re.search(rf"(?:^|\n)-# ref {re.escape(key)}\.(\d+)$", content or "")
    return int(found.group(1)) - 1 if found else None


def message_part_of(content: str | None, footers: list[str | None], key: str) -> int | None:
    """The part a message marks for `key`: by an embed's footer, else by its last line."""
    for footer in footers:
        part = part_of(footer, key)
        if part is not None:
            return part
    return content_part_of(content, key)
