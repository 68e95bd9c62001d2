"""The one HTTP client every paper source shares: timeouts, retries, backoff, a polite pace.

It is the only module that touches httpx; the sources above it see `HttpReply` and the
`SourceError` tree. Retried: connect errors, timeouts, 5xx and 429 (honouring Retry-After,
capped), and a body the source's `read` function finds malformed (a 200 with truncated JSON),
but not a host name that does not resolve (no network: SourceUnreachable at once).
Other answers, 4xx included, go back to the source, which knows what they mean.
Every attempt has a total deadline besides httpx's per-read timeout: a server that sends its
headers and then one byte a second would otherwise hold a request (and the scheduler) forever.
Waiting is done through an injected `sleep`, so tests record the waits instead of taking them.
An unusable base URL is a ConfigError; no httpx exception ever leaves this module.
"""

from __future__ import annotations

import asyncio
import logging
import random
import socket
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import TypeVar

import httpx

from bot.records.errors import ConfigError, MalformedResponse, SourceUnavailable, SourceUnreachable

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
Params = Mapping[str, str | int]
T = TypeVar("T")

MAX_BODY_BYTES = 32 * 1024 * 1024  # far above any real answer; stops a runaway body
DEFAULT_DEADLINE_S = 120.0  # per attempt, headers to last byte; a sane bound for any source


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    """`retries` extra attempts after the first; waits grow base, 2*base, 4*base... up to max."""

    retries: int = 4
    base_delay_s: float = 1.0
    max_delay_s: float = 30.0
    retry_after_cap_s: float = 60.0  # a server asking for longer still gets retried after this


@dataclass(frozen=True, slots=True)
class HttpReply:
    """A complete answer that was not retried away. Header names are lower-case."""

    status: int
    body: bytes
    headers: Mapping[str, str] = field(default_factory=dict)

    @property
    def content_type(self) -> str:
        return self.headers.get("content-type", "").split(";")[0].strip().lower()


class Throttle:
    """At most one request every `min_interval_s`, measured between request starts.

    The lock is held for the whole request, so requests also never overlap (arXiv asks for
    a single connection).
    """

    def __init__(
        self,
        min_interval_s: float,
        *,
        monotonic: Callable[[], float] = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._interval = min_interval_s
        self._monotonic = monotonic
        self._sleep = sleep
        self._lock = asyncio.Lock()
        self._last_start: float | None = None

    async def __aenter__(self) -> None:
        await self._lock.acquire()
        try:
            if self._last_start is not None:
                wait = self._last_start + self._interval - self._monotonic()
                if wait > 0:
                    await self._sleep(wait)
            self._last_start = self._monotonic()
        except BaseException:
            self._lock.release()
            raise

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self._lock.release()


@dataclass(frozen=True, slots=True)
class _Failure:
    """An attempt worth retrying: why (naming the source), the reply if there was one, and
    whether the answer was malformed (the final error is then MalformedResponse, else
    SourceUnavailable)."""

    why: str
    reply: HttpReply | None = None
    malformed: bool = False


def _utcnow() -> datetime:
    return datetime.now(UTC)


def _as_is(reply: HttpReply) -> HttpReply:
    return reply


class HttpClient:
    """GET with retries. `source` names the upstream in errors and logs ("huggingface").

    `timeout_s` bounds each connect and each read; `deadline_s` bounds a whole attempt.
    """

    def __init__(
        self,
        *,
        source: str,
        user_agent: str,
        timeout_s: float,
        policy: RetryPolicy,
        deadline_s: float = DEFAULT_DEADLINE_S,
        sleep: Sleep = asyncio.sleep,
        throttle: Throttle | None = None,
        wall_clock: Callable[[], datetime] = _utcnow,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._source = source
        self._policy = policy
        self._deadline_s = deadline_s
        self._sleep = sleep
        self._throttle = throttle
        self._wall_clock = wall_clock
        self._jitter = jitter
        self._client = httpx.AsyncClient(
            timeout=httpx.Timeout(timeout_s),
            headers={"User-Agent": user_agent},
            follow_redirects=True,
        )

    async def get(self, url: str, params: Params, *, accept: str = "*/*") -> HttpReply:
        """Fetch `url`; raises SourceUnavailable once the retries are spent."""
        return await self.get_read(url, params, _as_is, accept=accept)

    async def get_read(
        self, url: str, params: Params, read: Callable[[HttpReply], T], *, accept: str = "*/*"
    ) -> T:
        """Fetch `url` and return `read(reply)`. A MalformedResponse from `read` is retried
        like a 5xx; once the retries are spent it is raised (naming the attempts), and any
        other failure is SourceUnavailable. Other errors from `read` pass straight through."""
        attempts = self._policy.retries + 1
        failure = _Failure(f"{self._source}: no attempt")
        for attempt in range(attempts):
            if attempt:
                delay = self._delay(attempt - 1, failure.reply)
                log.warning("%s; retry %d in %.1fs", failure.why, attempt, delay)
                await self._sleep(delay)
            outcome = await self._attempt(url, params, accept)
            if isinstance(outcome, _Failure):
                failure = outcome
                continue
            try:
                return read(outcome)
            except MalformedResponse as exc:
                failure = _Failure(str(exc), outcome, malformed=True)
        error = MalformedResponse if failure.malformed else SourceUnavailable
        raise error(f"{failure.why} after {attempts} attempt(s)")

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _attempt(self, url: str, params: Params, accept: str) -> HttpReply | _Failure:
        """The reply to take as final, or why this attempt is worth retrying."""
        try:
            if self._throttle is None:
                reply = await self._fetch_within_deadline(url, params, accept)
            else:
                async with self._throttle:
                    reply = await self._fetch_within_deadline(url, params, accept)
        except (httpx.InvalidURL, httpx.UnsupportedProtocol):
            raise ConfigError(f"{self._source}: base_url is not a usable http(s) URL") from None
        except httpx.TimeoutException:
            return _Failure(f"{self._source}: timed out")
        except TimeoutError:  # the deadline: the answer trickled in too slowly
            return _Failure(f"{self._source}: no complete answer within {self._deadline_s:g}s")
        except httpx.ConnectError as exc:
            if _cannot_resolve(exc):
                host = httpx.URL(url).host
                raise SourceUnreachable(f"{self._source}: cannot resolve {host}") from None
            return _Failure(f"{self._source}: connection failed ({type(exc).__name__})")
        except httpx.TransportError as exc:
            return _Failure(f"{self._source}: connection failed ({type(exc).__name__})")
        except httpx.DecodingError:
            why = f"{self._source}: response body could not be decoded"
            return _Failure(why, malformed=True)
        except httpx.TooManyRedirects:
            raise SourceUnavailable(f"{self._source}: too many redirects") from None
        if reply.status == 429 or reply.status >= 500:
            return _Failure(f"{self._source}: HTTP {reply.status}", reply)
        return reply

    async def _fetch_within_deadline(self, url: str, params: Params, accept: str) -> HttpReply:
        async with asyncio.timeout(self._deadline_s):
            return await self._fetch(url, params, accept)

    async def _fetch(self, url: str, params: Params, accept: str) -> HttpReply:
        request = self._client.build_request("GET", url, params=params, headers={"Accept": accept})
        response = await self._client.send(request, stream=True)
        try:
            body = await _read_capped(response, self._source)
        finally:
            await response.aclose()
        headers = {k.lower(): v for k, v in response.headers.items()}
        return HttpReply(status=response.status_code, body=body, headers=headers)

    def _delay(self, attempt: int, reply: HttpReply | None) -> float:
        """Retry-After when the server gave one, else exponential backoff with jitter."""
        if reply is not None:
            asked = parse_retry_after(reply.headers.get("retry-after"), self._wall_clock())
            if asked is not None:
                return min(asked, self._policy.retry_after_cap_s)
        backoff = min(self._policy.max_delay_s, self._policy.base_delay_s * 2.0**attempt)
        # "Equal jitter": at least half the backoff, so clients that failed together spread out.
        return backoff / 2 + backoff / 2 * self._jitter()


def _cannot_resolve(exc: BaseException) -> bool:
    """Whether a connect error comes from name resolution (socket.gaierror, which httpx
    wraps twice): the sign of no network, where retries only add waiting."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, socket.gaierror):
            return True
        seen = seen.__cause__ or seen.__context__
    return False


async def _read_capped(response: httpx.Response, source: str) -> bytes:
    chunks: list[bytes] = []
    size = 0
    async for chunk in response.aiter_bytes():
        size += len(chunk)
        if size > MAX_BODY_BYTES:
            raise MalformedResponse(f"{source}: response is larger than {MAX_BODY_BYTES:,} bytes")
        chunks.append(chunk)
    return b"".join(chunks)


def parse_retry_after(value: str | None, now: datetime) -> float | None:
    """Seconds to wait from a Retry-After header (delta-seconds or HTTP date), or None."""
    if value is None or not value.strip():
        return None
    text = value.strip()
    if text.isdigit():
        return float(text)
    try:
        when = parsedate_to_datetime(text)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(0.0, (when - now).total_seconds())
