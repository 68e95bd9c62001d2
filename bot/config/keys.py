"""The tables and keys a paperbot config may hold, and the check that refuses any other.

A misspelt key (`soruce`) or table (`[slakc]`) used to be ignored without a word, so the
setting silently kept its default. Now it is an error naming the key, its table and the
nearest valid name.
"""

from __future__ import annotations

import difflib
from collections.abc import Mapping
from typing import Any

from bot.records.errors import ConfigError

KEYS: dict[str, tuple[str, ...]] = {
    "bot": ("database_url", "source", "user_agent", "log_level"),
    "defaults": ("time", "timezone", "min_upvotes", "max_papers", "weekdays"),
    "huggingface": (
        "base_url",
        "page_size",
        "sort",
        "timeout_s",
        "request_deadline_s",
        "request_budget_s",
        "retries",
        "cooldown_s",
    ),
    "arxiv": (
        "base_url",
        "min_interval_s",
        "timeout_s",
        "request_budget_s",
        "retries",
        "cooldown_s",
    ),
    "delivery": (
        "day_cutoff_utc",
        "grace_hours",
        "concurrency",
        "max_attempts",
        "settle_after_hours",
        "settle_concurrency",
        "followup_days",
    ),
    "retention": (
        "enabled",
        "every_hours",
        "batch_size",
        "deliveries_days",
        "settle_days",
        "followups_days",
        "requests_hours",
        "links_days",
        "artifacts_days",
        "fetches_days",
    ),
    "slack": (
        "enabled",
        "mode",
        "bot_token_env",
        "app_token_env",
        "signing_secret_env",
        "managers",
        "allow_workspace_admins",
        "allow_channel_creator",
        "api_base_url",
        "http_port",
        "http_path",
    ),
    "discord": (
        "enabled",
        "token_env",
        "dev_guild_id",
        "api_base_url",
        "gateway_url",
        "shard_ids",
        "shard_count",
    ),
}


def check_known_keys(raw: Mapping[str, Any]) -> None:
    """Raise ConfigError at the first table or key of `raw` (parsed TOML) not in KEYS."""
    for name, value in raw.items():
        if name not in KEYS:
            raise ConfigError(_unknown_top_level(name, value))
        if not isinstance(value, dict):
            raise ConfigError(f"[{name}] must be a table")
        for key in value:
            if key not in KEYS[name]:
                raise ConfigError(f"[{name}] unknown key {_shown(key)}; {_key_hint(key, name)}")


def _key_hint(key: str, table: str) -> str:
    near = _nearest(key, KEYS[table])
    return f"did you mean {near}?" if near else f"the keys of [{table}]: {', '.join(KEYS[table])}"


def _unknown_top_level(name: str, value: Any) -> str:
    if isinstance(value, dict):
        near = _nearest(name, tuple(KEYS))
        hint = f"did you mean [{near}]?" if near else "tables: " + ", ".join(f"[{t}]" for t in KEYS)
        return f"unknown table [{_shown(name)}]; {hint}"
    homes = [table for table, keys in KEYS.items() if name in keys]
    if homes:
        return f"{name} is outside any table; it belongs under [{homes[0]}]"
    return f"unknown key {_shown(name)} outside any table; keys go in tables such as [bot]"


def _nearest(name: str, choices: tuple[str, ...]) -> str | None:
    found = difflib.get_close_matches(name.lower(), choices, n=1, cutoff=0.6)
    return found[0] if found else None


def _shown(name: str) -> str:
    """A name from the file as it can be printed on one line (TOML allows any quoted key)."""
    return name if name.isprintable() and len(name) <= 40 else repr(name[:40])
