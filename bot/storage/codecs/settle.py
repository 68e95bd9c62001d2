"""Pure: a SettleTask as the values of a `settle_tasks` row, and back, for both dialects.

The paper lists are JSON text in both; instants and days are converted by the caller's
functions (SQLite stores text, PostgreSQL native types).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from bot.records.errors import StoreError
from bot.records.models import ChannelRef
from bot.records.settle import SettleState, SettleTask

COLUMNS = (
    "channel_key",
    "platform",
    "workspace",
    "channel_id",
    "day",
    "age_hours",
    "due_at",
    "state",
    "attempts",
    "posted",
    "listed",
    "edited_at",
    "late_ids",
    "late_message_id",
    "reason",
    "next_try_at",
    "lease_owner",
    "lease_until",
    "claim_at",
)
KEY_COLUMNS = 6  # channel_key .. age_hours (the last three of the key, with the channel parts)
MUTABLE = COLUMNS[7:]  # state onwards; due_at and the key never change


def task_values(
    task: SettleTask, instant: Callable[[datetime], Any], day: Callable[[date], Any]
) -> tuple[Any, ...]:
    """The task's values in COLUMNS order."""

    def maybe(at: datetime | None) -> Any:
        return instant(at) if at is not None else None

    channel = task.channel
    late = json.dumps(list(task.late_ids)) if task.late_ids is not None else None
    return (
        channel.key,
        channel.platform,
        channel.workspace,
        channel.channel_id,
        day(task.day),
        task.age_hours,
        instant(task.due_at),
        task.state.value,
        task.attempts,
        json.dumps([[arxiv_id, upvotes] for arxiv_id, upvotes in task.posted]),
        json.dumps(list(task.listed)),
        maybe(task.edited_at),
        late,
        task.late_message_id,
        task.reason,
        maybe(task.next_try_at),
        task.lease_owner,
        maybe(task.lease_until),
        maybe(task.claim_at),
    )


def task_from(
    row: Mapping[str, Any], instant: Callable[[Any], datetime], day: Callable[[Any], date]
) -> SettleTask:
    """A row back as a task; StoreError when it does not read as one."""

    def maybe(value: Any) -> datetime | None:
        return instant(value) if value is not None else None

    try:
        late = row["late_ids"]
        return SettleTask(
            channel=ChannelRef(row["platform"], row["channel_id"], row["workspace"]),
            day=day(row["day"]),
            age_hours=int(row["age_hours"]),
            due_at=instant(row["due_at"]),
            state=SettleState(row["state"]),
            attempts=int(row["attempts"]),
            posted=tuple((str(i), int(n)) for i, n in json.loads(row["posted"])),
            listed=tuple(str(i) for i in json.loads(row["listed"])),
            edited_at=maybe(row["edited_at"]),
            late_ids=tuple(str(i) for i in json.loads(late)) if late is not None else None,
            late_message_id=row["late_message_id"],
            reason=row["reason"],
            next_try_at=maybe(row["next_try_at"]),
            lease_owner=row["lease_owner"],
            lease_until=maybe(row["lease_until"]),
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise StoreError(f"settle task row is inconsistent: {exc}") from exc
