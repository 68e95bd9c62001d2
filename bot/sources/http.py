"""The one HTTP client every paper source shares: timeouts, retries, backoff, a polite pace.

It is the only module that touches httpx; the sources above it see `HttpReply` and the
`SourceError` tree. Retried: connect errors, timeouts, 5xx and 429 (honouring Retry-After,
capped), but not a host name that does not resolve (no network: SourceUnreachable at once).
Other answers, 4xx included, go back to the source, which knows what they mean.
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

import httpx

from bot.errors import ConfigError, MalformedResponse, SourceUnavailable, SourceUnreachable

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
Params = Mapping[str, str | int]

MAX_BODY_BYTES = 32 * 1024 * 1024  # far above any real answer; stops a runaway body


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


def _utcnow() -> datetime:
    return datetime.now(UTC)


class HttpClient:
    """GET with retries. `source` names the upstream in errors and logs ("huggingface")."""

    def __init__(
        self,
        *,
        source: str,
        user_agent: str,
        timeout_s: float,
        policy: RetryPolicy,
        sleep: Sleep = asyncio.sleep,
        throttle: Throttle | None = None,
        wall_clock: Callable[[], datetime] = _utcnow,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._source = source
        self._policy = policy
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
        attempts = self._policy.retries + 1
        for attempt in range(attempts):
            failure, reply = await self._attempt(url, params, accept)
            if reply is not None and failure is None:
                return reply
            if attempt + 1 == attempts:
                break
            delay = self._delay(attempt, reply)
            log.warning("%s: %s; retry %d in %.1fs", self._source, failure, attempt + 1, delay)
            await self._sleep(delay)
        raise SourceUnavailable(f"{self._source}: {failure} after {attempts} attempt(s)")

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _attempt(
        self, url: str, params: Params, accept: str
    ) -> tuple[str | None, HttpReply | None]:
        """(None, reply) for a final answer, (why, reply or None) for one worth retrying."""
        try:
            if self._throttle is None:
                reply = await self._fetch(url, params, accept)
            else:
                async with self._throttle:
                    reply = await self._fetch(url, params, accept)
        except (httpx.InvalidURL, httpx.UnsupportedProtocol):
            raise ConfigError(f"{self._source}: base_url is not a usable http(s) URL") from None
        except httpx.TimeoutException:
            return "timed out", None
        except httpx.ConnectError as exc:
            if _cannot_resolve(exc):
                host = httpx.URL(url).host
                raise SourceUnreachable(f"{self._source}: cannot resolve {host}") from None
            return f"connection failed ({type(exc).__name__})", None
        except httpx.TransportError as exc:
            return f"connection failed ({type(exc).__name__})", None
        except httpx.DecodingError:
            raise MalformedResponse(f"{self._source}: response body could not be decoded") from None
        except httpx.TooManyRedirects:
            raise SourceUnavailable(f"{self._source}: too many redirects") from None
        if reply.status == 429 or reply.status >= 500:
            return f"HTTP {reply.status}", reply
        return None, reply

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
