"""Pure translation between the core's dataclasses and the text columns of the SQL schema.

Dates are ISO 8601 text, instants are UTC with a fixed format (so text order is time order),
lists are JSON. Any backend that stores text may reuse these.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping, Sequence
from datetime import UTC, date, datetime, time
from typing import Any, overload

from bot.records.models import (
    MAX_COUNT,
    Cadence,
    ChannelRef,
    ChannelSettings,
    Paper,
    Subscription,
    Topic,
    TopicKind,
    WeekdayPolicy,
)

# How an upsert merges a paper into the stored row, in SQL both dialects take (the
# ai_keywords rule, which differs by column type, stays with each store). Title, abstract,
# authors and dates take the newest; a field the new copy lacks keeps the known value.
_KEEP_KNOWN = ", ".join(
    f"{c} = COALESCE(excluded.{c}, papers.{c})"
    for c in (
        "github_repo",
        "github_stars",
        "project_page",
        "thumbnail",
        "ai_summary",
        "organization",
    )
)
# A look-up outside the daily list (listed_on NULL, e.g. arXiv) knows no counts: it must
# not reset the counts, keywords or source of a paper that was listed.
_LISTED_WINS = ", ".join(
    f"{c} = CASE WHEN excluded.listed_on IS NULL AND papers.listed_on IS NOT NULL "
    f"THEN papers.{c} ELSE excluded.{c} END"
    for c in ("upvotes", "comments", "source")
)
# listed_on is the latest day the paper was listed on (a catch-up re-fetch of an older day
# must not move it back); every day it was listed on is in the listings table.
_LATEST_LISTING = (
    "listed_on = CASE WHEN papers.listed_on IS NULL OR excluded.listed_on > papers.listed_on "
    "THEN COALESCE(excluded.listed_on, papers.listed_on) ELSE papers.listed_on END"
)
UPSERT_MERGE = f"{_LATEST_LISTING}, {_KEEP_KNOWN}, {_LISTED_WINS}"

# A subscription's settings columns, shared by linked channels (sqlite_links.py and
# postgres_links.py copy them): one list, so a new setting is never left out of one store.
SUBSCRIPTION_SETTING_COLUMNS = (
    "post_time, timezone, min_upvotes, max_papers, weekday_policy, cadences, weekly_day, followups"
)

PAPER_COLUMNS = (
    "arxiv_id",
    "title",
    "abstract",
    "authors",
    "published_at",
    "listed_on",
    "upvotes",
    "comments",
    "github_repo",
    "github_stars",
    "project_page",
    "thumbnail",
    "ai_summary",
    "ai_keywords",
    "organization",
    "source",
)


def instant_text(at: datetime) -> str:
    """UTC, microseconds always present: lexicographic order equals time order.

    A naive datetime is taken to be UTC already (the core's clocks are aware).
    """
    aware = at.replace(tzinfo=UTC) if at.tzinfo is None else at.astimezone(UTC)
    return aware.strftime("%Y-%m-%dT%H:%M:%S.%f+00:00")


def instant_from_text(text: str) -> datetime:
    return datetime.fromisoformat(text)


def json_list(items: tuple[str, ...]) -> str:
    return json.dumps(list(items), ensure_ascii=False)


def tuple_from_json(text: str) -> tuple[str, ...]:
    return tuple(str(item) for item in json.loads(text))


@overload
def stored_count(count: int) -> int: ...


@overload
def stored_count(count: None) -> None: ...


def stored_count(count: int | None) -> int | None:
    """`count` within 0..MAX_COUNT, what both stores' INTEGER columns hold. The sources
    already skip an item with a count out of range (bot/sources/bounds.py); this is the
    stores' own guard, so no caller's count can fail a whole write with an overflow."""
    return None if count is None else min(max(count, 0), MAX_COUNT)


def paper_params(paper: Paper) -> tuple[Any, ...]:
    """The paper's values in PAPER_COLUMNS order."""
    return (
        paper.arxiv_id,
        paper.title,
        paper.abstract,
        json_list(paper.authors),
        instant_text(paper.published_at),
        paper.listed_on.isoformat() if paper.listed_on else None,
        stored_count(paper.upvotes),
        stored_count(paper.comments),
        paper.github_repo,
        stored_count(paper.github_stars),
        paper.project_page,
        paper.thumbnail,
        paper.ai_summary,
        json_list(paper.ai_keywords),
        paper.organization,
        paper.source,
    )


def paper_from_row(row: Mapping[str, Any]) -> Paper:
    listed_on = row["listed_on"]
    return Paper(
        arxiv_id=row["arxiv_id"],
        title=row["title"],
        abstract=row["abstract"],
        authors=tuple_from_json(row["authors"]),
        published_at=instant_from_text(row["published_at"]),
        listed_on=date.fromisoformat(listed_on) if listed_on else None,
        upvotes=row["upvotes"],
        comments=row["comments"],
        github_repo=row["github_repo"],
        github_stars=row["github_stars"],
        project_page=row["project_page"],
        thumbnail=row["thumbnail"],
        ai_summary=row["ai_summary"],
        ai_keywords=tuple_from_json(row["ai_keywords"]),
        organization=row["organization"],
        source=row["source"],
    )


def settings_params(settings: ChannelSettings) -> tuple[Any, ...]:
    """(post_time, timezone, min_upvotes, max_papers, weekday_policy, cadences, weekly_day,
    followups)."""
    return (
        settings.post_time.isoformat(),
        settings.timezone,
        settings.min_upvotes,
        settings.max_papers,
        settings.weekday_policy.value,
        cadences_text(settings.cadences),
        settings.weekly_day,
        int(settings.followups),
    )


def cadences_text(cadences: Sequence[Cadence]) -> str:
    """The `cadences` column: "daily,weekly"."""
    return ",".join(c.value for c in cadences)


def cadences_from_text(text: str) -> tuple[Cadence, ...]:
    """Inverse of `cadences_text`, in Cadence order; an empty column reads as daily."""
    named = {Cadence(word) for word in text.split(",") if word}
    return tuple(c for c in Cadence if c in named) or (Cadence.DAILY,)


Row = Mapping[str, Any]


def subscriptions_from_rows(
    rows: Sequence[Row],
    topic_rows: Sequence[Row],
    build: Callable[[Row, list[Any]], Subscription] | None = None,
) -> list[Subscription]:
    """Subscriptions from their rows and all their topic rows (in channel, position order);
    `build` turns one row and its topics into a Subscription (default: these text columns)."""
    by_channel: dict[str, list[Any]] = {}
    for topic in topic_rows:
        by_channel.setdefault(topic["channel_key"], []).append(topic)
    one = build or subscription_from_rows
    return [one(row, by_channel.get(row["channel_key"], [])) for row in rows]


def subscription_from_rows(
    row: Mapping[str, Any], topic_rows: Sequence[Mapping[str, Any]]
) -> Subscription:
    """A subscription from its row and its topic rows (already in position order)."""
    settings = ChannelSettings(
        post_time=time.fromisoformat(row["post_time"]),
        timezone=row["timezone"],
        min_upvotes=row["min_upvotes"],
        max_papers=row["max_papers"],
        weekday_policy=WeekdayPolicy(row["weekday_policy"]),
        cadences=cadences_from_text(row["cadences"]),
        weekly_day=row["weekly_day"],
        followups=bool(row["followups"]),
    )
    channel = ChannelRef(
        platform=row["platform"], channel_id=row["channel_id"], workspace=row["workspace"]
    )
    topics = tuple(Topic(TopicKind(t["kind"]), t["value"]) for t in topic_rows)
    return Subscription(
        channel=channel,
        topics=topics,
        settings=settings,
        paused_reason=row["paused_reason"],
        created_by=row["created_by"],
    )
