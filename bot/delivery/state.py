"""A delivery record in words and in the making: the line `/papers status` shows for one, and
the new record of a due occurrence (pending, or missed past the grace window). Pure. The
record itself and its state machine: bot/records/delivery.py.
"""

from __future__ import annotations

from dataclasses import replace

from bot.records.delivery import (
    Delivery,
    DeliveryState,
)
from bot.records.models import Cadence, ChannelRef
from bot.schedule.cadence import period_containing
from bot.schedule.daily import Action, DuePost


def describe(delivery: Delivery) -> str:
    """A status line for a record (shown by `/papers status`)."""
    head = f"{delivery.day.isoformat()}:"
    if delivery.cadence is not Cadence.DAILY:
        period = period_containing(delivery.cadence, delivery.day)
        head = f"{delivery.cadence.value} {period.label}:"
    match delivery.state:
        case DeliveryState.POSTED:
            count = len(delivery.paper_ids)
            posted = f"{head} posted {count} paper{'' if count == 1 else 's'}"
            return f"{posted}, {delivery.reason}" if delivery.reason else posted
        case DeliveryState.EMPTY:
            return f"{head} nothing posted ({delivery.reason})"
        case DeliveryState.MISSED:
            return f"{head} missed ({delivery.reason})"
        case DeliveryState.PAUSED:
            return f"{head} paused: {delivery.reason}"
        case DeliveryState.FAILED if delivery.next_try_at is None:
            return f"{head} failed after {delivery.attempts} attempts ({delivery.reason})"
        case DeliveryState.FAILED:
            return f"{head} failed {delivery.attempts}x, retrying ({delivery.reason})"
        case _:
            return f"{head} {delivery.state.value}"


def record_for(channel: ChannelRef, due: DuePost, cadence: Cadence = Cadence.DAILY) -> Delivery:
    """The new record of a due occurrence: pending, or missed when past the grace window."""
    occurrence = due.occurrence
    record = Delivery(channel, occurrence.day, occurrence.post_at, occurrence.days, cadence=cadence)
    if due.action is Action.MISSED:
        when = f"{occurrence.post_at:%Y-%m-%d %H:%M} UTC"
        return replace(record, state=DeliveryState.MISSED, reason=f"the bot was down at {when}")
    return record
