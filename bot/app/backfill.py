"""`paperbot fetch`: backfill the store over a range of days, surviving days that fail.

Which days to fetch is pure (`check_range`, `plan_backfill`), as is the summary; the loop
(`run_backfill`) does the I/O through the function it is given.

- A day that still fails after the source's retries does not end the backfill: the rest go
  on, the failed days are named at the end, and the command exits non-zero.
- A source whose host cannot be reached (SourceUnreachable: refused, DNS, TLS, timed out
  twice in a row) ends it at that day: every later day would fail the same way. One line
  names the host and the cause, then the days not fetched; the command exits non-zero.
- A re-run fetches only what is missing: a day is skipped when the store holds a fetch of it
  made after its list closed (`day_cutoff_utc` on the next day), as a closed list keeps its
  papers. A day never fetched, fetched before it closed, or whose fetch failed (a failure
  records nothing) is fetched. `--refetch` fetches every day again (upvotes keep rising).
- Days without a list (weekends, holidays, days past the last list) are counted in the one
  summary line instead of a log line each.
"""

from __future__ import annotations

import logging
from collections.abc import Awaitable, Callable, Iterable, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from bot.records.errors import (
    SourceError,
    SourceUnreachable,
    StoreBusy,
    StoreFull,
    UserInputError,
)
from bot.records.models import DayList

log = logging.getLogger(__name__)

# Fetch and store one day: its papers, and how many items could not be read.
StoreDay = Callable[[date], Awaitable[DayList]]


@dataclass(frozen=True, slots=True)
class BackfillPlan:
    to_fetch: tuple[date, ...]  # oldest first
    skipped: tuple[date, ...]  # already fetched after their list closed


@dataclass(slots=True)
class BackfillReport:
    papers: int = 0
    listed: list[date] = field(default_factory=list)  # fetched, with at least one paper
    empty: list[date] = field(default_factory=list)  # fetched, no list
    failed: dict[date, str] = field(default_factory=dict)  # day -> why, one line
    skipped: int = 0  # days not fetched: already fetched after their list closed
    unreadable: int = 0  # items left out of the fetched days' lists: the source's, unreadable
    unreachable: SourceUnreachable | None = None  # why the backfill stopped early
    stopped_at: date | None = None  # the day it stopped at, not fetched
    # The store refused a write (busy, full) on this day, and why: the days before it are
    # stored, it and the later ones are not (the next would fail alike, so the run stops)
    stopped: tuple[date, str] | None = None


def check_range(since: date, until: date, today: date) -> None:
    """Raise UserInputError for a range that cannot be meant: reversed, or in the future."""
    if since > today:
        raise UserInputError(f"--since {since} is in the future (today is {today}, UTC)")
    if until > today:
        raise UserInputError(f"--until {until} is in the future (today is {today}, UTC)")
    if since > until:
        raise UserInputError(
            f"--since {since} is after --until {until} (default: the latest closed day)"
        )


def list_closes_at(day: date, cutoff_utc: time) -> datetime:
    """When Hugging Face's list for `day` stops changing: `cutoff_utc` on the next day."""
    return datetime.combine(day + timedelta(days=1), cutoff_utc, tzinfo=UTC)


def plan_backfill(
    since: date,
    until: date,
    latest_fetches: Mapping[date, datetime],
    cutoff_utc: time,
    *,
    refetch: bool = False,
) -> BackfillPlan:
    """Every day from `since` to `until`, less (unless `refetch`) those whose latest fetch
    came after their list closed."""
    days = [since + timedelta(days=i) for i in range((until - since).days + 1)]
    if refetch:
        return BackfillPlan(tuple(days), ())

    def done(day: date) -> bool:
        fetched_at = latest_fetches.get(day)
        return fetched_at is not None and fetched_at >= list_closes_at(day, cutoff_utc)

    return BackfillPlan(
        to_fetch=tuple(d for d in days if not done(d)),
        skipped=tuple(d for d in days if done(d)),
    )


async def run_backfill(
    store_day: StoreDay,
    days: Iterable[date],
    *,
    on_day: Callable[[date, BackfillReport], None] | None = None,
) -> BackfillReport:
    """Fetch each day in turn; a SourceError is recorded for its day and the loop goes on,
    except an unreachable host, which ends it (at `stopped_at`). A busy or full store stops
    it too, recorded in `stopped`; anything else (a config error) ends it."""
    report = BackfillReport()
    for day in days:
        if on_day is not None:
            on_day(day, report)
        try:
            stored = await store_day(day)
        except SourceUnreachable as exc:
            report.unreachable, report.stopped_at = exc, day
            break
        except SourceError as exc:
            report.failed[day] = str(exc)
            log.warning("could not fetch the list for %s: %s", day, exc)
            continue
        except (StoreBusy, StoreFull) as exc:
            report.stopped = (day, str(exc))
            break
        count = len(stored)
        report.papers += count
        report.unreadable += stored.skipped
        if count:
            report.listed.append(day)
            log.info("fetched %d papers listed on %s", count, day)
        else:
            report.empty.append(day)
    return report


def summary_line(report: BackfillReport) -> str:
    """One line for the whole run: papers, days, days without a list, days skipped."""
    fetched = len(report.listed) + len(report.empty)
    parts = [f"Fetched {report.papers:,} papers over {_days(fetched)}."]
    if report.empty:
        parts.append(
            f"{_days(len(report.empty))} had no list (weekends, holidays, or not listed yet)."
        )
    if report.skipped:
        parts.append(f"Skipped {_days(report.skipped)} already fetched after they closed.")
    if report.unreadable:
        items = "item" if report.unreadable == 1 else "items"
        parts.append(f"Left out {report.unreadable:,} unreadable {items} (the log names the days).")
    return " ".join(parts)


def failure_lines(report: BackfillReport) -> list[str]:
    """The failed days, each with its reason, and what to do; [] if none failed. A stopped
    run says exactly which days were stored and which were not."""
    lines = _stopped_lines(report.stopped) if report.stopped else []
    if not report.failed:
        return lines
    head = (
        f"Could not fetch {_days(len(report.failed))}; "
        "run the same command again to fetch only what is missing:"
    )
    return [*lines, head, *(f"  {day}: {why}" for day, why in sorted(report.failed.items()))]


def _stopped_lines(stopped: tuple[date, str]) -> list[str]:
    day, why = stopped
    return [
        f"Stopped at {day}: {why}",
        f"The days fetched before {day} are stored; {day} and the days after it are not: "
        "run the same command again to fetch only what is missing.",
    ]


def unreachable_lines(report: BackfillReport, planned: Sequence[date]) -> list[str]:
    """Why the backfill stopped early, in one line naming the host and the cause, then the
    days of `planned` not fetched (as runs of days); [] if it did not stop."""
    stop, first = report.unreachable, report.stopped_at
    if stop is None or first is None:
        return []
    head = (
        f"{stop.source} at {stop.host} is unreachable ({stop.cause}): "
        f"stopped at {first.isoformat()}."
    )
    left = [day for day in planned if day >= first]
    spans = ", ".join(_span(a, b) for a, b in _runs(left))
    tail = f"Not fetched, {_days(len(left))}: {spans}"
    return [head, tail + "; run the same command again once it answers."]


def _runs(days: list[date]) -> list[tuple[date, date]]:
    """Consecutive days as (first, last) runs, in order."""
    runs: list[tuple[date, date]] = []
    for day in days:
        if runs and day == runs[-1][1] + timedelta(days=1):
            runs[-1] = (runs[-1][0], day)
        else:
            runs.append((day, day))
    return runs


def _span(first: date, last: date) -> str:
    return first.isoformat() if first == last else f"{first.isoformat()} to {last.isoformat()}"


def _days(n: int) -> str:
    return f"{n:,} day" if n == 1 else f"{n:,} days"
