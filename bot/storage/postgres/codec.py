"""Papers and subscriptions to PostgreSQL rows and back (asyncpg's types: aware datetimes,
arrays), shared by the store's modules.
"""

from __future__ import annotations

from collections.abc import Mapping
from datetime import UTC, datetime
from typing import Any

from bot.records.errors import StoreError
from bot.records.models import (
    ChannelRef,
    ChannelSettings,
    Paper,
    Subscription,
    Topic,
    TopicKind,
    WeekdayPolicy,
)
from bot.storage.codecs import text as codec
from bot.storage.codecs.text import PAPER_COLUMNS, stored_count


def paper_params(paper: Paper) -> tuple[Any, ...]:
    """The paper's values in PAPER_COLUMNS order, as asyncpg binds them."""
    return (
        paper.arxiv_id,
        paper.title,
        paper.abstract,
        list(paper.authors),
        aware(paper.published_at),
        paper.listed_on,
        stored_count(paper.upvotes),
        stored_count(paper.comments),
        paper.github_repo,
        stored_count(paper.github_stars),
        paper.project_page,
        paper.thumbnail,
        paper.ai_summary,
        list(paper.ai_keywords),
        paper.organization,
        paper.source,
    )


def paper_from_row(row: Mapping[str, Any]) -> Paper:
    try:
        return Paper(
            **{c: row[c] for c in PAPER_COLUMNS if c not in ("authors", "ai_keywords")},
            authors=tuple(row["authors"]),
            ai_keywords=tuple(row["ai_keywords"]),
        )
    except (KeyError, TypeError) as exc:
        raise StoreError(f"paper row is inconsistent: {exc}") from exc


def subscription_from_rows(row: Mapping[str, Any], topics: list[Any]) -> Subscription:
    try:
        settings = ChannelSettings(
            post_time=row["post_time"],
            timezone=row["timezone"],
            min_upvotes=row["min_upvotes"],
            max_papers=row["max_papers"],
            weekday_policy=WeekdayPolicy(row["weekday_policy"]),
            cadences=codec.cadences_from_text(row["cadences"]),
            weekly_day=row["weekly_day"],
            followups=bool(row["followups"]),
        )
        return Subscription(
            channel=ChannelRef(row["platform"], row["channel_id"], row["workspace"]),
            topics=tuple(Topic(TopicKind(t["kind"]), t["value"]) for t in topics),
            settings=settings,
            paused_reason=row["paused_reason"],
            created_by=row["created_by"],
        )
    except (KeyError, TypeError, ValueError) as exc:
        raise StoreError(f"subscription row is inconsistent: {exc}") from exc


def aware(at: datetime) -> datetime:
    """A naive instant is taken to be UTC (as the SQLite codec does)."""
    return at.replace(tzinfo=UTC) if at.tzinfo is None else at
