"""The DM digest's channel on Discord: `POST /users/@me/channels` with the person's user id,
paced as every other request (the global limit) and retried as a send.

Discord opens a DM only with a user who shares a server with the bot, and answers the same
channel each time. Whether the user takes DMs shows only at the first message: 50007
"Cannot send messages to this user" (adapters/discord/posting.py PERMANENT_CODES), which
pauses their digest.
"""

from __future__ import annotations

import discord

from adapters.discord.pacing import DiscordPacing
from adapters.discord.posting import Sleep, retried
from bot.records.errors import PermanentPlatformError
from bot.records.models import ChannelRef


async def open_dm(
    client: discord.Client,
    person: ChannelRef,
    *,
    attempts: int,
    sleep: Sleep,
    pacing: DiscordPacing,
) -> ChannelRef:
    """The DM channel with `person` (their user id in `channel_id`); its workspace is empty
    (a DM belongs to no server). Raises PermanentPlatformError, PlatformError."""
    if not person.channel_id.isdigit():
        raise PermanentPlatformError(f"{person.key} is not a Discord user")
    data = await retried(
        lambda: client.http.start_private_message(int(person.channel_id)),
        attempts=attempts,
        sleep=sleep,
        before=pacing.before_request,
    )
    return ChannelRef(person.platform, str(data["id"]), "")
