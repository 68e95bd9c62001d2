"""The one HTTP client every paper source shares: timeouts, retries, backoff, a polite pace,
and a circuit breaker per source.

It is the only module that touches httpx; the sources above it see `HttpReply` and the
`SourceError` tree. Retried: a timeout, 5xx and 429 (honouring Retry-After, capped), other
transport errors once connected, and a body the source's `read` function finds malformed (a
200 with truncated JSON). Not retried: a connection that cannot be made (refused, a name that
does not resolve, a failed TLS handshake) or a second timeout in a row: that is
SourceUnreachable at once, and the source's breaker (bot/sources/breaker.py) fails the next
requests at once until its cool-down runs out.
Other answers, 4xx included, go back to the source, which knows what they mean.
Every attempt has a deadline besides httpx's per-read timeout, and a request's attempts and
waits share one total budget: a server that sends its headers and then one byte a second
would otherwise hold a request (and the scheduler) for every attempt's deadline in turn.
Waiting is done through an injected `sleep`, so tests record the waits instead of taking them.
An unusable base URL is a ConfigError; no httpx exception ever leaves this module.
"""

from __future__ import annotations

import asyncio
import logging
import random
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from email.utils import parsedate_to_datetime
from types import TracebackType
from typing import TypeVar

import httpx

from bot.records.errors import ConfigError, MalformedResponse, SourceUnavailable
from bot.sources.breaker import CircuitBreaker, connect_cause, utcnow

log = logging.getLogger(__name__)

Sleep = Callable[[float], Awaitable[None]]
Params = Mapping[str, str | int]
T = TypeVar("T")

MAX_BODY_BYTES = 32 * 1024 * 1024  # far above any real answer; stops a runaway body
DEFAULT_DEADLINE_S = 120.0  # per attempt, headers to last byte; a sane bound for any source
DEFAULT_BUDGET_S = 90.0  # per request: every attempt and every wait between them


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
    timeout: str = ""  # if it timed out, how, in a few words (for the breaker's cause)


def _as_is(reply: HttpReply) -> HttpReply:
    return reply


class HttpClient:
    """GET with retries. `source` names the upstream in errors and logs ("huggingface").

    `timeout_s` bounds each connect and each read; `deadline_s` bounds a whole attempt;
    `budget_s` bounds a whole request, its attempts and the waits between them. `breaker`
    is the source's circuit breaker (one per client unless given).
    """

    def __init__(
        self,
        *,
        source: str,
        user_agent: str,
        timeout_s: float,
        policy: RetryPolicy,
        deadline_s: float = DEFAULT_DEADLINE_S,
        budget_s: float = DEFAULT_BUDGET_S,
        sleep: Sleep = asyncio.sleep,
        throttle: Throttle | None = None,
        breaker: CircuitBreaker | None = None,
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = utcnow,
        jitter: Callable[[], float] = random.random,
    ) -> None:
        self._source = source
        self._policy = policy
        self._deadline_s = deadline_s
        self._budget_s = budget_s
        self._sleep = sleep
        self._throttle = throttle
        self._monotonic = monotonic
        self._wall_clock = wall_clock
        self._jitter = jitter
        self.breaker = breaker or CircuitBreaker(source, monotonic=monotonic, wall_clock=wall_clock)
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
        like a 5xx; once the retries or the budget are spent it is raised (naming the
        attempts), and any other failure is SourceUnavailable; an unreachable host is
        SourceUnreachable at once. Other errors from `read` pass straight through."""
        self.breaker.check()
        started = self._monotonic()
        failure = _Failure(f"{self._source}: no attempt")
        attempts = 0
        for attempt in range(self._policy.retries + 1):
            if attempt:
                delay = self._delay(attempt - 1, failure.reply)
                if self._monotonic() - started + delay >= self._budget_s:
                    break
                where = _host(url)
                log.warning("%s (%s); retry %d in %.1fs", failure.why, where, attempt, delay)
                await self._sleep(delay)
                self.breaker.check()
            left = self._budget_s - (self._monotonic() - started)
            if left <= 0:  # `read` itself used up the budget: no time for another attempt
                break
            attempts += 1
            outcome = await self._attempt(url, params, accept, min(self._deadline_s, left))
            if isinstance(outcome, _Failure):
                failure = outcome
                if failure.timeout:
                    self._timed_out(url, failure.timeout)
                continue
            try:
                return read(outcome)
            except MalformedResponse as exc:
                failure = _Failure(str(exc), outcome, malformed=True)
        error = MalformedResponse if failure.malformed else SourceUnavailable
        raise error(f"{failure.why} after {attempts} attempt(s)")

    def _timed_out(self, url: str, how: str) -> None:
        """A second timeout in a row makes the host unreachable (raised); one is retried."""
        unreachable = self.breaker.timed_out(_host(url), how)
        if unreachable is not None:
            log.debug("%s", unreachable)  # the caller reports it, once
            raise unreachable

    async def aclose(self) -> None:
        await self._client.aclose()

    async def _attempt(
        self, url: str, params: Params, accept: str, deadline_s: float
    ) -> HttpReply | _Failure:
        """The reply to take as final, or why this attempt is worth retrying. Raises
        SourceUnreachable (and opens the breaker) when no connection can be made."""
        try:
            if self._throttle is None:
                reply = await self._fetch_within(url, params, accept, deadline_s)
            else:
                async with self._throttle:
                    reply = await self._fetch_within(url, params, accept, deadline_s)
        except (httpx.InvalidURL, httpx.UnsupportedProtocol):
            raise ConfigError(f"{self._source}: base_url is not a usable http(s) URL") from None
        except httpx.TimeoutException:
            return _Failure(f"{self._source}: timed out", timeout="timed out")
        except TimeoutError:  # the deadline or the budget: the answer trickled in too slowly
            how = f"no complete answer within {self._deadline_s:g}s"
            if deadline_s < self._deadline_s:  # cut short by what was left of the budget
                how = f"no complete answer within the request's {self._budget_s:g}s budget"
            return _Failure(f"{self._source}: {how}", timeout=how)
        except httpx.ConnectError as exc:
            unreachable = self.breaker.unreachable(_host(url), connect_cause(exc))
            log.debug("%s", unreachable)  # the caller reports it, once
            raise unreachable from None
        except httpx.TransportError as exc:
            self.breaker.answered()  # connected: the host is there, the answer broke off
            return _Failure(f"{self._source}: connection failed ({type(exc).__name__})")
        except httpx.DecodingError:
            self.breaker.answered()
            why = f"{self._source}: response body could not be decoded"
            return _Failure(why, malformed=True)
        except httpx.TooManyRedirects:
            raise SourceUnavailable(f"{self._source}: too many redirects") from None
        self.breaker.answered()
        if reply.status == 429 or reply.status >= 500:
            return _Failure(f"{self._source}: HTTP {reply.status}", reply)
        return reply

    async def _fetch_within(
        self, url: str, params: Params, accept: str, deadline_s: float
    ) -> HttpReply:
        async with asyncio.timeout(deadline_s):
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


def _host(url: str) -> str:
    """The host (and port, if any) a URL names, for messages: never its path or query."""
    parsed = httpx.URL(url)
    return parsed.host if parsed.port is None else f"{parsed.host}:{parsed.port}"


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
