"""Server-side rate limits for the loopback fakes: what Slack and Discord enforce, strictly.

Independent of the code under test (bot/chat/pacing.py): strict token buckets keyed by name, a
request passes only if every bucket it touches has a token, and is otherwise answered 429
with the seconds until it would pass. The clock is injected (a test's virtual clock, or the
monotonic clock in a benchmark).
"""

from __future__ import annotations

import time
from collections.abc import Callable, Hashable
from dataclasses import dataclass, field


@dataclass
class _Bucket:
    rate: float
    burst: float
    tokens: float
    stamp: float

    def refill(self, now: float) -> None:
        self.tokens = min(self.burst, self.tokens + max(0.0, now - self.stamp) * self.rate)
        self.stamp = max(self.stamp, now)

    def wait(self) -> float:
        return 0.0 if self.tokens >= 1 - 1e-9 else (1 - self.tokens) / self.rate


@dataclass
class ServerLimits:
    """Named limits (rate per second, burst); `check(keys)` takes a token from each or none."""

    limits: dict[str, tuple[float, float]]
    now: Callable[[], float] = time.monotonic
    rate_limited: int = 0  # requests answered 429
    passed: int = 0
    last_passed_at: float | None = None  # `now()` when the latest request passed
    first_passed_at: float | None = None  # `now()` when the first request passed
    _buckets: dict[Hashable, _Bucket] = field(default_factory=dict)

    def check(self, *keys: Hashable) -> tuple[float, Hashable | None]:
        """(0, None) and the tokens taken; or (seconds to wait, the key that refused)."""
        now = self.now()
        buckets = [(key, self._bucket(key, now)) for key in keys]
        for key, bucket in buckets:
            bucket.refill(now)
            wait = bucket.wait()
            if wait:
                self.rate_limited += 1
                return wait, key
        for _, bucket in buckets:
            bucket.tokens -= 1
        self.passed += 1
        self.last_passed_at = now
        if self.first_passed_at is None:
            self.first_passed_at = now
        return 0.0, None

    def remaining(self, key: Hashable) -> int:
        bucket = self._buckets.get(key)
        return int(bucket.tokens) if bucket is not None else 0

    def _bucket(self, key: Hashable, now: float) -> _Bucket:
        bucket = self._buckets.get(key)
        if bucket is None:
            name = str(key[0] if isinstance(key, tuple) else key)
            rate, burst = self.limits[name]
            bucket = self._buckets[key] = _Bucket(rate, burst, burst, now)
        return bucket


# Slack's documented limits: chat.postMessage about 1/s per channel with short bursts, a
# workspace ceiling (50/s here, as in bench/fanout.py); Tier 3 (50/min) for chat.update,
# conversations.history, conversations.replies and conversations.open.
SLACK = {
    "channel": (1.0, 2.0),
    "chat.postMessage": (50.0, 10.0),
    "chat.update": (50 / 60, 5.0),
    "conversations.history": (50 / 60, 5.0),
    "conversations.replies": (50 / 60, 5.0),
    "conversations.open": (50 / 60, 5.0),  # Tier 3: a DM digest's first post to a person
}
# Discord's: 50 requests/s per bot (global), 5 messages per 5 s per channel.
DISCORD = {"global": (50.0, 10.0), "channel": (1.0, 5.0)}


def slack_keys(
    method: str, body: dict[str, object], limits: dict[str, tuple[float, float]] = SLACK
) -> tuple[Hashable, ...]:
    if method == "chat.postMessage":
        return ("channel", str(body.get("channel", ""))), method
    return (method,) if method in limits else ()
