"""Configuration: `load_config(text, environ)` is pure; reading the file is the caller's job.

Secrets are never in the TOML: it names the environment variable that holds each one,
and secret fields are kept out of reprs so they never reach a log.
"""

from __future__ import annotations

import tomllib
from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import time
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import __version__
from bot.errors import ConfigError
from bot.models import ChannelSettings, WeekdayPolicy

DEFAULT_USER_AGENT = f"paperbot/{__version__} (+https://github.com/paperbot/paperbot)"


@dataclass(frozen=True, slots=True)
class HuggingFaceConfig:
    base_url: str = "https://huggingface.co"
    page_size: int = 100
    sort: str = ""  # "" = the API's default order; "trending" or "publishedAt"
    timeout_s: float = 20.0  # for each connect and each read
    request_deadline_s: float = 60.0  # for a whole request, first byte to last
    retries: int = 4


@dataclass(frozen=True, slots=True)
class ArxivConfig:
    base_url: str = "https://export.arxiv.org/api/query"
    min_interval_s: float = 3.0  # arXiv asks for at most one request every 3 s
    timeout_s: float = 30.0
    retries: int = 4


@dataclass(frozen=True, slots=True)
class SlackConfig:
    enabled: bool = False
    mode: str = "socket"  # "socket" (no public URL) or "http" (signing secret)
    bot_token: str = field(default="", repr=False)
    app_token: str = field(default="", repr=False)
    signing_secret: str = field(default="", repr=False)
    managers: tuple[str, ...] = ()  # user ids allowed to change subscriptions; () = anyone
    allow_workspace_admins: bool = True
    api_base_url: str = "https://slack.com/api/"
    http_port: int = 3000
    http_path: str = "/slack/events"


@dataclass(frozen=True, slots=True)
class DiscordConfig:
    enabled: bool = False
    token: str = field(default="", repr=False)
    dev_guild_id: int | None = None  # sync commands to one guild (instant) instead of global
    api_base_url: str = ""  # "" = discord.py's default
    gateway_url: str = ""  # "" = discord.py's default
    shard_ids: tuple[int, ...] = ()
    shard_count: int | None = None


@dataclass(frozen=True, slots=True)
class DeliveryConfig:
    day_cutoff_utc: time = time(3, 0)  # HF's list for day D is closed at this time on D+1
    grace_hours: float = 12.0  # a missed post younger than this is caught up at start
    concurrency: int = 8
    max_attempts: int = 8


@dataclass(frozen=True, slots=True)
class Config:
    database_url: str = "sqlite:///paperbot.db"
    source: str = "huggingface"  # "huggingface" or "sample" (offline, shipped with the package)
    user_agent: str = DEFAULT_USER_AGENT
    log_level: str = "INFO"
    defaults: ChannelSettings = field(default_factory=ChannelSettings)
    huggingface: HuggingFaceConfig = field(default_factory=HuggingFaceConfig)
    arxiv: ArxivConfig = field(default_factory=ArxivConfig)
    slack: SlackConfig = field(default_factory=SlackConfig)
    discord: DiscordConfig = field(default_factory=DiscordConfig)
    delivery: DeliveryConfig = field(default_factory=DeliveryConfig)


def load_config(text: str, environ: Mapping[str, str]) -> Config:
    """Parse TOML text into a Config; secrets come from `environ`. Raises ConfigError."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config is not valid TOML: {exc}") from None
    bot = _table(raw, "bot")
    d = Config()
    return Config(
        database_url=_str(bot, "database_url", d.database_url),
        source=_choice(bot, "source", ("huggingface", "sample"), d.source),
        user_agent=_str(bot, "user_agent", DEFAULT_USER_AGENT),
        log_level=_choice(bot, "log_level", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO"),
        defaults=_defaults(_table(raw, "defaults")),
        huggingface=_huggingface(_table(raw, "huggingface")),
        arxiv=_arxiv(_table(raw, "arxiv")),
        slack=_slack(_table(raw, "slack"), environ),
        discord=_discord(_table(raw, "discord"), environ),
        delivery=_delivery(_table(raw, "delivery")),
    )


def parse_time(text: str) -> time:
    """`HH:MM` (24 h) to a time. Raises ValueError with a short reason."""
    hours, sep, minutes = text.strip().partition(":")
    # isdecimal, not isdigit: int() refuses "²"; and it refuses 4,300 digits or more.
    if not sep or not (hours.isdecimal() and minutes.isdecimal()) or len(minutes) != 2:
        raise ValueError(f"{text[:30]!r} is not a time like 09:30")
    if len(hours) > 2:
        raise ValueError(f"{text[:30]!r} is not a time like 09:30")
    h, m = int(hours), int(minutes)
    if not (0 <= h <= 23 and 0 <= m <= 59):
        raise ValueError(f"{text[:30]!r} is not a time of day (00:00 to 23:59)")
    return time(h, m)


def check_timezone(name: str) -> str:
    """Return `name` if it is an IANA time zone. Raises ValueError."""
    shown = repr(name[:40])
    if not name or name.startswith(("/", ".")) or ".." in name or _not_a_place(name):
        raise ValueError(f"{shown} is not a time zone like Europe/Paris")
    try:
        ZoneInfo(name)
    # OSError: ZoneInfo opens `name` as a file: too long a name, or a directory ("Europe").
    except (ZoneInfoNotFoundError, ValueError, OSError):
        raise ValueError(f"unknown time zone {shown}; use a name like Europe/Paris") from None
    return name


def _not_a_place(name: str) -> bool:
    """Zone files that load but name no place: the host's own zone (differs per worker),
    Factory, posixrules, and the right/ (leap seconds, 27 s off) and posix/ copies."""
    lowered = name.lower()
    return lowered in ("localtime", "factory", "posixrules") or lowered.startswith(
        ("right/", "posix/")
    )


def _defaults(t: Mapping[str, Any]) -> ChannelSettings:
    d = ChannelSettings()
    try:
        post_time = parse_time(_str(t, "time", d.post_time.strftime("%H:%M")))
        timezone = check_timezone(_str(t, "timezone", d.timezone))
    except ValueError as exc:
        raise ConfigError(f"[defaults]: {exc}") from None
    policies = tuple(p.value for p in WeekdayPolicy)
    return ChannelSettings(
        post_time=post_time,
        timezone=timezone,
        min_upvotes=_int(t, "min_upvotes", d.min_upvotes, low=0),
        max_papers=_int(t, "max_papers", d.max_papers, low=1, high=50),
        weekday_policy=WeekdayPolicy(_choice(t, "weekdays", policies, d.weekday_policy.value)),
    )


def _huggingface(t: Mapping[str, Any]) -> HuggingFaceConfig:
    d = HuggingFaceConfig()
    return HuggingFaceConfig(
        base_url=_str(t, "base_url", d.base_url),
        page_size=_int(t, "page_size", d.page_size, low=1, high=100),
        sort=_choice(t, "sort", ("", "trending", "publishedAt"), d.sort),
        timeout_s=_float(t, "timeout_s", d.timeout_s),
        request_deadline_s=_deadline(t, "request_deadline_s", d.request_deadline_s),
        retries=_int(t, "retries", d.retries, low=0, high=10),
    )


def _deadline(t: Mapping[str, Any], key: str, default: float) -> float:
    value = _float(t, key, default)
    if value == 0:  # every request would fail at once
        raise ConfigError(f"{key} must be more than 0")
    return value


def _arxiv(t: Mapping[str, Any]) -> ArxivConfig:
    d = ArxivConfig()
    return ArxivConfig(
        base_url=_str(t, "base_url", d.base_url),
        min_interval_s=_float(t, "min_interval_s", d.min_interval_s),
        timeout_s=_float(t, "timeout_s", d.timeout_s),
        retries=_int(t, "retries", d.retries, low=0, high=10),
    )


def _slack(t: Mapping[str, Any], environ: Mapping[str, str]) -> SlackConfig:
    d = SlackConfig()
    enabled = _bool(t, "enabled", d.enabled)
    mode = _choice(t, "mode", ("socket", "http"), d.mode)
    needed = {"bot_token": True, "app_token": mode == "socket", "signing_secret": mode == "http"}
    secrets = {
        name: _secret(t, f"{name}_env", environ, "slack", required=enabled and need)
        for name, need in needed.items()
    }
    return SlackConfig(
        enabled=enabled,
        mode=mode,
        managers=tuple(_str_list(t, "managers")),
        allow_workspace_admins=_bool(t, "allow_workspace_admins", d.allow_workspace_admins),
        api_base_url=_str(t, "api_base_url", d.api_base_url),
        http_port=_int(t, "http_port", d.http_port, low=1, high=65535),
        http_path=_str(t, "http_path", d.http_path),
        **secrets,
    )


def _discord(t: Mapping[str, Any], environ: Mapping[str, str]) -> DiscordConfig:
    enabled = _bool(t, "enabled", False)
    guild = t.get("dev_guild_id")
    if guild is not None and not isinstance(guild, int):
        raise ConfigError("[discord] dev_guild_id must be an integer guild id")
    shard_ids = t.get("shard_ids", [])
    if not isinstance(shard_ids, list) or not all(isinstance(i, int) for i in shard_ids):
        raise ConfigError("[discord] shard_ids must be a list of integers")
    count = t.get("shard_count")
    if count is not None and (not isinstance(count, int) or count < 1):
        raise ConfigError("[discord] shard_count must be a positive integer")
    return DiscordConfig(
        enabled=enabled,
        token=_secret(t, "token_env", environ, "discord", required=enabled),
        dev_guild_id=guild,
        api_base_url=_str(t, "api_base_url", ""),
        gateway_url=_str(t, "gateway_url", ""),
        shard_ids=tuple(shard_ids),
        shard_count=count,
    )


def _delivery(t: Mapping[str, Any]) -> DeliveryConfig:
    d = DeliveryConfig()
    try:
        cutoff = parse_time(_str(t, "day_cutoff_utc", d.day_cutoff_utc.strftime("%H:%M")))
    except ValueError as exc:
        raise ConfigError(f"[delivery] day_cutoff_utc: {exc}") from None
    return DeliveryConfig(
        day_cutoff_utc=cutoff,
        grace_hours=_float(t, "grace_hours", d.grace_hours),
        concurrency=_int(t, "concurrency", d.concurrency, low=1, high=256),
        max_attempts=_int(t, "max_attempts", d.max_attempts, low=1, high=100),
    )


def _table(raw: Mapping[str, Any], name: str) -> Mapping[str, Any]:
    value = raw.get(name, {})
    if not isinstance(value, dict):
        raise ConfigError(f"[{name}] must be a table")
    return value


def _str(t: Mapping[str, Any], key: str, default: str) -> str:
    value = t.get(key, default)
    if not isinstance(value, str):
        raise ConfigError(f"{key} must be a string")
    return value


def _str_list(t: Mapping[str, Any], key: str) -> list[str]:
    value = t.get(key, [])
    if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
        raise ConfigError(f"{key} must be a list of strings")
    return value


def _bool(t: Mapping[str, Any], key: str, default: bool) -> bool:
    value = t.get(key, default)
    if not isinstance(value, bool):
        raise ConfigError(f"{key} must be true or false")
    return value


def _int(t: Mapping[str, Any], key: str, default: int, low: int = 0, high: int = 10**9) -> int:
    value = t.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
        raise ConfigError(f"{key} must be an integer from {low} to {high}")
    return value


def _float(t: Mapping[str, Any], key: str, default: float) -> float:
    value = t.get(key, default)
    if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
        raise ConfigError(f"{key} must be a non-negative number")
    return float(value)


def _choice(t: Mapping[str, Any], key: str, choices: tuple[str, ...], default: str) -> str:
    value = _str(t, key, default)
    if value not in choices:
        raise ConfigError(f"{key} must be one of {', '.join(repr(c) for c in choices)}")
    return value


def _secret(
    t: Mapping[str, Any], key: str, environ: Mapping[str, str], section: str, *, required: bool
) -> str:
    """Read the secret from the environment variable the config names (never the value)."""
    var = _str(t, key, "")
    if not var:
        if required:
            raise ConfigError(f"[{section}] {key} must name an environment variable")
        return ""
    value = environ.get(var, "")
    if required and not value:
        raise ConfigError(f"[{section}] environment variable {var} is not set")
    return value
