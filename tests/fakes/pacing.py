"""Pacing on a virtual clock: the adapters' real limiters, never waiting on the wall clock.

The platforms take an injected `sleep` for their retries, and tests count those waits; the
pacing gets a clock of its own that moves only when the pacing sleeps, so its waits are
exact, instant, and kept apart from the retries' (`time.waits`).
"""

from __future__ import annotations

from adapters.discord.pacing import DiscordPacing
from adapters.slack.pacing import SlackPacing


class VirtualTime:
    """A monotonic clock that moves only when something sleeps on it."""

    def __init__(self) -> None:
        self.now = 0.0
        self.waits: list[float] = []

    def monotonic(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(round(seconds, 6))
        self.now += seconds


def slack_pacing(time: VirtualTime | None = None) -> SlackPacing:
    time = time or VirtualTime()
    return SlackPacing(monotonic=time.monotonic, sleep=time.sleep)


def discord_pacing(time: VirtualTime | None = None) -> DiscordPacing:
    time = time or VirtualTime()
    return DiscordPacing(monotonic=time.monotonic, sleep=time.sleep)
