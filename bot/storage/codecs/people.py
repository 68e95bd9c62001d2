"""A person's subscription as the two stores keep it: topics and settings as JSON text, so
one codec serves SQLite and PostgreSQL (bot/storage/sqlite/people, bot/storage/postgres/people).
"""

from __future__ import annotations

import json
from collections.abc import Mapping
from datetime import time
from typing import Any

from bot.records.errors import StoreError
from bot.records.models import Cadence, ChannelSettings, Topic, TopicKind, WeekdayPolicy
from bot.records.people import Person, person_ref

PERSON_COLUMNS = (
    "user_key",
    "platform",
    "workspace",
    "user_id",
    "home",
    "topics",
    "settings",
    "paused",
    "blocked_reason",
    "dm_channel",
)
# The deliveries table's twin for DM records (bot/storage/migrations/*/0030_people.sql).
PERSONAL_DELIVERIES = "personal_deliveries"


def person_values(person: Person) -> tuple[Any, ...]:
    """The person's values in PERSON_COLUMNS order (`paused` as a bool)."""
    ref = person.ref
    return (
        ref.key,
        ref.platform,
        ref.workspace,
        ref.channel_id,
        person.home,
        json.dumps([[t.kind.value, t.value] for t in person.topics]),
        json.dumps(_settings_dict(person.settings)),
        person.paused,
        person.blocked_reason,
        person.dm_channel,
    )


def person_from_row(row: Any) -> Person:  # a sqlite3.Row or an asyncpg Record
    try:
        ref = person_ref(row["platform"], row["workspace"], row["user_id"])
        topics = tuple(Topic(TopicKind(k), str(v)) for k, v in json.loads(row["topics"]))
        return Person(
            ref=ref,
            settings=_settings_from(json.loads(row["settings"])),
            topics=topics,
            home=row["home"],
            paused=bool(row["paused"]),
            blocked_reason=row["blocked_reason"],
            dm_channel=row["dm_channel"],
        )
    except (ValueError, KeyError, TypeError) as exc:
        raise StoreError(f"personal subscription row is inconsistent: {exc}") from exc


def _settings_dict(settings: ChannelSettings) -> dict[str, Any]:
    return {
        "post_time": settings.post_time.isoformat(),
        "timezone": settings.timezone,
        "min_upvotes": settings.min_upvotes,
        "max_papers": settings.max_papers,
        "weekday_policy": settings.weekday_policy.value,
        "cadences": [c.value for c in settings.cadences],
        "weekly_day": settings.weekly_day,
    }


def _settings_from(data: Mapping[str, Any]) -> ChannelSettings:
    return ChannelSettings(
        post_time=time.fromisoformat(data["post_time"]),
        timezone=str(data["timezone"]),
        min_upvotes=int(data["min_upvotes"]),
        max_papers=int(data["max_papers"]),
        weekday_policy=WeekdayPolicy(data["weekday_policy"]),
        cadences=tuple(Cadence(c) for c in data["cadences"]) or (Cadence.DAILY,),
        weekly_day=int(data["weekly_day"]),
        followups=False,  # a DM gets no follow-up replies
    )
