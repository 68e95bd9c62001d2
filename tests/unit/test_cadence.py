"""Weekly and monthly schedule maths (bot/schedule/cadence.py), by tables."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta

import pytest

from bot.records.models import Cadence, ChannelSettings
from bot.schedule.cadence import (
    Period,
    closes_at,
    due_posts,
    next_occurrence,
    next_post,
    period_containing,
    post_at,
)
from bot.schedule.daily import Action

W, M = Cadence.WEEKLY, Cadence.MONTHLY


def utc(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=UTC)


def settings(
    zone: str = "UTC", at: time = time(9, 0), weekday: int = 0, *cadences: Cadence
) -> ChannelSettings:
    return ChannelSettings(
        post_time=at, timezone=zone, weekly_day=weekday, cadences=cadences or (W,)
    )


@pytest.mark.parametrize(
    ("cadence", "day", "label", "start", "end"),
    [
        (W, date(2026, 8, 19), "2026-W34", date(2026, 8, 17), date(2026, 8, 23)),
        # ISO week 53: 2020 has one, running into 2021
        (W, date(2021, 1, 3), "2020-W53", date(2020, 12, 28), date(2021, 1, 3)),
        # week 1 starting in December
        (W, date(2025, 12, 29), "2026-W01", date(2025, 12, 29), date(2026, 1, 4)),
        (W, date(2026, 1, 4), "2026-W01", date(2025, 12, 29), date(2026, 1, 4)),
        (W, date(2024, 12, 31), "2025-W01", date(2024, 12, 30), date(2025, 1, 5)),
        (M, date(2024, 2, 29), "2024-02", date(2024, 2, 1), date(2024, 2, 29)),
        (M, date(2023, 2, 1), "2023-02", date(2023, 2, 1), date(2023, 2, 28)),
        (M, date(2025, 12, 31), "2025-12", date(2025, 12, 1), date(2025, 12, 31)),
        (M, date(2026, 1, 31), "2026-01", date(2026, 1, 1), date(2026, 1, 31)),
    ],
)
def test_periods(cadence: Cadence, day: date, label: str, start: date, end: date) -> None:
    period = period_containing(cadence, day)
    assert (period.label, period.start, period.end) == (label, start, end)
    assert period.days[0] == start
    assert period.days[-1] == end
    assert period.following().start == end + timedelta(days=1)


def test_titles() -> None:
    assert period_containing(W, date(2026, 8, 19)).title == "week 34 of 2026 (17 to 23 August)"
    assert period_containing(W, date(2026, 1, 1)).title == (
        "week 1 of 2026 (29 December to 4 January)"
    )
    assert period_containing(M, date(2026, 8, 19)).title == "August 2026"


def test_daily_has_no_periods() -> None:
    with pytest.raises(ValueError, match="daily"):
        period_containing(Cadence.DAILY, date(2026, 8, 19))


@pytest.mark.parametrize(
    ("period_day", "channel", "expected"),
    [
        # Monday 09:00 UTC after W34
        (date(2026, 8, 19), settings(), utc(2026, 8, 24, 9)),
        # Friday of the following week
        (date(2026, 8, 19), settings(weekday=4), utc(2026, 8, 28, 9)),
        # Paris in summer: 09:00 is 07:00 UTC
        (date(2026, 8, 19), settings("Europe/Paris"), utc(2026, 8, 24, 7)),
        # Auckland: Monday 09:00 is Sunday 21:00 UTC, before the week closed -> Tuesday
        (date(2026, 8, 19), settings("Pacific/Auckland"), utc(2026, 8, 24, 21)),
        # a post time before the cut-off on the Monday (02:00 UTC) -> Tuesday
        (date(2026, 8, 19), settings(at=time(2, 0)), utc(2026, 8, 25, 2)),
        # exactly at the cut-off: closed, posted then
        (date(2026, 8, 19), settings(at=time(3, 0)), utc(2026, 8, 24, 3)),
        # week 53 of 2020 is posted on Monday 4 January 2021
        (date(2020, 12, 30), settings(), utc(2021, 1, 4, 9)),
        # W13 of 2026 ends on Sunday 29 March; Europe changed to summer time that night
        (date(2026, 3, 25), settings("Europe/Paris"), utc(2026, 3, 30, 7)),
        # W12 (ends 22 March) was still winter time in Paris: 08:00 UTC
        (date(2026, 3, 18), settings("Europe/Paris"), utc(2026, 3, 23, 8)),
        # New York, 02:30 on the spring-forward Sunday 8 March 2026 is in the gap -> 03:00 EDT
        (date(2026, 2, 25), settings("America/New_York", time(2, 30), 6), utc(2026, 3, 8, 7)),
        # New York, 01:30 on the fall-back Sunday 1 November 2026: first occurrence (EDT)
        (date(2026, 10, 21), settings("America/New_York", time(1, 30), 6), utc(2026, 11, 1, 5, 30)),
    ],
)
def test_weekly_post_at(period_day: date, channel: ChannelSettings, expected: datetime) -> None:
    assert post_at(period_containing(W, period_day), channel) == expected


@pytest.mark.parametrize(
    ("period_day", "channel", "expected"),
    [
        (date(2026, 8, 19), settings(), utc(2026, 9, 1, 9)),
        (date(2024, 2, 10), settings(), utc(2024, 3, 1, 9)),  # leap February
        (date(2025, 12, 31), settings(), utc(2026, 1, 1, 9)),  # year end
        (date(2026, 1, 31), settings("America/Los_Angeles"), utc(2026, 2, 1, 17)),
        # Auckland: the 1st at 09:00 is the evening of the 31st in UTC -> the 2nd
        (date(2025, 12, 31), settings("Pacific/Auckland"), utc(2026, 1, 1, 20)),
        # Paris: March's post on 1 April is in summer time, February's in winter time
        (date(2026, 3, 1), settings("Europe/Paris"), utc(2026, 4, 1, 7)),
        (date(2026, 2, 1), settings("Europe/Paris"), utc(2026, 3, 1, 8)),
    ],
)
def test_monthly_post_at(period_day: date, channel: ChannelSettings, expected: datetime) -> None:
    assert post_at(period_containing(M, period_day), channel) == expected


def test_a_post_never_comes_before_its_period_closed() -> None:
    zones = ("UTC", "Pacific/Auckland", "Pacific/Kiritimati", "Pacific/Pago_Pago", "Asia/Tokyo")
    for zone in zones:
        for cadence in (W, M):
            period = period_containing(cadence, date(2025, 11, 20))
            previous_post = None
            for _ in range(60):
                for hour in (0, 2, 3, 12, 23):
                    posted = post_at(period, settings(zone, time(hour, 0)))
                    assert closes_at(period) <= posted < closes_at(period) + timedelta(days=9)
                current = post_at(period, settings(zone))
                assert previous_post is None or current > previous_post
                previous_post, period = current, period.following()


@pytest.mark.parametrize(
    ("cadence", "after", "expected_start", "expected_post"),
    [
        (W, utc(2026, 8, 24, 8, 59), date(2026, 8, 17), utc(2026, 8, 24, 9)),
        (W, utc(2026, 8, 24, 9), date(2026, 8, 24), utc(2026, 8, 31, 9)),
        (W, utc(2021, 1, 1), date(2020, 12, 28), utc(2021, 1, 4, 9)),
        (M, utc(2026, 8, 31, 23), date(2026, 8, 1), utc(2026, 9, 1, 9)),
        (M, utc(2026, 9, 1, 9), date(2026, 9, 1), utc(2026, 10, 1, 9)),
        (M, utc(2024, 2, 15), date(2024, 2, 1), utc(2024, 3, 1, 9)),
    ],
)
def test_next_occurrence(
    cadence: Cadence, after: datetime, expected_start: date, expected_post: datetime
) -> None:
    found = next_occurrence(settings(), cadence, after)
    assert (found.day, found.post_at) == (expected_start, expected_post)
    assert found.days == period_containing(cadence, expected_start).days


def test_next_post_over_cadences() -> None:
    both = settings("UTC", time(9, 0), 2, Cadence.DAILY, W)
    # Tuesday 25 August: the daily post comes first, Wednesday's weekly one after it
    assert next_post(both, utc(2026, 8, 25, 10)) == utc(2026, 8, 26, 9)
    assert next_post(settings("UTC", time(9, 0), 2, M), utc(2026, 8, 25)) == utc(2026, 9, 1, 9)


def test_due_posts_catch_up_and_missed() -> None:
    weekly = settings()
    grace = timedelta(hours=12)
    # down over the Monday post; back 3 hours later: posted once, now
    due = due_posts(weekly, W, utc(2026, 8, 17, 9), utc(2026, 8, 24, 12), grace)
    assert [(d.occurrence.day, d.action) for d in due] == [(date(2026, 8, 17), Action.POST)]
    # back a day later: missed, recorded, not posted
    due = due_posts(weekly, W, utc(2026, 8, 17, 9), utc(2026, 8, 25, 12), grace)
    assert [(d.occurrence.day, d.action) for d in due] == [(date(2026, 8, 17), Action.MISSED)]
    # nothing new since the last record
    assert due_posts(weekly, W, utc(2026, 8, 24, 9), utc(2026, 8, 30), grace) == []
    # a channel never delivered to looks back over the grace window only
    assert due_posts(weekly, W, None, utc(2026, 8, 30), grace) == []
    first = due_posts(weekly, W, None, utc(2026, 8, 24, 10), grace)
    assert [d.occurrence.day for d in first] == [date(2026, 8, 17)]


def test_due_posts_monthly_after_a_long_outage() -> None:
    grace = timedelta(hours=12)
    due = due_posts(settings(), M, utc(2026, 5, 1, 9), utc(2026, 8, 1, 10), grace)
    assert [(d.occurrence.day, d.action) for d in due] == [
        (date(2026, 5, 1), Action.MISSED),
        (date(2026, 6, 1), Action.MISSED),
        (date(2026, 7, 1), Action.POST),
    ]


def test_period_dataclass_is_keyed_by_its_start() -> None:
    assert Period(W, date(2026, 8, 17), date(2026, 8, 23)) == period_containing(
        W, date(2026, 8, 23)
    )
