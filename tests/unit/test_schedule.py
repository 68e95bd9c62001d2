"""Schedule maths by tables: zones, DST both ways, weekday policies, the 03:00 UTC boundary."""

from __future__ import annotations

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest

from bot.records.models import ChannelSettings, WeekdayPolicy
from bot.schedule.daily import (
    Action,
    covered_day,
    days_covered,
    due_posts,
    next_occurrence,
    next_post_at,
    occurrence_at,
    previous_post_at,
)

DAILY = WeekdayPolicy.DAILY
WEEKDAYS = WeekdayPolicy.WEEKDAYS
CATCHUP = WeekdayPolicy.WEEKDAYS_CATCHUP


def utc(text: str) -> datetime:
    return datetime.fromisoformat(text).replace(tzinfo=UTC)


def settings(zone: str, at: str, policy: WeekdayPolicy = DAILY) -> ChannelSettings:
    hours, minutes = at.split(":")
    return ChannelSettings(
        post_time=time(int(hours), int(minutes)), timezone=zone, weekday_policy=policy
    )


def d(text: str) -> date:
    return date.fromisoformat(text)


@pytest.mark.parametrize(
    ("post_at", "cutoff", "expected"),
    [
        ("2024-05-10T03:00:00", time(3, 0), "2024-05-09"),  # the cut-off itself closes D-1
        ("2024-05-10T02:59:59", time(3, 0), "2024-05-08"),  # a second before: D-1 still open
        ("2024-05-10T23:59:59", time(3, 0), "2024-05-09"),
        ("2024-05-11T00:00:00", time(3, 0), "2024-05-09"),  # midnight does not close 05-10
        ("2024-05-10T02:45:00", time(2, 30), "2024-05-09"),  # configurable cut-off
        ("2024-05-10T00:10:00", time(0, 0), "2024-05-09"),
        ("2024-03-01T03:00:00", time(3, 0), "2024-02-29"),  # leap day
        ("2026-01-01T01:00:00", time(3, 0), "2025-12-30"),  # across a year
    ],
)
def test_covered_day_is_the_latest_closed_day(post_at: str, cutoff: time, expected: str) -> None:
    assert covered_day(utc(post_at), cutoff) == d(expected)


def test_covered_day_reads_any_offset_as_its_utc_instant() -> None:
    paris = datetime.fromisoformat("2024-05-10T05:00:00+02:00")  # 03:00 UTC
    assert covered_day(paris) == d("2024-05-09")
    assert covered_day(paris - timedelta(seconds=1)) == d("2024-05-08")


def test_naive_datetimes_are_refused() -> None:
    with pytest.raises(ValueError, match="no time zone"):
        covered_day(datetime(2024, 5, 10, 9, 0))  # naive on purpose
    with pytest.raises(ValueError, match="no time zone"):
        next_post_at(ChannelSettings(), datetime(2024, 5, 10, 9, 0))


@pytest.mark.parametrize(
    ("zone", "at", "policy", "after", "expected"),
    [
        ("UTC", "09:00", DAILY, "2024-05-10T08:59:59", "2024-05-10T09:00:00"),
        ("UTC", "09:00", DAILY, "2024-05-10T09:00:00", "2024-05-11T09:00:00"),  # strictly after
        ("Europe/Paris", "09:00", DAILY, "2024-07-01T00:00:00", "2024-07-01T07:00:00"),  # CEST
        ("Europe/Paris", "09:00", DAILY, "2024-01-15T00:00:00", "2024-01-15T08:00:00"),  # CET
        ("Asia/Kolkata", "09:00", DAILY, "2024-05-10T00:00:00", "2024-05-10T03:30:00"),
        ("Asia/Kolkata", "09:00", DAILY, "2024-05-10T03:30:00", "2024-05-11T03:30:00"),
        ("Pacific/Auckland", "09:00", DAILY, "2024-07-01T00:00:00", "2024-07-01T21:00:00"),
        ("Pacific/Auckland", "09:00", DAILY, "2024-01-15T00:00:00", "2024-01-15T20:00:00"),
        ("America/New_York", "09:00", DAILY, "2024-05-10T00:00:00", "2024-05-10T13:00:00"),
        ("America/New_York", "09:00", DAILY, "2024-12-10T00:00:00", "2024-12-10T14:00:00"),
        # spring forward: 02:30 does not exist; posted at the first valid instant after (03:00)
        ("America/New_York", "02:30", DAILY, "2024-03-09T12:00:00", "2024-03-10T07:00:00"),
        ("America/New_York", "02:30", DAILY, "2024-03-10T07:00:00", "2024-03-11T06:30:00"),
        ("Europe/Paris", "02:30", DAILY, "2024-03-30T12:00:00", "2024-03-31T01:00:00"),
        ("Pacific/Auckland", "02:30", DAILY, "2024-09-28T00:00:00", "2024-09-28T14:00:00"),
        # fall back: 01:30 happens twice; posted once, at the first (EDT) occurrence
        ("America/New_York", "01:30", DAILY, "2024-11-03T00:00:00", "2024-11-03T05:30:00"),
        ("America/New_York", "01:30", DAILY, "2024-11-03T05:30:00", "2024-11-04T06:30:00"),
        ("Europe/Paris", "02:30", DAILY, "2024-10-27T00:00:00", "2024-10-27T00:30:00"),
        ("Europe/Paris", "02:30", DAILY, "2024-10-27T00:30:00", "2024-10-28T01:30:00"),
        # weekday policies skip the local weekend (Friday 2024-05-10 -> Monday 05-13)
        ("Europe/Paris", "09:00", WEEKDAYS, "2024-05-10T08:00:00", "2024-05-13T07:00:00"),
        ("Europe/Paris", "09:00", CATCHUP, "2024-05-10T08:00:00", "2024-05-13T07:00:00"),
        ("Europe/Paris", "09:00", DAILY, "2024-05-10T08:00:00", "2024-05-11T07:00:00"),
        # Auckland's local Monday 09:00 is Sunday evening in UTC
        ("Pacific/Auckland", "09:00", CATCHUP, "2024-05-09T22:00:00", "2024-05-12T21:00:00"),
        ("Asia/Kolkata", "23:45", WEEKDAYS, "2024-05-10T18:15:00", "2024-05-13T18:15:00"),
    ],
)
def test_next_post_at(zone: str, at: str, policy: WeekdayPolicy, after: str, expected: str) -> None:
    assert next_post_at(settings(zone, at, policy), utc(after)) == utc(expected)


def test_previous_post_at_mirrors_next() -> None:
    s = settings("America/New_York", "02:30", DAILY)
    assert previous_post_at(s, utc("2024-03-10T07:00:01")) == utc("2024-03-10T07:00:00")
    assert previous_post_at(s, utc("2024-03-10T07:00:00")) == utc("2024-03-09T07:30:00")


@pytest.mark.parametrize(
    ("zone", "at", "policy", "local_day", "expected"),
    [
        # Europe/Paris 09:00: Tuesday covers Monday; Monday covers the weekend or not
        ("Europe/Paris", "09:00", CATCHUP, "2024-05-14", ("2024-05-13",)),
        (
            "Europe/Paris",
            "09:00",
            CATCHUP,
            "2024-05-13",
            ("2024-05-10", "2024-05-11", "2024-05-12"),
        ),
        ("Europe/Paris", "09:00", WEEKDAYS, "2024-05-13", ("2024-05-10",)),
        ("Europe/Paris", "09:00", DAILY, "2024-05-13", ("2024-05-12",)),
        ("Europe/Paris", "09:00", DAILY, "2024-05-12", ("2024-05-11",)),
        ("Europe/Paris", "09:00", WEEKDAYS, "2024-05-17", ("2024-05-16",)),
        # Auckland 09:00 is the evening before in UTC: one more day of lag
        (
            "Pacific/Auckland",
            "09:00",
            CATCHUP,
            "2024-05-13",
            ("2024-05-09", "2024-05-10", "2024-05-11"),
        ),
        ("Pacific/Auckland", "09:00", CATCHUP, "2024-05-14", ("2024-05-12",)),
        ("Pacific/Auckland", "09:00", WEEKDAYS, "2024-05-14", ()),  # only Sunday: empty
        ("Pacific/Auckland", "09:00", WEEKDAYS, "2024-05-13", ("2024-05-09", "2024-05-10")),
        ("Pacific/Auckland", "09:00", CATCHUP, "2024-05-17", ("2024-05-15",)),
        # Kolkata 09:00 = 03:30 UTC, just after the cut-off
        (
            "Asia/Kolkata",
            "09:00",
            CATCHUP,
            "2024-05-13",
            ("2024-05-10", "2024-05-11", "2024-05-12"),
        ),
        ("Asia/Kolkata", "08:15", DAILY, "2024-05-13", ("2024-05-11",)),  # 02:45 UTC: too early
        (
            "America/New_York",
            "09:00",
            CATCHUP,
            "2024-05-13",
            ("2024-05-10", "2024-05-11", "2024-05-12"),
        ),
        ("UTC", "03:00", DAILY, "2024-05-13", ("2024-05-12",)),
        ("UTC", "02:59", DAILY, "2024-05-13", ("2024-05-11",)),
        # Paris 04:30 crosses the cut-off with DST: autumn's first CET post covers two days
        ("Europe/Paris", "04:30", DAILY, "2024-10-27", ("2024-10-25", "2024-10-26")),
        ("Europe/Paris", "04:30", DAILY, "2024-04-01", ("2024-03-30",)),
    ],
)
def test_days_covered(
    zone: str, at: str, policy: WeekdayPolicy, local_day: str, expected: tuple[str, ...]
) -> None:
    s = settings(zone, at, policy)
    day_start = datetime.combine(d(local_day), time(0, 0), tzinfo=UTC) - timedelta(days=1)
    post_at = next_post_at(s, day_start)
    while post_at.astimezone(ZoneInfo(zone)).date() != d(local_day):
        post_at = next_post_at(s, post_at)
    assert days_covered(s, post_at) == tuple(d(x) for x in expected)


def test_a_post_moved_before_the_cutoff_by_dst_is_not_an_occurrence() -> None:
    s = settings("Europe/Paris", "04:30", DAILY)
    saturday = utc("2024-03-30T03:30:00")  # CET: after the cut-off, covers Friday
    sunday = utc("2024-03-31T02:30:00")  # CEST: before the cut-off, Friday again
    assert occurrence_at(s, saturday) is not None
    assert occurrence_at(s, sunday) is None
    monday = next_occurrence(s, saturday)
    assert monday.post_at == utc("2024-04-01T02:30:00")
    assert monday.day == d("2024-03-30")


ZONES = ["UTC", "Europe/Paris", "America/New_York", "Asia/Kolkata", "Pacific/Auckland"]
TIMES = ["00:00", "02:30", "04:30", "09:00", "14:45", "23:59"]


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("policy", list(WeekdayPolicy))
@pytest.mark.parametrize("at", TIMES)
def test_over_a_year_every_list_is_covered_exactly_once(
    zone: str, policy: WeekdayPolicy, at: str
) -> None:
    s = settings(zone, at, policy)
    start = utc("2024-01-01T00:00:00")
    occurrence = next_occurrence(s, start)
    first = covered_day(previous_post_at(s, occurrence.post_at)) + timedelta(days=1)
    covered, keys = list[date](), list[date]()
    while occurrence.post_at < utc("2025-01-01T00:00:00"):
        keys.append(occurrence.day)
        covered.extend(occurrence.days)
        assert occurrence.day == covered_day(occurrence.post_at)
        occurrence = next_occurrence(s, occurrence.post_at)
    assert keys == sorted(set(keys)), "one occurrence per covered day, in order"
    expected = [first + timedelta(days=n) for n in range((keys[-1] - first).days + 1)]
    if policy is WEEKDAYS:
        expected = [x for x in expected if x.weekday() < 5]
    assert covered == expected


PARIS_9 = settings("Europe/Paris", "09:00", DAILY)
GRACE = timedelta(hours=12)


@pytest.mark.parametrize(
    ("last_done", "now", "expected"),
    [
        ("2024-05-09T07:00:00", "2024-05-10T06:59:59", []),  # not yet
        ("2024-05-09T07:00:00", "2024-05-10T07:00:00", [("2024-05-10T07:00:00", "post")]),
        ("2024-05-10T07:00:00", "2024-05-10T09:00:00", []),  # already handled
        # down for three days: older misses recorded, today's posted
        (
            "2024-05-07T07:00:00",
            "2024-05-10T10:00:00",
            [
                ("2024-05-08T07:00:00", "missed"),
                ("2024-05-09T07:00:00", "missed"),
                ("2024-05-10T07:00:00", "post"),
            ],
        ),
        ("2024-05-09T07:00:00", "2024-05-10T19:00:00", [("2024-05-10T07:00:00", "post")]),
        ("2024-05-09T07:00:00", "2024-05-10T19:00:01", [("2024-05-10T07:00:00", "missed")]),
        # never delivered: only the grace window is looked at
        (None, "2024-05-10T10:00:00", [("2024-05-10T07:00:00", "post")]),
        (None, "2024-05-10T19:00:01", []),
    ],
)
def test_due_posts_catch_up_within_the_grace_window(
    last_done: str | None, now: str, expected: list[tuple[str, str]]
) -> None:
    last = utc(last_done) if last_done else None
    found = due_posts(PARIS_9, last, utc(now), GRACE)
    assert [(p.occurrence.post_at, p.action) for p in found] == [
        (utc(at), Action(action)) for at, action in expected
    ]


def test_due_posts_looks_back_at_most_two_weeks() -> None:
    found = due_posts(PARIS_9, utc("2024-01-01T07:00:00"), utc("2024-05-10T08:00:00"), GRACE)
    assert len(found) == 14
    assert [p.action for p in found].count(Action.POST) == 1
    assert found[-1].occurrence.day == d("2024-05-09")


def test_due_posts_carry_the_days_each_occurrence_covers() -> None:
    s = settings("Europe/Paris", "09:00", CATCHUP)
    found = due_posts(s, utc("2024-05-10T07:00:00"), utc("2024-05-13T07:30:00"), GRACE)
    assert len(found) == 1
    assert found[0].occurrence.day == d("2024-05-12")
    assert found[0].occurrence.days == (d("2024-05-10"), d("2024-05-11"), d("2024-05-12"))
