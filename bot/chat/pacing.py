"""Client-side pacing: wait for a platform's documented rate limits instead of meeting them
as 429s.

`TokenBucket` is pure (time is an argument): `rate` tokens a second, at most `burst` saved.
`take(now)` takes a token if one is there, or says how long until one is. Nothing is
reserved ahead: a caller that wakes late (a busy event loop) asks again, so late wakers do
not all go out at once in a clump the server would count as a burst. `hold_until` pushes a
bucket back after a 429's Retry-After; `ease` slows it after a 429 (the rate drops by
EASE_FACTOR, at most once per EASE_EVERY_S, and climbs back to the documented rate over
RECOVER_S), so a limit met once is not met again and again at the same pace.

`Pacer` is the async shell over named limits: `await pacer.wait(("channel", "C1"), "global")`
waits for each bucket in turn (the narrow one first, so no global slot is spent while a
channel's own limit still holds the caller back). Callers of one bucket wait in line (a
FIFO lock), so only the first polls the clock. Clock and sleep are injected.
"""

from __future__ import annotations

import asyncio
import math
import time
from collections.abc import Awaitable, Callable, Hashable
from dataclasses import dataclass

Sleep = Callable[[float], Awaitable[None]]
Monotonic = Callable[[], float]


@dataclass(frozen=True, slots=True)
class Limit:
    """`rate` requests a second with bursts of up to `burst` (a platform's documented tier)."""

    rate: float
    burst: float = 1.0

    def __post_init__(self) -> None:
        if self.rate <= 0 or self.burst < 1:
            raise ValueError(f"a limit needs rate > 0 and burst >= 1, not {self}")

    @classmethod
    def per_minute(cls, count: float, burst: float = 1.0) -> Limit:
        return cls(count / 60.0, burst)


# After a 429: the rate drops by this factor (down to EASE_FLOOR of the documented rate) and
# regains the documented rate over RECOVER_S. 429s met together (one clump) count once.
EASE_FACTOR = 0.9
EASE_FLOOR = 0.5
EASE_EVERY_S = 1.0
RECOVER_S = 10.0


class TokenBucket:
    """One limit's state. Starts full; a 429's hold may drive it below zero."""

    __slots__ = ("_eased_at", "_stamp", "_tokens", "limit", "rate")

    def __init__(self, limit: Limit, now: float) -> None:
        self.limit = limit
        self.rate = limit.rate  # below the limit's for a while after a 429 (`ease`)
        self._tokens = limit.burst
        self._stamp = now
        self._eased_at: float | None = None

    def take(self, now: float) -> float:
        """0.0 and one token taken; or, taking nothing, the seconds until one is there."""
        self._refill(now)
        if self._tokens >= 1.0 - EPSILON:
            self._tokens -= 1.0
            return 0.0
        return (1.0 - self._tokens) / self.rate

    def ease(self, now: float) -> bool:
        """A 429 said the pace is too close to the limit: slow down for a while. False when
        an earlier 429 of the same moment already did."""
        self._refill(now)
        if self._eased_at is not None and now - self._eased_at < EASE_EVERY_S:
            return False
        self._eased_at = now
        self.rate = max(self.limit.rate * EASE_FLOOR, self.rate * EASE_FACTOR)
        return True

    def rate_at(self, now: float) -> float:
        self._refill(now)
        return self.rate

    def hold_until(self, until: float, now: float) -> None:
        """Nothing passes before `until` (a 429's Retry-After), queued takers included."""
        self._refill(now)
        # one token is there again exactly at `until` (at the pace of now)
        self._tokens = min(self._tokens, 1.0 - (until - now) * self.rate)

    def idle(self, now: float) -> bool:
        """Full again: the bucket may be forgotten without changing any answer."""
        self._refill(now)
        return self._tokens >= self.limit.burst and self.rate >= self.limit.rate

    def _refill(self, now: float) -> None:
        if now > self._stamp:
            elapsed = now - self._stamp
            gained = elapsed * self.rate
            self._tokens = min(self.limit.burst, self._tokens + gained)
            self._stamp = now
            if self.rate < self.limit.rate:  # climbing back after `ease`
                climb = self.limit.rate * (1.0 - EASE_FLOOR) * elapsed / RECOVER_S
                self.rate = min(self.limit.rate, self.rate + climb)


def digests_at_once(global_limit: Limit, channel_limit: Limit, messages_per_channel: int) -> int:
    """How many digests a fan-out posts at once so that the platform's global limit, not the
    number of workers, bounds it: the platform's global rate over one channel's rate (a
    worker's digest waits its channel's turn for each of its messages, so a worker moves at
    most a channel's rate), times the messages a digest sends to one channel (each of them
    may also wait a round trip as long as a channel's interval: a slow answer, a busy
    loop). Workers beyond the need cost nothing at the limit: they wait in the global
    bucket's line (`Pacer.wait`), not as 429s (docs/benchmarks.md, "Fan-out through the
    real adapters at the shipped defaults")."""
    per_worker = channel_limit.rate
    return max(1, math.ceil(global_limit.rate / per_worker) * max(1, messages_per_channel))


# Pace global limits a little under the documented rate: an event-loop stall sends what was
# granted during it together, and the platform's bucket regains that clump from the 5% left.
HEADROOM = 0.95
EPSILON = 1e-9  # float dust: 0.9999999999 tokens is a token
Key = Hashable  # a limit's name ("global") or (name, instance) ("channel", "C1")

FORGET_EVERY = 1024  # reservations between sweeps of idle per-instance buckets


class Pacer:
    """Named limits, each with buckets per instance; waits through an injected sleep."""

    def __init__(
        self,
        limits: dict[str, Limit],
        *,
        monotonic: Monotonic = time.monotonic,
        sleep: Sleep = asyncio.sleep,
    ) -> None:
        self._limits = dict(limits)
        self._monotonic = monotonic
        self._sleep = sleep
        self._buckets: dict[Key, TokenBucket] = {}
        self._lines: dict[Key, asyncio.Lock] = {}  # callers waiting for a bucket, in order
        self._taken = 0
        self.waited_s = 0.0  # total time callers were held back (for benchmarks and logs)
        self.eased = 0  # times a 429 slowed a bucket down

    def take(self, key: Key) -> float:
        """Take a token from `key`'s bucket, or the seconds until one is (see TokenBucket)."""
        now = self._monotonic()
        self._taken += 1
        if self._taken % FORGET_EVERY == 0:
            self._forget_idle(now)
        return self._bucket(key, now).take(now)

    async def wait(self, *keys: Key) -> None:
        """Wait for a token from each of `keys`' buckets, in the order given."""
        for key in keys:
            line = self._lines.get(key)
            if (line is None or not line.locked()) and self.take(key) == 0.0:
                continue  # nobody waiting and a token there: go
            line = self._lines.setdefault(key, asyncio.Lock())
            async with line:
                while (delay := self.take(key)) > 0.0:
                    self.waited_s += delay
                    await self._sleep(delay)

    def hold(self, key: Key, seconds: float) -> None:
        """After a 429: `key` passes nothing for `seconds`."""
        now = self._monotonic()
        self._bucket(key, now).hold_until(now + seconds, now)

    def ease(self, key: Key) -> bool:
        """After a 429: `key` goes slower for a while (see TokenBucket.ease)."""
        now = self._monotonic()
        eased = self._bucket(key, now).ease(now)
        if eased:
            self.eased += 1
        return eased

    def rate(self, key: Key) -> float:
        """`key`'s pace now (below its limit's for a while after `ease`)."""
        now = self._monotonic()
        return self._bucket(key, now).rate_at(now)

    def _bucket(self, key: Key, now: float) -> TokenBucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            name = str(key[0] if isinstance(key, tuple) else key)
            bucket = self._buckets[key] = TokenBucket(self._limits[name], now)
        return bucket

    def _forget_idle(self, now: float) -> None:
        """Ten thousand channels' buckets need not live forever: a full one is as new."""
        for key in [k for k, b in self._buckets.items() if b.idle(now)]:
            line = self._lines.get(key)
            if line is None or not line.locked():
                del self._buckets[key]
                self._lines.pop(key, None)
