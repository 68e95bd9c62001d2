"""What the pacing learns from 429s and rate-limit headers: tables on a virtual clock."""

from __future__ import annotations

import asyncio

import pytest
from discord.http import HTTPClient

from adapters.discord.buckets import SWEEP_FROM, amortise_sweeps
from adapters.discord.pacing import PER_BOT
from bot.chat.pacing import EASE_FACTOR, EASE_FLOOR, RECOVER_S, Limit, TokenBucket
from tests.fakes.pacing import VirtualTime, discord_pacing

SEND = "/api/v10/channels/5/messages"


def test_ease_slows_the_bucket_once_per_moment_and_it_climbs_back() -> None:
    bucket = TokenBucket(Limit(50.0, burst=3), now=0.0)
    assert bucket.ease(0.0)
    assert bucket.rate_at(0.0) == pytest.approx(50.0 * EASE_FACTOR)
    assert not bucket.ease(0.5), "429s of the same moment count once"
    assert bucket.rate_at(0.5) < 50.0
    assert bucket.ease(1.5), "a 429 a second later slows it again"
    assert bucket.rate_at(1.5) < 50.0 * EASE_FACTOR
    assert bucket.rate_at(1.5 + RECOVER_S) == 50.0, "back to the documented rate"
    assert bucket.idle(1.5 + RECOVER_S)


def test_ease_never_goes_below_the_floor() -> None:
    bucket = TokenBucket(Limit(10.0), now=0.0)
    for second in range(40):
        bucket.ease(float(second) * 1.0)
        bucket.take(float(second))
    assert bucket.rate >= 10.0 * EASE_FLOOR - 1e-9


def test_an_eased_bucket_spaces_takers_at_its_slower_rate() -> None:
    bucket = TokenBucket(Limit(10.0), now=0.0)
    assert bucket.take(0.0) == 0.0
    bucket.ease(0.0)
    assert bucket.take(0.0) == pytest.approx(1 / (10.0 * EASE_FACTOR))


@pytest.mark.parametrize(
    ("status", "headers", "global_wait", "channel_wait", "other_channel_wait"),
    [
        # a global 429: every request waits its reset time, channels as well
        (429, {"X-RateLimit-Global": "true", "X-RateLimit-Reset-After": "0.5"}, 0.5, 0.5, 0.5),
        # the same told by the scope header, Retry-After only (whole seconds)
        (429, {"X-RateLimit-Scope": "global", "Retry-After": "2"}, 2.0, 2.0, 2.0),
        # the channel's own 429: that channel waits, the others do not
        (429, {"X-RateLimit-Scope": "user", "X-RateLimit-Reset-After": "2.5"}, 0.0, 2.5, 0.0),
        # an accepted send that emptied the channel's bucket: wait for its reset
        (200, {"X-RateLimit-Remaining": "0", "X-RateLimit-Reset-After": "3.0"}, 0.0, 3.0, 0.0),
        # an accepted send with room left: nothing to learn
        (200, {"X-RateLimit-Remaining": "4", "X-RateLimit-Reset-After": "1.0"}, 0.0, 0.0, 0.0),
    ],
)
async def test_discord_answers_feed_the_pacing(
    status: int,
    headers: dict[str, str],
    global_wait: float,
    channel_wait: float,
    other_channel_wait: float,
) -> None:
    waits = []
    for ask in ("request", "channel", "other"):
        time = VirtualTime()
        pacing = discord_pacing(time)
        pacing.observed("POST", SEND, status, headers)
        if ask == "request":
            await pacing.before_request()
        else:
            await pacing.before_send(5 if ask == "channel" else 6)
        waits.append(round(time.now, 6))
    assert waits == [global_wait, channel_wait, other_channel_wait]
    assert pacing.limited == (1 if status == 429 else 0)


async def test_a_global_429_eases_the_global_pace() -> None:
    time = VirtualTime()
    pacing = discord_pacing(time)
    headers = {"X-RateLimit-Global": "true", "X-RateLimit-Reset-After": "0.02"}
    pacing.observed("POST", SEND, 429, headers)
    assert pacing.eased == 1
    for _ in range(int(PER_BOT.burst) + 2):  # past the burst: paced at the eased rate
        await pacing.before_request()
    gaps = [w for w in time.waits if w > 0.02]
    assert gaps, "takers past the burst waited"
    assert min(gaps) > 1 / PER_BOT.rate, "spaced wider than the documented pace"


async def test_discord_py_bucket_sweeps_run_when_the_buckets_have_doubled() -> None:
    http = HTTPClient(asyncio.get_running_loop())
    sweeps = []
    original = http._try_clear_expired_ratelimits

    def counted() -> None:
        sweeps.append(len(http._buckets))
        original()

    setattr(http, "_try_clear_expired_ratelimits", counted)  # noqa: B010
    amortise_sweeps(http)
    for n in range(5000):
        http.get_ratelimit(f"fakebucket:channel_id={n}")
    assert len(http._buckets) == 5000, "active buckets are kept"
    assert sweeps == [SWEEP_FROM * 2**k for k in range(5)], "at 256, 512, ... not per bucket"
    for bucket in http._buckets.values():  # five minutes idle: discord.py's rule to drop
        bucket._last_request -= 301
    for n in range(5000, 5000 + 8192 - 5000 + 1):
        http.get_ratelimit(f"fakebucket:channel_id={n}")
    assert len(http._buckets) < 5000, "the idle ones went at the next sweep"


async def test_discord_py_retries_a_429_only_after_a_global_token() -> None:
    """`answered` is awaited before discord.py sees the response (`pacing_trace`): a 429's
    retry is paced like a new request."""
    time = VirtualTime()
    pacing = discord_pacing(time)
    await pacing.answered("POST", SEND, 200, {"X-RateLimit-Remaining": "4"})
    assert time.now == 0.0, "an accepted request is not held up"
    headers = {"X-RateLimit-Global": "true", "X-RateLimit-Reset-After": "0.25"}
    await pacing.answered("POST", SEND, 429, headers)
    assert time.now == pytest.approx(0.25), "the retry waited out the global hold"
    await pacing.answered("POST", SEND, 429, {"X-RateLimit-Scope": "user", "Retry-After": "1"})
    # a channel's 429: the next global token (one at the eased pace), not the channel's 1 s
    assert 0.25 < time.now < 0.25 + 2 / PER_BOT.rate
    assert pacing.limited == 2
