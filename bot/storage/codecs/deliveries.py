"""The deliveries table's columns and rows, shared by both stores: the column list, the plain
select, and when a record may be claimed next.
"""

from __future__ import annotations

from datetime import datetime

from bot.records.delivery import Delivery, DeliveryState

COLUMNS = (
    "channel_key",
    "platform",
    "workspace",
    "channel_id",
    "cadence",
    "day",
    "post_at",
    "days",
    "state",
    "attempts",
    "next_try_at",
    "reason",
    "paper_ids",
    "message_ids",
    "thread_replies",
    "posted_at",
    "lease_owner",
    "lease_until",
    "due_at",
    "updated_at",
)
COLUMN_LIST = ", ".join(COLUMNS)
KEY_COLUMNS = 7  # the key, the channel's parts, the cadence, day and post_at never change
SELECT_DELIVERIES = f"SELECT {COLUMN_LIST} FROM deliveries"  # noqa: S608


def due_at(delivery: Delivery) -> datetime | None:
    """When a worker may claim the record next (None: never again)."""
    if delivery.state is DeliveryState.PENDING:
        return delivery.post_at
    if delivery.state is DeliveryState.FAILED:
        return delivery.next_try_at
    if delivery.state is DeliveryState.POSTING:
        return delivery.lease_until
    return None
