"""A digest's details in a thread on its first message, posted exactly once.

Discord gives a thread started from a message the message's own id, so the delivery record
needs nothing new: part 0's message id is the thread, and its `replies` count (as on Slack)
says how many detail messages are in it. A retry asks for the thread again (Discord answers
160004 when it exists: we use it) and posts only the missing replies, each under a nonce
of its own. Starting the thread is paced and retried as a send is (a 429 after its
Retry-After, a 5xx or network failure with backoff: posting.retried). Without Create
Public Threads (or Send Messages in Threads) Discord refuses with 50001/50013: the digest
stands without its thread, the receipt says so for `/papers status`, and the channel is
not paused.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Sequence
from typing import Literal

import discord

from adapters.discord.pacing import DiscordPacing
from adapters.discord.posting import Sleep, nonce_for, retried, send_message
from adapters.discord.render import DiscordMessage

log = logging.getLogger(__name__)

NO_THREAD_CODES = frozenset({50001, 50013})  # Missing Access, Missing Permissions
THREAD_EXISTS = 160004  # "A thread has already been created for this message"
ARCHIVE_AFTER_MIN: Literal[10080] = (
    10080  # a week: the thread stays listed while the digest is current
)
REPLY_NONCE_BASE = 1000  # thread replies' nonces never meet the parts' (index < 1000)
NO_THREAD_NOTE = (
    "posted without its details thread: the bot lacks Create Public Threads or "
    "Send Messages in Threads here (see the README's invite URL)"
)

Accepted = Callable[[int], Awaitable[None]]  # how many replies are posted now


class ThreadRefused(Exception):
    """Discord will not let the bot start or write in the thread here (a permission)."""


async def post_details(
    client: discord.Client,
    message: discord.PartialMessageable,
    message_id: str,
    replies: Sequence[DiscordMessage],
    *,
    name: str,
    key: str,
    start: int,
    accepted: Accepted,
    attempts: int,
    sleep: Sleep,
    pacing: DiscordPacing,
) -> None:
    """Start (or find) the thread on `message_id` and post `replies[start:]` in it, awaiting
    `accepted(n)` after the n-th. Raises ThreadRefused, or PlatformError."""
    await retried(
        lambda: _start_thread(client, message.id, int(message_id), name),
        attempts=attempts,
        sleep=sleep,
        before=pacing.before_request,
    )
    thread = client.get_partial_messageable(int(message_id), guild_id=message.guild_id)
    for number in range(start, len(replies)):
        try:
            await send_message(
                thread,
                replies[number],
                nonce=nonce_for(key, REPLY_NONCE_BASE + number),
                attempts=attempts,
                sleep=sleep,
                pacing=pacing,
            )
        except Exception as exc:
            if _refused(exc.__cause__):
                raise ThreadRefused from exc
            raise
        await accepted(number + 1)


async def _start_thread(
    client: discord.Client, channel_id: int, message_id: int, name: str
) -> None:
    """One try; what `retried` may retry (429, 5xx, network) is raised as it came."""
    try:
        await client.http.start_thread_with_message(
            channel_id, message_id, name=name, auto_archive_duration=ARCHIVE_AFTER_MIN
        )
    except discord.HTTPException as exc:
        if exc.code == THREAD_EXISTS:  # an earlier try started it (its answer was lost)
            return
        if _refused(exc):
            raise ThreadRefused from exc
        raise
    log.debug("started the details thread on message %s", message_id)


def _refused(exc: BaseException | None) -> bool:
    return isinstance(exc, discord.HTTPException) and (
        exc.code in NO_THREAD_CODES or exc.status == 403
    )
