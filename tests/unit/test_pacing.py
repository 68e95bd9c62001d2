"""The token bucket and the pacer over it: tables of (time, request) -> wait, no wall clock."""

from __future__ import annotations

import asyncio

import pytest

from adapters.discord.pacing import DiscordPacing
from adapters.slack.pacing import SlackLimits, SlackPacing
from bot.chat.pacing import Limit, Pacer, TokenBucket
from tests.fakes.pacing import VirtualTime as FakeTime


@pytest.mark.parametrize(
    ("limit", "requests", "answers"),
    [
        # rate 1/s, no burst: the first takes the token, the next are told when one is there
        (Limit(1.0), [0.0, 0.0, 0.5], [0.0, 1.0, 0.5]),
        # requests that come slower than the rate never wait
        (Limit(1.0), [0.0, 1.0, 2.5], [0.0, 0.0, 0.0]),
        # a burst of 3 passes at once, the fourth is told to wait for one token
        (Limit(1.0, burst=3), [0.0, 0.0, 0.0, 0.0], [0.0, 0.0, 0.0, 1.0]),
        # 50/s: 20 ms apart
        (Limit(50.0), [0.0, 0.0, 0.02], [0.0, 0.02, 0.0]),
        # a refusal takes nothing: asking again when told gets the token
        (Limit(2.0), [0.0, 0.0, 0.5, 0.5], [0.0, 0.5, 0.0, 0.5]),
        # idle time refills only up to the burst
        (Limit(1.0, burst=2), [0.0, 0.0, 10.0, 10.0, 10.0], [0.0, 0.0, 0.0, 0.0, 1.0]),
        # Tier 3: 50 a minute
        (Limit.per_minute(50), [0.0, 0.0], [0.0, 1.2]),
    ],
)
def test_bucket_take_gives_a_token_or_the_wait_for_one(
    limit: Limit, requests: list[float], answers: list[float]
) -> None:
    bucket = TokenBucket(limit, now=0.0)
    assert [round(bucket.take(t), 6) for t in requests] == answers


@pytest.mark.parametrize(
    ("hold_at", "retry_after", "then", "wait"),
    [
        (0.0, 5.0, 0.0, 5.0),  # a 429 at t=0 with Retry-After 5: nobody before t=5
        (0.0, 5.0, 3.0, 2.0),
        (0.0, 5.0, 6.0, 0.0),  # after it, the bucket has refilled
    ],
)
def test_bucket_hold_until_keeps_every_taker_back(
    hold_at: float, retry_after: float, then: float, wait: float
) -> None:
    bucket = TokenBucket(Limit(10.0, burst=10), now=0.0)
    bucket.hold_until(hold_at + retry_after, now=hold_at)
    assert round(bucket.take(then), 6) == wait


@pytest.mark.parametrize(
    ("rate", "burst"), [(0.0, 1.0), (-1.0, 1.0), (1.0, 0.5)], ids=["zero", "negative", "burst"]
)
def test_a_limit_refuses_nonsense(rate: float, burst: float) -> None:
    with pytest.raises(ValueError, match="limit"):
        Limit(rate, burst)


async def test_pacer_waits_for_the_channel_first_then_spends_a_global_slot() -> None:
    time = FakeTime()
    pacer = Pacer(
        {"channel": Limit(1.0), "global": Limit(10.0)}, monotonic=time.monotonic, sleep=time.sleep
    )
    await pacer.wait(("channel", "A"), "global")  # t=0: both free
    await pacer.wait(("channel", "A"), "global")  # A's next slot is t=1; global is free then
    await pacer.wait(("channel", "B"), "global")  # t=1: B free, global's next is t=1.1
    assert time.waits == [1.0, 0.1]
    assert time.now == pytest.approx(1.1)


async def test_pacer_forgets_idle_buckets_without_changing_answers() -> None:
    time = FakeTime()
    pacer = Pacer({"channel": Limit(1.0)}, monotonic=time.monotonic, sleep=time.sleep)
    for n in range(3000):  # ten thousand channels should not mean ten thousand buckets forever
        time.now += 1.0
        await pacer.wait(("channel", n))
    assert time.waits == []
    assert len(pacer._buckets) < 1100


async def test_slack_pacing_spaces_a_channels_messages_and_the_workspace() -> None:
    time = FakeTime()
    limits = SlackLimits(post_per_workspace=Limit(4.0))
    pacing = SlackPacing(limits, monotonic=time.monotonic, sleep=time.sleep)
    for channel in ["C1", "C1", "C2", "C3"]:  # C1's reply waits 1 s; then C2, C3 at 4/s
        await pacing.before_post(channel)
    assert time.waits == [1.0, 0.25, 0.25]


async def test_slack_pacing_holds_a_method_after_a_429() -> None:
    time = FakeTime()
    pacing = SlackPacing(monotonic=time.monotonic, sleep=time.sleep)
    pacing.held("chat.update", 30.0)
    pacing.held("users.info", 30.0)  # not a paced method: nothing held, nothing raised
    await pacing.before_update()
    await pacing.before_post("C1")
    assert time.waits == [30.0]


async def test_slack_pacing_keeps_chat_update_to_tier_3() -> None:
    time = FakeTime()
    pacing = SlackPacing(monotonic=time.monotonic, sleep=time.sleep)
    for _ in range(3):
        await pacing.before_update()
    assert time.waits == [1.2, 1.2]


async def test_discord_pacing_allows_four_quick_sends_per_channel_under_the_global_rate() -> None:
    time = FakeTime()
    pacing = DiscordPacing(monotonic=time.monotonic, sleep=time.sleep)
    for _ in range(5):
        await pacing.before_send(7)
    # four at once (the channel's burst, within the global burst of six), the fifth when
    # channel 7 has a token again, a second after the first
    assert time.waits == [1.0]
    # eight more channels: the global bucket refilled to six during that second, one taken:
    # five at once, then 47.5/s (50 less the headroom)
    for channel in range(8, 16):
        await pacing.before_send(channel)
    assert time.waits[1:] == [0.021053] * 3


async def test_callers_of_a_bucket_go_in_the_order_they_came() -> None:
    time = FakeTime()
    pacer = Pacer({"global": Limit(10.0)}, monotonic=time.monotonic, sleep=time.sleep)
    gone: list[int] = []

    async def caller(n: int) -> None:
        await pacer.wait("global")
        gone.append(n)

    await asyncio.gather(*(caller(n) for n in range(5)))
    assert gone == [0, 1, 2, 3, 4]
    assert time.now == pytest.approx(0.4)  # 10/s: the fifth went at 0.4 s, none together
