"""One reply in a digest's thread (late additions, a follow-up), posted once across a crash.

The reply goes out with a nonce from its key, which Discord honours for a few minutes, and
carries its key's mark (adapters/discord/marks.py). A retry that may follow an accepted but
unrecorded reply (not a `first_attempt`) reads the thread's latest messages by the bot first
and returns the marked reply found there, so a retry past the nonce window does not post it
twice. Without Read Message History the look-up finds nothing and only the nonce guards.
"""

from __future__ import annotations

import discord

from adapters.discord.lookup import find_marked
from adapters.discord.pacing import DiscordPacing
from adapters.discord.posting import Sleep, nonce_for, send_message
from adapters.discord.render import render_late_additions
from bot.records.digest import Digest
from bot.records.errors import MessageGone, PermanentPlatformError


async def post_thread_reply(
    client: discord.Client,
    thread_of: str,
    digest: Digest,
    *,
    key: str,
    first_attempt: bool,
    attempts: int,
    sleep: Sleep,
    pacing: DiscordPacing | None,
) -> str:
    """The reply's message id: the one already in the thread, or a new one. Raises
    MessageGone (no such thread), PlatformError."""
    if not thread_of.isdigit():
        raise MessageGone(f"no message {thread_of!r} to reply to")
    thread = client.get_partial_messageable(int(thread_of))
    try:
        if not first_attempt:
            if pacing is not None:
                await pacing.before_request()
            author = client.user.id if client.user else None
            found = await find_marked(thread, key, author_id=author)
            if 0 in found:
                return found[0]
        sent = await send_message(
            thread,
            render_late_additions(digest, mark_key=key),
            nonce=nonce_for(key, 0),
            attempts=attempts,
            sleep=sleep,
            pacing=pacing,  # was unpaced: a settling pass met 429s on every reply
        )
    except PermanentPlatformError as exc:  # the thread is gone or was never started
        raise MessageGone(f"the digest's thread: {exc.reason}") from None
    return str(sent.id)
