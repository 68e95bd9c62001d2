"""Pure: a FollowupEvent as the values of a `followup_events` row, and back, for both
dialects (instants and days are converted by the caller's functions), and the SQL both share
with only their placeholders differing."""

from __future__ import annotations

from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any

from bot.records.errors import StoreError
from bot.records.followups import FollowupEvent, FollowupKind, Seen
from bot.records.models import ChannelRef

COLUMNS = (
    "channel_key",
    "platform",
    "workspace",
    "channel_id",
    "arxiv_id",
    "kind",
    "value",
    "day",
    "thread_of",
    "delivery_key",
    "title",
    "detected_at",
    "reply_key",
    "message_id",
)
SEEN_COLUMNS = (
    "arxiv_id",
    "github_repo",
    "github_stars",
    "version",
    "hf_models",
    "hf_datasets",
    "hf_spaces",
    "seen_at",
)


def insert_event_sql(marks: list[str]) -> str:
    """Insert an event once: a second sighting of its key changes nothing."""
    return (
        f"INSERT INTO followup_events ({', '.join(COLUMNS)}) "  # noqa: S608
        f"VALUES ({', '.join(marks)}) ON CONFLICT (channel_key, arxiv_id, kind, value) DO NOTHING"
    )


def upsert_seen_sql(marks: list[str]) -> str:
    updates = ", ".join(f"{c} = excluded.{c}" for c in SEEN_COLUMNS[1:])
    return (
        f"INSERT INTO followup_seen ({', '.join(SEEN_COLUMNS)}) "  # noqa: S608
        f"VALUES ({', '.join(marks)}) ON CONFLICT (arxiv_id) DO UPDATE SET {updates}"
    )


def event_values(
    event: FollowupEvent, instant: Callable[[datetime], Any], day: Callable[[date], Any]
) -> tuple[Any, ...]:
    channel = event.channel
    return (
        channel.key,
        channel.platform,
        channel.workspace,
        channel.channel_id,
        event.arxiv_id,
        event.kind.value,
        event.value,
        day(event.day),
        event.thread_of,
        event.delivery_key,
        event.title,
        instant(event.detected_at),
        event.reply_key,
        event.message_id,
    )


def event_from(
    row: Mapping[str, Any], instant: Callable[[Any], datetime], day: Callable[[Any], date]
) -> FollowupEvent:
    try:
        return FollowupEvent(
            ChannelRef(row["platform"], row["channel_id"], row["workspace"]),
            row["arxiv_id"],
            FollowupKind(row["kind"]),
            row["value"],
            day(row["day"]),
            row["thread_of"],
            row["delivery_key"],
            row["title"],
            instant(row["detected_at"]),
            row["reply_key"],
            row["message_id"],
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise StoreError(f"follow-up row is inconsistent: {exc}") from exc


def seen_from(row: Mapping[str, Any]) -> Seen:
    return Seen(
        row["arxiv_id"],
        row["github_repo"],
        row["github_stars"],
        row["version"],
        (row["hf_models"], row["hf_datasets"], row["hf_spaces"]),
    )


def seen_values(seen: Seen, at: Any) -> tuple[Any, ...]:
    return (seen.arxiv_id, seen.github_repo, seen.github_stars, seen.version, *seen.hf, at)


def claim_reply_sql(worker: str, until: str, channel: str, key: str, now: str) -> str:
    """Lease a batch's unsent rows unless another lease still runs (placeholders given)."""
    return (
        "UPDATE followup_events SET attempts = attempts + 1, "  # noqa: S608
        f"lease_owner = {worker}, lease_until = {until} "
        f"WHERE channel_key = {channel} AND reply_key = {key} AND message_id IS NULL "
        f"AND (lease_until IS NULL OR lease_until <= {now}) RETURNING attempts"
    )


def finish_reply_sql(message_id: str, channel: str, key: str, worker: str) -> str:
    """Record the reply (or release the batch, message id NULL) under the worker's lease.
    `lease_until` stays: a released batch is claimed again once it has passed (a backoff)."""
    return (
        f"UPDATE followup_events SET message_id = {message_id}, "  # noqa: S608
        "lease_owner = NULL "
        f"WHERE channel_key = {channel} AND reply_key = {key} AND lease_owner = {worker} "
        "AND message_id IS NULL"
    )
