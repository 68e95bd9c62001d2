"""The delivery record's pure transitions, its idempotency key and its status line."""

from __future__ import annotations

import string
from datetime import UTC, date, datetime, timedelta

import pytest

from bot.delivery.state import describe
from bot.records.delivery import Delivery, DeliveryState, idempotency_key
from bot.records.models import ChannelRef, PostReceipt

NOW = datetime(2024, 5, 14, 7, 0, tzinfo=UTC)
DAY = date(2024, 5, 13)
CHANNEL = ChannelRef("discord", "123", "456")
CLAIMED = Delivery(
    CHANNEL,
    DAY,
    NOW,
    (DAY,),
    state=DeliveryState.POSTING,
    attempts=2,
    lease_owner="w",
    lease_until=NOW + timedelta(minutes=3),
)


def test_the_key_is_stable_short_and_distinct_per_channel_and_day() -> None:
    key = idempotency_key(CHANNEL, DAY)
    assert key == idempotency_key(ChannelRef("discord", "123", "456"), date(2024, 5, 13))
    assert len(key) == 20
    assert set(key) <= set(string.ascii_lowercase + string.digits)
    others = {
        idempotency_key(ChannelRef("discord", "124", "456"), DAY),
        idempotency_key(ChannelRef("slack", "123", "456"), DAY),
        idempotency_key(CHANNEL, DAY + timedelta(days=1)),
    }
    assert key not in others
    assert len(others) == 3
    assert CLAIMED.idempotency_key == key


@pytest.mark.parametrize(
    ("ended", "state", "reason", "final"),
    [
        (CLAIMED.posted(PostReceipt(CHANNEL, ("m1", "m2"), NOW)), "posted", None, True),
        (CLAIMED.failed("HTTP 503", NOW + timedelta(seconds=30)), "failed", "HTTP 503", False),
        (CLAIMED.failed("HTTP 503", None), "failed", "HTTP 503", True),
        (CLAIMED.paused("Missing Access"), "paused", "Missing Access", True),
        (CLAIMED.empty("weekend"), "empty", "weekend", True),
    ],
)
def test_every_ending_releases_the_lease(
    ended: Delivery, state: str, reason: str | None, final: bool
) -> None:
    assert (ended.state, ended.reason, ended.is_final) == (DeliveryState(state), reason, final)
    assert (ended.lease_owner, ended.lease_until) == (None, None)
    assert ended.attempts == 2


def test_posted_keeps_the_receipt_and_freezing_keeps_the_lease() -> None:
    frozen = CLAIMED.with_papers(("2405.00001",))
    assert frozen.lease_owner == "w"
    posted = frozen.posted(PostReceipt(CHANNEL, ("m1",), NOW + timedelta(seconds=1)))
    assert (posted.message_ids, posted.posted_at) == (("m1",), NOW + timedelta(seconds=1))
    assert posted.paper_ids == ("2405.00001",)


@pytest.mark.parametrize(
    ("record", "line"),
    [
        (CLAIMED.with_papers(("a",)).posted(PostReceipt(CHANNEL, ("m",), NOW)), "posted 1 paper"),
        (CLAIMED.with_papers(("a", "b")).posted(PostReceipt(CHANNEL, (), NOW)), "posted 2 papers"),
        (CLAIMED.empty("weekend"), "nothing posted (weekend)"),
        (CLAIMED.paused("Missing Access"), "paused: Missing Access"),
        (CLAIMED.failed("HTTP 503", NOW), "failed 2x, retrying (HTTP 503)"),
        (CLAIMED.failed("HTTP 503", None), "failed after 2 attempts (HTTP 503)"),
        (CLAIMED, "posting"),
    ],
)
def test_status_lines(record: Delivery, line: str) -> None:
    assert describe(record) == f"2024-05-13: {line}"


AT = datetime(2024, 5, 14, 9, 0, tzinfo=UTC)


def test_a_platform_note_on_a_post_is_kept_and_shown_by_status() -> None:
    record = Delivery(ChannelRef("discord", "1", "2"), date(2024, 5, 13), AT)
    receipt = PostReceipt(record.channel, ("9",), AT, note="posted without a thread")
    posted = record.with_papers(("a", "b")).posted(receipt)
    assert posted.state is DeliveryState.POSTED
    assert describe(posted) == "2024-05-13: posted 2 papers, posted without a thread"
    plain = record.posted(PostReceipt(record.channel, ("9",), AT))
    assert describe(plain) == "2024-05-13: posted 0 papers"
