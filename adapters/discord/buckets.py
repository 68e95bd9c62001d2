"""discord.py's route buckets, swept in amortised time.

discord.py keeps one rate-limit bucket per route and channel, and every time it makes a new
one with 256 or more already there, it walks all of them to drop those idle for five
minutes. A fan-out makes about two new buckets per channel (the channel, the digest's
thread), so each new bucket walked all the others: CPU per digest that grew with the
channels (docs/benchmarks.md, "Chat adapters"). `amortise_sweeps` keeps
discord.py's sweep (same rule, same buckets dropped) but runs it only when the buckets have
doubled since the last one: the same memory bound within a factor of two, O(1) per bucket.
"""

from __future__ import annotations

from discord.http import HTTPClient

SWEEP_FROM = 256  # discord.py's own threshold


def amortise_sweeps(http: HTTPClient) -> None:
    """Make `http` sweep its idle buckets only when their number has doubled."""
    sweep = http._try_clear_expired_ratelimits
    next_at = [SWEEP_FROM]

    def sweep_when_doubled() -> None:
        if len(http._buckets) < next_at[0]:
            return
        sweep()
        next_at[0] = max(SWEEP_FROM, 2 * len(http._buckets))

    setattr(http, "_try_clear_expired_ratelimits", sweep_when_doubled)  # noqa: B010
