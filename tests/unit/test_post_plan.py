"""The pure planner: which parts of a digest are posted, and what a retry still posts."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest

from bot.chat.post_plan import PartTodo, plan_parts, unrecorded
from bot.records.chat import PostedPart
from bot.records.delivery import Delivery
from bot.records.models import ChannelRef

REPLIES = (3, 2, 4)  # three parts: 3, 2 and 4 thread replies


@pytest.mark.parametrize(
    ("posted", "found", "expected"),
    [
        pytest.param(
            (),
            {},
            [PartTodo(0, None, 0, False), PartTodo(1, None, 0, False), PartTodo(2, None, 0, False)],
            id="nothing-posted",
        ),
        pytest.param(
            (PostedPart(0, "a", 3), PostedPart(1, "b", 2)),
            {},
            [PartTodo(0, "a", 3, True), PartTodo(1, "b", 2, True), PartTodo(2, None, 0, False)],
            id="two-parts-recorded",
        ),
        pytest.param(
            (PostedPart(0, "a", 1),),
            {0: "a"},
            [PartTodo(0, "a", 1, True), PartTodo(1, None, 0, False), PartTodo(2, None, 0, False)],
            id="thread-cut-short-the-record-says-where",
        ),
        pytest.param(
            (PostedPart(0, "a", 3),),
            {0: "a", 1: "b"},
            [PartTodo(0, "a", 3, True), PartTodo(1, "b", 0, False), PartTodo(2, None, 0, False)],
            id="accepted-before-the-crash-not-recorded-so-no-reply-went-out",
        ),
        pytest.param(
            (PostedPart(2, "c", 9),),
            {},
            [PartTodo(0, None, 0, False), PartTodo(1, None, 0, False), PartTodo(2, "c", 4, True)],
            id="a-count-past-the-replies-is-capped",
        ),
    ],
)
def test_plan_parts(
    posted: tuple[PostedPart, ...], found: dict[int, str], expected: list[PartTodo]
) -> None:
    assert plan_parts(REPLIES, posted, found) == expected


def test_a_caller_that_records_nothing_counts_a_found_part_complete() -> None:
    plan = plan_parts(REPLIES, (), {0: "a"}, recording=False)
    assert plan[0] == PartTodo(0, "a", 3, False)


def test_unrecorded_lists_what_a_lookup_must_check() -> None:
    assert unrecorded(3, (PostedPart(1, "b"),)) == [0, 2]
    assert unrecorded(2, (PostedPart(0, "a"), PostedPart(1, "b"))) == []


def test_a_record_keeps_each_part_as_it_is_accepted() -> None:
    record = Delivery(
        ChannelRef("slack", "C1", "T1"), date(2024, 5, 9), datetime(2024, 5, 10, 7, 0, tzinfo=UTC)
    )
    record = record.with_part(PostedPart(0, "a"))
    record = record.with_part(PostedPart(0, "a", 2))  # two replies went out under it
    record = record.with_part(PostedPart(2, "c", 1))  # found out of order: part 1 unknown
    assert (record.message_ids, record.thread_replies) == (("a", "", "c"), (2, 0, 1))
    assert record.posted_parts == (PostedPart(0, "a", 2), PostedPart(2, "c", 1))
