"""Slack failures: slack_sdk's retry handlers (with an injectable sleep) and the translation
of what is left after retries into the core's PlatformError tree.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable

import aiohttp
from slack_sdk.errors import SlackApiError, SlackClientError
from slack_sdk.http_retry.async_handler import AsyncRetryHandler
from slack_sdk.http_retry.builtin_async_handlers import (
    AsyncConnectionErrorRetryHandler,
    AsyncRateLimitErrorRetryHandler,
    AsyncServerErrorRetryHandler,
)
from slack_sdk.http_retry.builtin_interval_calculators import BackoffRetryIntervalCalculator
from slack_sdk.http_retry.request import HttpRequest
from slack_sdk.http_retry.response import HttpResponse
from slack_sdk.http_retry.state import RetryState

from bot.records.errors import (
    MessageGone,
    MessageRejected,
    PermanentPlatformError,
    PlatformError,
    TransientPlatformError,
)

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]

# Slack's answers that mean "stop posting here": retrying will never help.
PERMANENT_ERRORS = frozenset(
    {
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "account_inactive",
        "invalid_auth",
        "token_revoked",
    }
)
# Slack's answers to editing or replying to a message that is no longer there (a person
# deleted it): settling that post ends quietly.
GONE_ERRORS = frozenset({"message_not_found", "cant_update_message", "thread_not_found"})
# Slack's answers (chat.postMessage's error list) that refuse the message itself, its blocks,
# length or metadata: the same body is refused on every retry, but the channel is fine.
REJECTED_ERRORS = frozenset(
    {
        "invalid_blocks",
        "invalid_blocks_format",
        "msg_too_long",
        "msg_blocks_too_long",
        "too_many_attachments",
        "invalid_metadata_format",
        "invalid_metadata_schema",
        "metadata_too_large",
        "no_text",
        "invalid_arguments",
    }
)
MAX_RETRY_AFTER_S = 120.0  # a longer wait is left to the scheduler's next attempt
# chat.postMessage's 429s are retried by the platform through its pacing (each retry waits
# its turn again, so retries do not all go out together when Retry-After ends); this many.
POST_RATE_LIMIT_RETRIES = 10


OnLimited = Callable[[str, float], None]  # (Web API method, Retry-After seconds)


class RateLimitRetry(AsyncRateLimitErrorRetryHandler):
    """slack_sdk's 429 handler, waiting exactly `Retry-After` through an injectable sleep;
    `on_limited` hears of each 429 first (the pacing holds the method's other callers).
    Methods in `left_to_caller` are not retried here: their caller retries them."""

    def __init__(
        self,
        max_retry_count: int,
        sleep: Sleep,
        on_limited: OnLimited | None = None,
        left_to_caller: frozenset[str] = frozenset(),
    ) -> None:
        super().__init__(max_retry_count=max_retry_count)
        self._sleep = sleep
        self._on_limited = on_limited
        self._left_to_caller = left_to_caller

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        if response is None or response.status_code != 429:
            return False
        if request.url.rsplit("/", 1)[-1] in self._left_to_caller:
            return False
        return retry_after(response) <= MAX_RETRY_AFTER_S

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        wait = retry_after(response) if response is not None else 1.0
        method = request.url.rsplit("/", 1)[-1]
        log.warning("Slack rate limit on %s: waiting %.0f s", method, wait)
        if self._on_limited is not None:
            self._on_limited(method, wait)
        await self._sleep(wait)
        state.increment_current_attempt()


def retry_after(response: HttpResponse) -> float:
    """Seconds from the `Retry-After` header (1 s when absent or unreadable)."""
    for name, values in response.headers.items():
        if name.lower() == "retry-after" and values:
            return _seconds(values[0])
    return 1.0


def rate_limited_for(exc: Exception) -> float | None:
    """A 429 that slack_sdk left to us: the seconds to wait (Retry-After), or None when
    `exc` is no 429 or asks for longer than MAX_RETRY_AFTER_S (left to the scheduler)."""
    if not isinstance(exc, SlackApiError) or exc.response.status_code != 429:
        return None
    headers = exc.response.headers or {}
    value = next((v for k, v in headers.items() if k.lower() == "retry-after"), None)
    if isinstance(value, list):
        value = value[0] if value else None
    wait = 1.0 if value is None else _seconds(value)
    return wait if wait <= MAX_RETRY_AFTER_S else None


def _seconds(value: object) -> float:
    try:
        return max(0.0, float(str(value)))
    except ValueError:
        return 1.0


class _BackoffSleep(AsyncRetryHandler):
    """Backoff through an injectable sleep instead of slack_sdk's bare asyncio.sleep."""

    _sleep: Sleep

    async def prepare_for_next_attempt_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> None:
        state.next_attempt_requested = True
        await self._sleep(self.interval_calculator.calculate_sleep_duration(state.current_attempt))
        state.increment_current_attempt()


class ServerErrorRetry(_BackoffSleep, AsyncServerErrorRetryHandler):
    """slack_sdk's 5xx handler, widened from 500/503 to every 5xx Slack's edge sends."""

    def __init__(self, max_retry_count: int, sleep: Sleep, backoff_s: float = 0.5) -> None:
        super().__init__(max_retry_count, BackoffRetryIntervalCalculator(backoff_s))
        self._sleep = sleep

    async def _can_retry_async(
        self,
        *,
        state: RetryState,
        request: HttpRequest,
        response: HttpResponse | None = None,
        error: Exception | None = None,
    ) -> bool:
        return response is not None and response.status_code in (500, 502, 503, 504)


class ConnectionRetry(_BackoffSleep, AsyncConnectionErrorRetryHandler):
    """slack_sdk's connection-error handler, with timeouts counted as connection errors."""

    def __init__(self, max_retry_count: int, sleep: Sleep, backoff_s: float = 0.5) -> None:
        errors: list[type[Exception]] = [aiohttp.ClientConnectionError, asyncio.TimeoutError]
        super().__init__(max_retry_count, BackoffRetryIntervalCalculator(backoff_s), errors)
        self._sleep = sleep


def retry_handlers(
    sleep: Sleep,
    retries: int = 4,
    on_limited: OnLimited | None = None,
    left_to_caller: frozenset[str] = frozenset(),
) -> list[AsyncRetryHandler]:
    # The handlers share one attempt counter per request, so each gets the full budget.
    return [
        RateLimitRetry(retries, sleep, on_limited, left_to_caller),
        ServerErrorRetry(retries, sleep),
        ConnectionRetry(retries, sleep),
    ]


# What a Web API call can raise once slack_sdk's own retries are spent.
SLACK_FAILURES: tuple[type[Exception], ...] = (
    SlackClientError,
    aiohttp.ClientError,
    asyncio.TimeoutError,
    OSError,
)
# ...and what bolt's `respond()` raises besides: a ValueError when the request carried no
# `response_url` (a payload Slack did not shape as it does for our buttons and commands).
RESPOND_FAILURES: tuple[type[Exception], ...] = (*SLACK_FAILURES, ValueError)


def translate(exc: Exception, what: str) -> PlatformError:
    """The core's error for one of SLACK_FAILURES (never str(exc): it may echo a request)."""
    if isinstance(exc, SlackApiError):
        data = exc.response.data  # a dict, or the text of an HTML/plain error page
        error = data.get("error") if isinstance(data, dict) else None
        code = str(error or f"http_{exc.response.status_code}")
        if code in GONE_ERRORS:
            return MessageGone(code)
        if code in PERMANENT_ERRORS:
            return PermanentPlatformError(code)
        if code in REJECTED_ERRORS:
            return MessageRejected(f"Slack refused the message: {code}")
        return TransientPlatformError(f"Slack {what} failed: {code}")
    if isinstance(exc, asyncio.TimeoutError):
        return TransientPlatformError(f"Slack {what} timed out")
    return TransientPlatformError(f"Slack {what} failed: {type(exc).__name__}")
