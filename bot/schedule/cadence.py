"""Schedule maths for weekly and monthly digests. Pure: every function takes its time.

**Periods.** A weekly digest covers one ISO week (Monday to Sunday: 2026-W01 starts on
Monday 29 December 2025; 2020-W53 ends on Sunday 3 January 2021), a monthly digest one
calendar month. A period is *closed* when its last day's list is, at the day cut-off
(default 03:00 UTC) on the day after it (bot/schedule/daily.py), so a period closes at the cut-off
on the Monday after its week, or on the 1st after its month.

**Post times.** A weekly channel posts on its `weekly_day` (Monday by default) of the week
after the period, a monthly one on the 1st of the month after, at its local `post_time` in
its zone (DST gaps and folds as for daily posts: `schedule.local_instant`). A post time that
comes before the period closed (Monday 09:00 in Auckland is Sunday evening in UTC) moves to
the next local day at the same time, so every channel gets the week it just finished,
never one a week older. Each period has exactly one post instant, and they increase with
the periods, so a period is never skipped or covered twice.

**The record.** A period's delivery record is keyed by (channel, cadence, first day of the
period); it lists every day of the period in `days`. Daily records keep their key (channel,
"daily", covered day), so the cadences never share a record.

**Catch-up.** As for daily posts: occurrences younger than the grace window are posted, older
ones recorded as missed; the look-back spans at least two periods.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.records.models import Cadence, ChannelSettings
from bot.schedule.daily import (
    DEFAULT_CUTOFF,
    MAX_LOOKBACK,
    Action,
    DuePost,
    Occurrence,
    local_instant,
)
from bot.schedule.daily import due_posts as daily_due_posts
from bot.schedule.daily import next_occurrence as daily_next_occurrence

WEEKDAY_NAMES = ("monday", "tuesday", "wednesday", "thursday", "friday", "saturday", "sunday")
_LOOKBACK = {
    Cadence.DAILY: MAX_LOOKBACK,
    Cadence.WEEKLY: timedelta(days=21),
    Cadence.MONTHLY: timedelta(days=70),
}
# How far before `after` the search for the next period starts: more than one period plus
# the longest wait from a period's end to its post (a Sunday post, moved one day).
_SEARCH_BACK = {Cadence.WEEKLY: timedelta(days=16), Cadence.MONTHLY: timedelta(days=40)}


@dataclass(frozen=True, slots=True)
class Period:
    """One week or month of lists: `start` to `end`, both included."""

    cadence: Cadence
    start: date
    end: date

    @property
    def days(self) -> tuple[date, ...]:
        return tuple(
            self.start + timedelta(days=n) for n in range((self.end - self.start).days + 1)
        )

    @property
    def label(self) -> str:
        """Hugging Face's name for it: `2026-W34` or `2026-08`."""
        if self.cadence is Cadence.WEEKLY:
            year, week, _ = self.start.isocalendar()
            return f"{year}-W{week:02d}"
        return f"{self.start:%Y-%m}"

    @property
    def title(self) -> str:
        """For a digest's heading: `week 34 of 2026 (17 to 23 August)`, `August 2026`."""
        if self.cadence is Cadence.MONTHLY:
            return f"{self.start:%B %Y}"
        year, week, _ = self.start.isocalendar()
        first = f"{self.start.day}"
        if self.start.month != self.end.month:
            first += f" {self.start:%B}"
        return f"week {week} of {year} ({first} to {self.end.day} {self.end:%B})"

    def following(self) -> Period:
        return period_containing(self.cadence, self.end + timedelta(days=1))


def period_containing(cadence: Cadence, day: date) -> Period:
    """The ISO week or calendar month `day` is in (DAILY has no periods: ValueError)."""
    if cadence is Cadence.WEEKLY:
        start = day - timedelta(days=day.weekday())
        return Period(cadence, start, start + timedelta(days=6))
    if cadence is Cadence.MONTHLY:
        start = day.replace(day=1)
        following = (start + timedelta(days=32)).replace(day=1)
        return Period(cadence, start, following - timedelta(days=1))
    raise ValueError("daily digests are scheduled by bot.schedule.daily, not by periods")


def period_of_record(cadence: Cadence, start: date) -> Period:
    """The period a delivery record keyed by (cadence, `start`) covers."""
    return period_containing(cadence, start)


def closes_at(period: Period, cutoff_utc: time = DEFAULT_CUTOFF) -> datetime:
    """When the period's last list closes: the cut-off on the day after its last day."""
    after = period.end + timedelta(days=1)
    return datetime.combine(after, cutoff_utc.replace(tzinfo=None), tzinfo=UTC)


def post_at(
    period: Period, settings: ChannelSettings, cutoff_utc: time = DEFAULT_CUTOFF
) -> datetime:
    """The period's one post instant (UTC): see the module docstring."""
    zone = ZoneInfo(settings.timezone)
    local_day = period.end + timedelta(days=1)
    if period.cadence is Cadence.WEEKLY:
        local_day += timedelta(days=settings.weekly_day)
    closed = closes_at(period, cutoff_utc)
    while (candidate := local_instant(local_day, settings.post_time, zone)) < closed:
        local_day += timedelta(days=1)
    return candidate


def occurrence_of(
    period: Period, settings: ChannelSettings, cutoff_utc: time = DEFAULT_CUTOFF
) -> Occurrence:
    return Occurrence(post_at(period, settings, cutoff_utc), period.start, period.days)


def next_occurrence(
    settings: ChannelSettings,
    cadence: Cadence,
    after: datetime,
    cutoff_utc: time = DEFAULT_CUTOFF,
) -> Occurrence:
    """The cadence's first occurrence whose post instant is strictly after `after`."""
    if cadence is Cadence.DAILY:
        return daily_next_occurrence(settings, after, cutoff_utc)
    period = period_containing(cadence, after.astimezone(UTC).date() - _SEARCH_BACK[cadence])
    while (found := occurrence_of(period, settings, cutoff_utc)).post_at <= after:
        period = period.following()
    return found


def next_post(
    settings: ChannelSettings, after: datetime, cutoff_utc: time = DEFAULT_CUTOFF
) -> datetime:
    """The first post instant after `after` over all the channel's cadences."""
    cadences = settings.cadences or (Cadence.DAILY,)
    return min(next_occurrence(settings, c, after, cutoff_utc).post_at for c in cadences)


def due_posts(
    settings: ChannelSettings,
    cadence: Cadence,
    last_done: datetime | None,
    now: datetime,
    grace: timedelta,
    cutoff_utc: time = DEFAULT_CUTOFF,
) -> list[DuePost]:
    """`bot.schedule.daily.due_posts` for any cadence: the occurrences after `last_done` (the post
    instant of the cadence's latest record; None looks back over the grace window only) and
    at or before `now`, oldest first; POST within `grace`, MISSED after it."""
    if cadence is Cadence.DAILY:
        return daily_due_posts(settings, last_done, now, grace, cutoff_utc)
    floor = now - (grace if last_done is None else _LOOKBACK[cadence])
    start = floor if last_done is None or last_done < floor else last_done
    found: list[DuePost] = []
    occurrence = next_occurrence(settings, cadence, start, cutoff_utc)
    while occurrence.post_at <= now:
        late = now - occurrence.post_at
        found.append(DuePost(occurrence, Action.POST if late <= grace else Action.MISSED))
        occurrence = next_occurrence(settings, cadence, occurrence.post_at, cutoff_utc)
    return found
