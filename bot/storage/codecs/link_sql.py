"""The SQL that linking channels copies rows with, written once for both stores: each store
gives its own placeholders (SQLite `?`, PostgreSQL `$n`) and its own `now`."""

from __future__ import annotations

from bot.storage.codecs.text import SUBSCRIPTION_SETTING_COLUMNS

_SETTINGS = SUBSCRIPTION_SETTING_COLUMNS
_UPDATED = ", ".join(f"{c} = excluded.{c}" for c in (*_SETTINGS.split(", "), "updated_at"))


def copy_subscription_sql(target: str, created_by: str, now: str, source: str) -> str:
    """Copy `source`'s settings onto the target channel (`target`: its key, platform,
    workspace and channel id). The target's own paused_reason and created_by stay: they
    are about that channel."""
    return (
        "INSERT INTO subscriptions (channel_key, platform, workspace, channel_id, "  # noqa: S608
        f"{_SETTINGS}, paused_reason, created_by, updated_at) "
        f"SELECT {target}, {_SETTINGS}, NULL, {created_by}, {now} FROM subscriptions "
        f"WHERE channel_key = {source} ON CONFLICT (channel_key) DO UPDATE SET {_UPDATED}"
    )


def copy_topics_sql(target: str, source: str) -> str:
    return (
        "INSERT INTO subscription_topics (channel_key, position, kind, value) "  # noqa: S608
        f"SELECT {target}, position, kind, value FROM subscription_topics "
        f"WHERE channel_key = {source}"
    )


def copy_votes_sql(target: str, source: str) -> str:
    return (
        "INSERT INTO votes (subscription_key, arxiv_id, user_key, voted_at) "  # noqa: S608
        f"SELECT {target}, arxiv_id, user_key, voted_at FROM votes "
        f"WHERE subscription_key = {source} ON CONFLICT DO NOTHING"
    )
