"""bot/lifecycle/settle_plan.py by tables: which tasks a post gets, what changed, which papers are
late additions, and the "▲ +N since posted" mark."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.digest import compact
from bot.digest.text import render_text
from bot.digest.topics import parse_topics
from bot.lifecycle.settle_plan import (
    LATE_MAX,
    late_additions,
    retry_delay,
    settled_digests,
    tasks_for,
)
from bot.records.delivery import Delivery, DeliveryState
from bot.records.models import ChannelRef, ChannelSettings, Paper, Subscription
from bot.records.settle import SettleState, SettleTask, late_key

DAY = date(2024, 5, 9)
AT = datetime(2024, 5, 10, 9, 0, tzinfo=UTC)
CHANNEL = ChannelRef("slack", "C1", "T1")


def paper(arxiv_id: str, upvotes: int, title: str = "A paper") -> Paper:
    return Paper(arxiv_id, title, "An abstract.", ("Ada",), AT, DAY, upvotes=upvotes)


def delivery(
    state: DeliveryState = DeliveryState.POSTED, ids: tuple[str, ...] = ("m1",)
) -> Delivery:
    return Delivery(
        CHANNEL, DAY, AT, (DAY,), state=state, paper_ids=("a", "b"), message_ids=ids, posted_at=AT
    )


@pytest.mark.parametrize(
    ("record", "ages", "due"),
    [
        (delivery(), (24, 168), [AT + timedelta(hours=24), AT + timedelta(hours=168)]),
        (delivery(), (168, 24, 24), [AT + timedelta(hours=24), AT + timedelta(hours=168)]),
        (delivery(), (), []),
        (delivery(DeliveryState.EMPTY), (24,), []),  # nothing was posted
        (delivery(ids=("",)), (24,), []),  # no message known to edit
    ],
)
def test_a_posted_record_gets_one_task_per_age(
    record: Delivery, ages: tuple[int, ...], due: list[datetime]
) -> None:
    made = tasks_for(record, ages, {"a": 5}, {"a", "b", "z"})
    assert [t.due_at for t in made] == due
    for task in made:
        assert task.posted == (("a", 5), ("b", 0))  # posted order, upvotes then
        assert task.listed == ("a", "b", "z")
        assert task.state is SettleState.PENDING


@pytest.mark.parametrize(
    ("task", "claim_at"),
    [
        (SettleTask(CHANNEL, DAY, 24, AT), AT),
        (
            SettleTask(CHANNEL, DAY, 24, AT, SettleState.SETTLING, lease_until=AT + timedelta(1)),
            AT + timedelta(1),
        ),
        (
            SettleTask(CHANNEL, DAY, 24, AT).failed("x", AT + timedelta(hours=1)),
            AT + timedelta(hours=1),
        ),
        (SettleTask(CHANNEL, DAY, 24, AT).failed("x", None), None),
        (SettleTask(CHANNEL, DAY, 24, AT).ended(SettleState.DONE), None),
        (SettleTask(CHANNEL, DAY, 24, AT).ended(SettleState.GONE, "deleted"), None),
    ],
)
def test_when_a_task_may_be_claimed(task: SettleTask, claim_at: datetime | None) -> None:
    assert task.claim_at == claim_at


def test_the_settled_digest_keeps_the_posted_order_and_says_how_much_each_rose() -> None:
    now = {"a": paper("a", 50), "b": paper("b", 400), "c": paper("c", 9)}
    posted = (("a", 40), ("b", 280), ("c", 9), ("gone", 3))
    then, settled = settled_digests(DAY, posted, now, Subscription(CHANNEL))
    assert [(e.rank, e.paper.arxiv_id, e.paper.upvotes) for e in then.entries] == [
        (1, "a", 40),
        (2, "b", 280),
        (3, "c", 9),
    ]
    # "b" now has the most upvotes, and is still the second paper
    assert [(e.rank, e.paper.upvotes, e.risen) for e in settled.entries] == [
        (1, 50, 10),
        (2, 400, 120),
        (3, 9, 0),
    ]


@pytest.mark.parametrize(
    ("risen", "text"),
    [(0, None), (-4, None), (1, "▲ +1 since posted"), (1234, "▲ +1,234 since posted")],
)
def test_the_rise_mark(risen: int, text: str | None) -> None:
    assert compact.risen(risen) == text


def test_the_plain_text_digest_shows_the_rise() -> None:
    now = {"b": paper("b", 400)}
    _, settled = settled_digests(DAY, (("b", 280),), now, Subscription(CHANNEL))
    assert "400 upvotes" in render_text(settled)
    assert "▲ +120 since posted" in render_text(settled)


AGENTS = Subscription(CHANNEL, parse_topics("agents"), ChannelSettings(min_upvotes=5, max_papers=3))


@pytest.mark.parametrize(
    ("listed_now", "expected"),
    [
        ([paper("new", 9, "Agents at work")], ["new"]),
        ([paper("new", 2, "Agents at work")], []),  # below the channel's minimum
        ([paper("new", 9, "Protein folding")], []),  # not the channel's topics
        ([paper("old", 9, "Agents at work")], []),  # on the list when the digest went out
        ([paper("shown", 9, "Agents at work")], []),  # already posted in the channel
        (
            [paper(f"n{i}", 10 + i, "Agents at work") for i in range(6)],
            ["n5", "n4", "n3"],  # best first, at most the channel's maximum
        ),
    ],
)
def test_late_additions_are_new_on_the_list_and_what_the_channel_would_have_taken(
    listed_now: list[Paper], expected: list[str]
) -> None:
    found = late_additions(listed_now, {"old"}, {"shown"}, AGENTS)
    assert [p.arxiv_id for p in found] == expected


def test_late_additions_are_capped_for_one_reply() -> None:
    everything = Subscription(CHANNEL, (), ChannelSettings(max_papers=50))
    listed = [paper(f"n{i}", i) for i in range(30)]
    assert len(late_additions(listed, set(), set(), everything)) == LATE_MAX


def test_a_late_key_is_stable_distinct_per_age_and_fits_a_discord_nonce() -> None:
    key = "pb" + "0" * 18
    assert late_key(key, 24) == late_key(key, 24) != late_key(key, 168)
    assert len(late_key(key, 168)) <= 25


@pytest.mark.parametrize(
    ("attempts", "delay"),
    [(1, timedelta(minutes=5)), (2, timedelta(minutes=10)), (30, timedelta(hours=6))],
)
def test_retry_backoff(attempts: int, delay: timedelta) -> None:
    assert retry_delay(attempts) == delay


def test_a_settled_digest_is_empty_when_the_store_forgot_every_paper() -> None:
    then, now = settled_digests(DAY, (("x", 1),), {}, Subscription(CHANNEL))
    assert then.entries == now.entries == ()
    assert replace(now, entries=()).is_empty
