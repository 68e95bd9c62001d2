"""A circuit breaker per source: once its host is unreachable, fail at once for a while.

A refused connection, a name that does not resolve or a failed TLS handshake will fail the
same way a second later; so will, most likely, a host that timed out twice in a row. Each
such failure opens the breaker: every request within the cool-down then raises
SourceUnreachable at once, naming the host, the cause and since when nothing has answered,
instead of spending its retries on waits (a backfill used to wait that long for every day).
After the cool-down the next request goes through; if it fails the same way the breaker
opens again, and any answer at all (a 5xx included: the host is there) closes it.

Time comes from an injected monotonic clock, so tests move it instead of sleeping; `since`
is wall-clock time, for people.
"""

from __future__ import annotations

import errno
import socket
import ssl
import time
from collections.abc import Callable
from datetime import UTC, datetime

from bot.records.errors import SourceUnreachable

DEFAULT_COOLDOWN_S = 60.0
TIMEOUTS_TO_OPEN = 2  # one timeout is a hiccup worth a retry; two in a row, a dead host


def utcnow() -> datetime:
    return datetime.now(UTC)


class CircuitBreaker:
    """The state of one source's host, shared by all of that source's requests."""

    def __init__(
        self,
        source: str,
        *,
        cooldown_s: float = DEFAULT_COOLDOWN_S,
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._source = source
        self._cooldown_s = cooldown_s
        self._monotonic = monotonic
        self._wall_clock = wall_clock
        self._opened_at: float | None = None  # monotonic; None while closed
        self._down_since: datetime | None = None  # the first failure of this outage
        self._cause = ""
        self._host = ""
        self._timeouts = 0  # timed-out attempts in a row

    @property
    def is_open(self) -> bool:
        """Whether requests fail at once now (the cool-down has not run out)."""
        if self._opened_at is None:
            return False
        return self._monotonic() - self._opened_at < self._cooldown_s

    def check(self) -> None:
        """Raise SourceUnreachable if the breaker is open; return at once otherwise."""
        if self.is_open:
            raise self._error(still_down=True)

    def answered(self) -> None:
        """The host answered (whatever the status): it is reachable."""
        self._opened_at = None
        self._down_since = None
        self._timeouts = 0

    def unreachable(self, host: str, cause: str) -> SourceUnreachable:
        """A connection-level failure: open the breaker; the error to raise for it."""
        self._open(host, cause)
        return self._error(still_down=False)

    def timed_out(self, host: str, how: str) -> SourceUnreachable | None:
        """An attempt timed out (`how`: "timed out", "no complete answer within 60s"). The
        error to raise if that makes the host unreachable (it is the second in a row, this
        request's or the last one's), else None: a single timeout is retried."""
        self._timeouts += 1
        if self._timeouts < TIMEOUTS_TO_OPEN:
            return None
        return self.unreachable(host, f"{how}, {self._timeouts} times in a row")

    def _open(self, host: str, cause: str) -> None:
        self._opened_at = self._monotonic()
        if self._down_since is None:
            self._down_since = self._wall_clock()
        self._host = host
        self._cause = cause

    def _error(self, *, still_down: bool) -> SourceUnreachable:
        since = self._down_since or self._wall_clock()
        return SourceUnreachable(
            self._source, self._host, self._cause, since=since, still_down=still_down
        )


def connect_cause(exc: BaseException) -> str:
    """Why a connection could not be made, in a few words, from the exception chain httpx
    wraps around the socket's own error (refused, name resolution, TLS)."""
    seen: BaseException | None = exc
    while seen is not None:
        if isinstance(seen, socket.gaierror):
            return "cannot resolve the host name"
        if isinstance(seen, ssl.SSLError):
            return "TLS handshake failed"
        if isinstance(seen, ConnectionRefusedError):
            return "connection refused"
        if isinstance(seen, OSError) and seen.errno in (errno.EHOSTUNREACH, errno.ENETUNREACH):
            return "no route to host"
        seen = seen.__cause__ or seen.__context__
    return "cannot connect"
