"""Pure: the mark that lets a digest's messages be found again in the channel's history.

Discord forgets a nonce after a few minutes, and reading messages back does not return it
(only the create response and the gateway's MESSAGE_CREATE carry `nonce`). So each message
of a digest ends with a short reference in its last embed's footer, e.g.
"ref pb0123456789abcdef01.2": the digest's idempotency key and the part's number. A bot
with Read Message History finds a part accepted just before a crash by it
(adapters/discord/lookup.py); footers are written by bots and webhooks only, so no member
can fake one.
"""

from __future__ import annotations

import re

import discord

FOOTER_MAX = 2048
MARK_ROOM = 48  # characters each message keeps free for its mark (and the " · " before it)
_SEPARATOR = " · "


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
