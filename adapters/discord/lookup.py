"""Finding the parts of a digest (or a thread's reply) already in a channel, by their marks
(adapters/discord/marks.py): a footer's, or a reply's last subtext line.

Needed only past Discord's nonce window, for a part the platform accepted just before a
crash, before the delivery record could say so: every other posted part is in the record.
Reading messages needs Read Message History; without it Discord returns no messages (or
refuses), the look-up finds nothing, and such a part can be posted a second time.
"""

from __future__ import annotations

import logging

import aiohttp
import discord

from adapters.discord.marks import message_part_of
from adapters.discord.posting import translate

log = logging.getLogger(__name__)

RECENT = 100  # one request: Discord's largest page


async def find_marked(
    channel: discord.PartialMessageable, key: str, *, author_id: int | None, limit: int = RECENT
) -> dict[int, str]:
    """Part index -> message id, for the parts of the digest keyed `key` among the
    channel's `limit` latest messages by `author_id` (the bot; None: any author)."""
    found: dict[int, str] = {}
    try:
        async for message in channel.history(limit=limit):
            if author_id is not None and message.author.id != author_id:
                continue
            footers = [embed.footer.text for embed in message.embeds]
            part = message_part_of(message.content, footers, key)
            if part is not None:
                found.setdefault(part, str(message.id))
    except discord.Forbidden:
        log.info("cannot read %s's history (Read Message History): relying on the record", key)
        return {}
    except (discord.DiscordException, aiohttp.ClientError, TimeoutError, OSError) as exc:
        raise translate(exc) from exc
    return found
