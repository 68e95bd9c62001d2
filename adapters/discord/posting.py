"""Sending one message through discord.py, and translating its failures into the core's.

discord.py's HTTP client already waits out 429s (per bucket and global) and retries
500/502/504/524; what reaches us is what it gave up on. A 429 it gave up on (five in a row)
is retried here after its Retry-After, through the pacing again, up to RATE_LIMIT_RETRIES
times (apart from `attempts`: a crowded moment is no failure of the request). We retry the
rest of the server and network failures a few times with bounded backoff, and turn
Discord's "you may not post here" codes into `PermanentPlatformError` so the core stops
posting to that channel. A 400 (Invalid Form Body: a limit passed, a malformed embed) or
413 is about the message, not the channel: `MessageRejected`, never retried, so that
digest fails and the channel stays on.
"""

from __future__ import annotations

import asyncio
import hashlib
import logging
from collections.abc import Awaitable, Callable
from typing import TypeVar

import aiohttp
import discord

from adapters.discord.pacing import DiscordPacing
from adapters.discord.render import DiscordMessage
from bot.records.errors import (
    MessageGone,
    MessageRejected,
    PermanentPlatformError,
    PlatformError,
    TransientPlatformError,
)

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
_T = TypeVar("_T")

# Discord JSON error codes that mean "stop posting to this channel", not "retry".
PERMANENT_CODES = {
    50001: "Missing Access: the bot cannot see this channel",
    50013: "Missing Permissions: the bot may not send messages or embeds here",
    10003: "Unknown Channel: the channel was deleted or the bot was removed",
    # a DM digest: the person takes no DMs from the server's members (or shares none with us)
    50007: "Cannot send messages to this user",
}
UNKNOWN_MESSAGE = 10008  # a person deleted the message: settling it ends (not a pause)
REJECTED_STATUSES = {400, 413}  # the body is invalid or too large: sending it again fails again
NONCE_MAX = 25  # Discord nonces are at most 25 characters
RATE_LIMIT_RETRIES = 10  # 429s discord.py gave up on, retried after Retry-After each
MAX_RETRY_AFTER_S = 60.0  # a longer wait is left to the scheduler's next attempt


def nonce_for(idempotency_key: str, index: int) -> str:
    """A stable nonce for message `index` of the post keyed `idempotency_key`.

    Sent with `enforce_nonce`, Discord answers a repeat within a few minutes with the
    message it already created, so a resend after a crash does not post twice.
    """
    digest = hashlib.sha256(f"{idempotency_key}#{index}".encode()).hexdigest()
    return digest[:NONCE_MAX]


def translate(exc: Exception) -> PlatformError:
    """discord.py and network exceptions as the core's platform errors."""
    if isinstance(exc, discord.HTTPException):
        if exc.code == UNKNOWN_MESSAGE:
            return MessageGone(f"Discord error {exc.code}, Unknown Message")
        reason = PERMANENT_CODES.get(exc.code)
        if reason is not None:
            return PermanentPlatformError(f"Discord error {exc.code}, {reason}")
        if exc.status in REJECTED_STATUSES:
            return MessageRejected(
                f"Discord refused the message: HTTP {exc.status} (code {exc.code})"
            )
        return TransientPlatformError(f"Discord answered HTTP {exc.status} (code {exc.code})")
    if isinstance(exc, discord.RateLimited):
        return TransientPlatformError(f"Discord rate limit of {exc.retry_after:.0f} s")
    return TransientPlatformError(f"network error talking to Discord: {type(exc).__name__}")


def is_retryable(exc: Exception) -> bool:
    if isinstance(exc, discord.HTTPException):
        # A 429 reaching us is one discord.py waited out five times in a row (a crowded
        # moment): try again through the pacing rather than fail the digest for later.
        if exc.status == 429:
            return True
        return exc.status >= 500 and exc.code not in PERMANENT_CODES
    return isinstance(exc, aiohttp.ClientError | asyncio.TimeoutError | OSError)


def retry_after(exc: Exception) -> float | None:
    """The seconds a 429 that discord.py gave up on asks us to wait, or None for no 429:
    `X-RateLimit-Reset-After` (exact), else `Retry-After` (whole seconds), else 1 s."""
    if isinstance(exc, discord.RateLimited):
        return exc.retry_after
    if not isinstance(exc, discord.HTTPException) or exc.status != 429:
        return None
    headers = getattr(exc.response, "headers", None) or {}
    for name in ("X-RateLimit-Reset-After", "Retry-After"):
        try:
            return max(0.0, float(headers[name]))
        except (KeyError, ValueError):
            continue
    return 1.0


async def send_message(
    channel: discord.PartialMessageable,
    message: DiscordMessage,
    *,
    nonce: str,
    attempts: int,
    sleep: Sleep,
    pacing: DiscordPacing | None = None,
) -> discord.Message:
    """Send with no allowed mentions, each try paced by `pacing` (adapters/discord/pacing.py);
    retry server/network failures, then translate."""
    channel_id = channel.id
    return await retried(
        lambda: channel.send(
            content=message.content,
            embeds=list(message.embeds),
            allowed_mentions=discord.AllowedMentions.none(),
            nonce=nonce,
            view=message.view or discord.utils.MISSING,
        ),
        attempts=attempts,
        sleep=sleep,
        before=(lambda: pacing.before_send(channel_id)) if pacing is not None else None,
    )


async def edit_message(
    target: discord.PartialMessage,
    message: DiscordMessage,
    *,
    attempts: int,
    sleep: Sleep,
    pacing: DiscordPacing | None = None,
) -> None:
    """PATCH a message the bot posted to show `message`; paced, retried and translated as a
    send (10008 Unknown Message: MessageGone)."""
    await retried(
        lambda: target.edit(
            content=message.content,
            embeds=list(message.embeds),
            allowed_mentions=discord.AllowedMentions.none(),
            view=message.view,
        ),
        attempts=attempts,
        sleep=sleep,
        before=pacing.before_request if pacing is not None else None,
    )


async def retried(
    call: Callable[[], Awaitable[_T]],
    *,
    attempts: int,
    sleep: Sleep,
    before: Callable[[], Awaitable[None]] | None = None,
) -> _T:
    """`call()`, each try after `before()` (pacing), retrying server and network failures
    with bounded backoff and 429s after their Retry-After (RATE_LIMIT_RETRIES of them, not
    counted in `attempts`); the core's error for what is not retried or still fails."""
    attempt = limited = 0
    while True:
        if before is not None:
            await before()
        try:
            return await call()
        except (discord.DiscordException, aiohttp.ClientError, TimeoutError, OSError) as exc:
            wait = retry_after(exc)
            if wait is not None and wait <= MAX_RETRY_AFTER_S and limited < RATE_LIMIT_RETRIES:
                limited += 1
                log.warning("Discord rate limit discord.py gave up on; retry in %.2f s", wait)
                await sleep(wait)
                continue
            attempt += 1
            if not is_retryable(exc) or attempt >= attempts:
                raise translate(exc) from exc
            delay = min(30.0, 2.0**attempt)
            log.warning(
                "Discord request failed (%s); retry %d in %.0f s", translate(exc), attempt, delay
            )
            await sleep(delay)
