"""How a chat platform's connection stands, for `/papers status` and the log.

A platform that holds a long-lived connection (Slack's Socket Mode) owns a
`ConnectionTracker` and tells it what happens; readers get a frozen `ConnectionStatus`
(bot/records/chat.py).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, replace
from datetime import datetime

from bot.records.chat import ConnectionStatus, LinkState
from bot.records.clock import Clock


class ConnectionTracker:
    def __init__(self, platform: str, clock: Clock) -> None:
        self._clock = clock
        self._status = ConnectionStatus(platform, LinkState.CONNECTING, clock.now())

    @property
    def status(self) -> ConnectionStatus:
        return self._status

    def connected(self) -> None:
        self._status = ConnectionStatus(self._status.platform, LinkState.CONNECTED, self._now())

    def failed(self, error: str) -> int:
        """One more failed attempt; returns how many in a row."""
        status = self._status
        since = status.since if status.state is LinkState.RECONNECTING else self._now()
        self._status = replace(
            status,
            state=LinkState.RECONNECTING,
            since=since,
            attempt=status.attempt + 1,
            last_error=error,
        )
        return self._status.attempt

    def _now(self) -> datetime:
        return self._clock.now()


def overall(statuses: Sequence[ConnectionStatus], platform: str) -> ConnectionStatus:
    """One status for a platform holding several connections (Discord's shards): the
    first one reconnecting, else the first still connecting, else connected since the
    last one came up."""
    for state in (LinkState.RECONNECTING, LinkState.CONNECTING):
        for status in statuses:
            if status.state is state:
                return status
    return ConnectionStatus(platform, LinkState.CONNECTED, max(s.since for s in statuses))


@dataclass(frozen=True, slots=True)
class Backoff:
    """Seconds to wait after the n-th failed attempt in a row: first, doubling, capped."""

    first_s: float = 1.0
    cap_s: float = 60.0

    def delay(self, attempt: int) -> float:
        return min(self.cap_s, self.first_s * 2.0 ** max(0, min(attempt - 1, 30)))
