"""Schedule maths: when a channel's digest is posted and which days' lists it covers. Pure.

Every function takes the time it reasons about as an argument; nothing here reads a clock.

**Post times.** A channel posts at its local `post_time` in its IANA `timezone` on the local
days its `WeekdayPolicy` allows: every day (DAILY) or Monday to Friday (WEEKDAYS and
WEEKDAYS_CATCHUP). A post time that falls in a DST gap (02:30 on a spring-forward day in
New York) is posted at the first valid instant after the gap (03:00 local); one that falls
in a DST fold (01:30 on a fall-back day) is posted once, at its first occurrence (fold=0).

**The day boundary.** Hugging Face's list for day D keeps growing until about 02:30 UTC of
D+1, so it is *closed* at the cut-off (default 03:00 UTC) on D+1. The *covered day* of a post
is the latest day whose list closed at or before the post instant (`covered_day`). It is the
key of the channel's delivery record: one record, and at most one digest, per covered day.

**Days covered.** A post covers every day after the covered day of the channel's previous
scheduled post, up to and including its own covered day. So no list is ever skipped or
covered twice, whatever the zone, the DST changes or the weekday policy, and a post whose
covered day equals its predecessor's (a post time moved across the cut-off by a DST change)
is not an occurrence at all. The policy then filters the span:

- DAILY: every day of the span (in practice one day; weekend days have no list, so they are
  recorded as empty with the reason "weekend").
- WEEKDAYS: only Monday to Friday lists; a span holding only weekend days is empty.
- WEEKDAYS_CATCHUP: every day of the span, so the Monday digest also covers the weekend.

Europe/Paris at 09:00 (07:00 or 08:00 UTC): Tuesday to Friday each cover the day before;
Monday covers Friday, Saturday and Sunday (WEEKDAYS: Friday only). Pacific/Auckland at 09:00
(the evening before in UTC) lags one more day: Tuesday covers Sunday (empty for WEEKDAYS),
Monday covers Thursday, Friday and Saturday, Friday covers Wednesday.

**Catch-up.** `due_posts` lists the occurrences between the last one handled and `now`:
those younger than the grace window are posted now (once each: the store keys them by
covered day), older ones are recorded as missed, never posted late.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from bot.records.models import ChannelSettings, WeekdayPolicy

DEFAULT_CUTOFF = time(3, 0)
# How far back `due_posts` looks at most: older occurrences are neither posted nor recorded.
MAX_LOOKBACK = timedelta(days=14)
WEEKEND = (5, 6)  # Saturday, Sunday (date.weekday): Hugging Face publishes no list on them


class Action(enum.StrEnum):
    POST = "post"  # due now: post it (on time, or caught up within the grace window)
    MISSED = "missed"  # its time passed longer ago than the grace window: record, never post


@dataclass(frozen=True, slots=True)
class Occurrence:
    """One scheduled digest: when it is posted, its key day and the lists it covers."""

    post_at: datetime  # aware, UTC
    day: date  # the covered day: the latest list closed at post_at (the record's key)
    days: tuple[date, ...]  # the lists it covers, oldest first; () when only weekend days


@dataclass(frozen=True, slots=True)
class DuePost:
    occurrence: Occurrence
    action: Action


def covered_day(post_at_utc: datetime, cutoff_utc: time = DEFAULT_CUTOFF) -> date:
    """The latest day D whose list closed (at `cutoff_utc` on D+1) at or before `post_at_utc`."""
    _require_aware(post_at_utc)
    since_cutoff = post_at_utc.astimezone(UTC) - _as_delta(cutoff_utc)
    return since_cutoff.date() - timedelta(days=1)


def next_post_at(settings: ChannelSettings, after: datetime) -> datetime:
    """The first scheduled post instant strictly after `after`, in UTC."""
    _require_aware(after)
    zone = ZoneInfo(settings.timezone)
    local_day = after.astimezone(zone).date() - timedelta(days=1)
    while True:  # at most ~9 iterations: some day in any week is allowed
        if _posts_on(settings.weekday_policy, local_day):
            candidate = local_instant(local_day, settings.post_time, zone)
            if candidate > after:
                return candidate
        local_day += timedelta(days=1)


def previous_post_at(settings: ChannelSettings, before: datetime) -> datetime:
    """The last scheduled post instant strictly before `before`, in UTC."""
    _require_aware(before)
    zone = ZoneInfo(settings.timezone)
    local_day = before.astimezone(zone).date() + timedelta(days=1)
    while True:
        if _posts_on(settings.weekday_policy, local_day):
            candidate = local_instant(local_day, settings.post_time, zone)
            if candidate < before:
                return candidate
        local_day -= timedelta(days=1)


def days_covered(
    settings: ChannelSettings, post_at: datetime, cutoff_utc: time = DEFAULT_CUTOFF
) -> tuple[date, ...]:
    """The lists the post at `post_at` (a scheduled instant) covers, oldest first."""
    day = covered_day(post_at, cutoff_utc)
    previous = covered_day(previous_post_at(settings, post_at), cutoff_utc)
    return days_between(previous, day, settings.weekday_policy)


def days_between(after: date, day: date, policy: WeekdayPolicy) -> tuple[date, ...]:
    """The days in (after, day] whose lists a channel with `policy` takes, oldest first
    (`weekdays` skips the weekend's; the others take every day)."""
    span = [after + timedelta(days=n) for n in range(1, (day - after).days + 1)]
    if policy is WeekdayPolicy.WEEKDAYS:
        span = [d for d in span if d.weekday() not in WEEKEND]
    return tuple(span)


def occurrence_at(
    settings: ChannelSettings, post_at: datetime, cutoff_utc: time = DEFAULT_CUTOFF
) -> Occurrence | None:
    """The occurrence scheduled at `post_at`, or None if it covers no new day (see above)."""
    day = covered_day(post_at, cutoff_utc)
    previous = covered_day(previous_post_at(settings, post_at), cutoff_utc)
    if day <= previous:
        return None
    return Occurrence(post_at, day, days_covered(settings, post_at, cutoff_utc))


def next_occurrence(
    settings: ChannelSettings, after: datetime, cutoff_utc: time = DEFAULT_CUTOFF
) -> Occurrence:
    """The first occurrence whose post instant is strictly after `after`."""
    post_at = next_post_at(settings, after)
    while (found := occurrence_at(settings, post_at, cutoff_utc)) is None:
        post_at = next_post_at(settings, post_at)
    return found


def due_posts(
    settings: ChannelSettings,
    last_done: datetime | None,
    now: datetime,
    grace: timedelta,
    cutoff_utc: time = DEFAULT_CUTOFF,
) -> list[DuePost]:
    """Occurrences after `last_done` and at or before `now`, oldest first, with what to do.

    `last_done` is the post instant of the channel's latest recorded occurrence; None (a
    channel never delivered to) looks back only over the grace window. Those younger than
    `grace` are POST, older ones MISSED. Nothing older than MAX_LOOKBACK is returned.
    """
    _require_aware(now)
    floor = now - (grace if last_done is None else MAX_LOOKBACK)
    start = floor if last_done is None or last_done < floor else last_done
    found: list[DuePost] = []
    occurrence = next_occurrence(settings, start, cutoff_utc)
    while occurrence.post_at <= now:
        late = now - occurrence.post_at
        found.append(DuePost(occurrence, Action.POST if late <= grace else Action.MISSED))
        occurrence = next_occurrence(settings, occurrence.post_at, cutoff_utc)
    return found


def local_instant(day: date, at: time, zone: ZoneInfo) -> datetime:
    """`at` on local `day` in `zone` as a UTC instant: first occurrence in a fold, and the
    first valid instant after the gap when the wall time does not exist."""
    wall = datetime.combine(day, at.replace(tzinfo=None, fold=0), tzinfo=zone)
    utc = wall.astimezone(UTC)
    if utc.astimezone(zone).replace(tzinfo=None) == wall.replace(tzinfo=None):
        return utc
    return _gap_end(wall, zone)


def _gap_end(wall: datetime, zone: ZoneInfo) -> datetime:
    """The transition instant ending the DST gap `wall` falls in (found by bisection).

    fold=0 reads the gap wall time with the offset before the transition, fold=1 with the
    offset after it; the transition lies between the two readings.
    """
    low = wall.replace(fold=1).astimezone(UTC)  # before the transition
    high = wall.replace(fold=0).astimezone(UTC)  # at or after it
    after_offset = high.astimezone(zone).utcoffset()
    if low > high:
        low, high = high, low
    while high - low > timedelta(seconds=1):
        middle = low + (high - low) / 2
        if middle.astimezone(zone).utcoffset() == after_offset:
            high = middle
        else:
            low = middle
    return high.replace(microsecond=0)


def _posts_on(policy: WeekdayPolicy, local_day: date) -> bool:
    return policy is WeekdayPolicy.DAILY or local_day.weekday() not in WEEKEND


def _as_delta(at: time) -> timedelta:
    return timedelta(hours=at.hour, minutes=at.minute, seconds=at.second)


def _require_aware(moment: datetime) -> None:
    if moment.tzinfo is None or moment.utcoffset() is None:
        raise ValueError(f"{moment!r} has no time zone; schedule maths needs aware datetimes")
