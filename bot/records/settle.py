"""A settle task: settle the post of (channel, day) once it is `age_hours` old. Pure.

    pending ──claim──► settling ──► done
                          │ ├─────► gone    (the message or channel is no longer there)
                          │ └─────► failed  (retried with backoff; given up after a few)
                          └─ lease expired (the worker died) ──claim──► settling

What settling does, and why: bot/lifecycle/settle_plan.py.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, replace
from datetime import date, datetime

from bot.records.models import ChannelRef

LATE_SUFFIX = "late"  # added to a delivery's key for its late-additions reply


class SettleState(enum.StrEnum):
    PENDING = "pending"
    SETTLING = "settling"
    DONE = "done"
    GONE = "gone"
    FAILED = "failed"


FINAL_SETTLE_STATES = frozenset({SettleState.DONE, SettleState.GONE})


@dataclass(frozen=True, slots=True)
class SettleTask:
    """Settle the post of (channel, day) once it is `age_hours` old."""

    channel: ChannelRef
    day: date
    age_hours: int
    due_at: datetime  # when the post reaches the age
    state: SettleState = SettleState.PENDING
    attempts: int = 0
    # The post as it went out: its papers in posted order with their upvotes then, and
    # every paper on the covered days' lists then (what a late addition is measured against).
    posted: tuple[tuple[str, int], ...] = ()
    listed: tuple[str, ...] = ()
    edited_at: datetime | None = None
    late_ids: tuple[str, ...] | None = None  # None: not decided yet; (): none to post
    late_message_id: str | None = None
    reason: str | None = None  # GONE: what was gone; FAILED: the last error
    next_try_at: datetime | None = None  # FAILED: when to try again; None: gave up
    lease_owner: str | None = None
    lease_until: datetime | None = None

    @property
    def claim_at(self) -> datetime | None:
        """When a worker may claim the task (None: never again)."""
        if self.state is SettleState.PENDING:
            return self.due_at
        if self.state is SettleState.SETTLING:
            return self.lease_until
        if self.state is SettleState.FAILED:
            return self.next_try_at
        return None

    def ended(self, state: SettleState, reason: str | None = None) -> SettleTask:
        return replace(
            self, state=state, reason=reason, next_try_at=None, lease_owner=None, lease_until=None
        )

    def failed(self, error: str, next_try_at: datetime | None) -> SettleTask:
        return replace(self.ended(SettleState.FAILED, error), next_try_at=next_try_at)


def late_key(delivery_key: str, age_hours: int) -> str:
    """The key of a task's late-additions reply (Slack metadata, Discord nonce): stable
    across retries of the task, and within Discord's 25 nonce characters."""
    return f"{delivery_key}{LATE_SUFFIX}{age_hours}"[:25]
