"""The pure half of `paperbot fetch`: the range, which days a re-run skips, the summary."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.app.backfill import (
    BackfillReport,
    check_range,
    failure_lines,
    list_closes_at,
    plan_backfill,
    summary_line,
    unreachable_lines,
)
from bot.records.errors import SourceUnreachable, UserInputError

TODAY = date(2026, 8, 22)
CUTOFF = time(3, 0)
MON, TUE, WED = date(2026, 8, 17), date(2026, 8, 18), date(2026, 8, 19)


@pytest.mark.parametrize(
    ("since", "until", "message"),
    [
        (date(2026, 8, 23), date(2026, 8, 21), "--since 2026-08-23 is in the future"),
        (date(2027, 1, 1), date(2027, 1, 2), "--since 2027-01-01 is in the future"),
        (date(2026, 8, 20), date(2026, 8, 23), "--until 2026-08-23 is in the future"),
        (date(2026, 8, 21), date(2026, 8, 20), "--since 2026-08-21 is after --until 2026-08-20"),
    ],
)
def test_a_reversed_or_future_range_is_a_usage_error(
    since: date, until: date, message: str
) -> None:
    with pytest.raises(UserInputError, match=message):
        check_range(since, until, TODAY)


@pytest.mark.parametrize(
    ("since", "until"),
    [(TODAY, TODAY), (date(2024, 5, 27), date(2026, 8, 21)), (MON, MON)],
)
def test_a_range_up_to_today_is_fine(since: date, until: date) -> None:
    check_range(since, until, TODAY)


def test_a_list_closes_at_the_cutoff_on_the_next_day() -> None:
    assert list_closes_at(MON, CUTOFF) == datetime(2026, 8, 18, 3, 0, tzinfo=UTC)


def test_a_first_run_fetches_every_day_oldest_first() -> None:
    plan = plan_backfill(MON, WED, {}, CUTOFF)
    assert plan.to_fetch == (MON, TUE, WED)
    assert plan.skipped == ()


def test_a_rerun_skips_only_days_fetched_after_their_list_closed() -> None:
    closed_tue = list_closes_at(TUE, CUTOFF)
    fetched = {
        MON: datetime(2026, 8, 20, 9, 0, tzinfo=UTC),  # long after it closed: done
        TUE: closed_tue - timedelta(minutes=1),  # while the list still grew: fetch again
        # WED: never fetched, or its fetch failed (a failure records nothing)
    }
    plan = plan_backfill(MON, WED, fetched, CUTOFF)
    assert plan.to_fetch == (TUE, WED)
    assert plan.skipped == (MON,)
    fetched[TUE] = closed_tue  # fetched at the very moment it closed: done
    assert plan_backfill(MON, WED, fetched, CUTOFF).to_fetch == (WED,)


def test_refetch_fetches_every_day_again() -> None:
    fetched = {day: datetime(2026, 8, 21, tzinfo=UTC) for day in (MON, TUE, WED)}
    assert plan_backfill(MON, WED, fetched, CUTOFF).to_fetch == ()
    assert plan_backfill(MON, WED, fetched, CUTOFF, refetch=True).to_fetch == (MON, TUE, WED)


def test_days_without_a_list_are_one_clause_of_the_summary() -> None:
    empty = [date(2026, 8, 22) + timedelta(days=i) for i in range(300)]
    report = BackfillReport(papers=1234, listed=[MON, TUE], empty=empty, skipped=1)
    assert summary_line(report) == (
        "Fetched 1,234 papers over 302 days. 300 days had no list (weekends, holidays, or "
        "not listed yet). Skipped 1 day already fetched after they closed."
    )
    assert summary_line(BackfillReport()) == "Fetched 0 papers over 0 days."
    assert failure_lines(report) == []


def test_failed_days_are_named_in_order_with_why_and_what_to_do() -> None:
    report = BackfillReport(
        failed={TUE: "huggingface: HTTP 500 after 5 attempt(s)", MON: "huggingface: timed out"}
    )
    assert failure_lines(report) == [
        "Could not fetch 2 days; run the same command again to fetch only what is missing:",
        "  2026-08-17: huggingface: timed out",
        "  2026-08-18: huggingface: HTTP 500 after 5 attempt(s)",
    ]


def test_a_stop_names_the_host_and_cause_then_the_days_left_as_runs() -> None:
    down = SourceUnreachable(
        "huggingface", "127.0.0.1:9", "connection refused", since=datetime(2026, 8, 22, tzinfo=UTC)
    )
    planned = (date(2026, 8, 10), MON, TUE, WED, date(2026, 8, 21))  # the 11th-16th skipped
    report = BackfillReport(unreachable=down, stopped_at=MON)
    assert unreachable_lines(report, planned) == [
        "huggingface at 127.0.0.1:9 is unreachable (connection refused): stopped at 2026-08-17.",
        "Not fetched, 4 days: 2026-08-17 to 2026-08-19, 2026-08-21; "
        "run the same command again once it answers.",
    ]
    assert unreachable_lines(BackfillReport(), planned) == []
