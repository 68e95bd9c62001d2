"""Configuration: `load_config(text, environ)` is pure; reading the file is the caller's job.

Secrets are never in the TOML: it names the environment variable that holds each one
(by default the one docs/configuration.md documents), secret fields are kept out of reprs, and a
password written inside `database_url` is masked in the repr, so none reaches a log.
Unknown tables and keys are refused (bot/config/keys.py); every error names its table.
"""

from __future__ import annotations

import re
import tomllib
from collections.abc import Callable, Mapping
from dataclasses import dataclass, field, fields
from datetime import time
from functools import partial
from typing import Any, TypeVar
from urllib.parse import unquote_plus
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from bot import __version__
from bot.config.keys import check_known_keys
from bot.records.errors import ConfigError
from bot.records.models import (
    MAX_PAPERS_RANGE,
    MIN_UPVOTES_RANGE,
    ChannelSettings,
    WeekdayPolicy,
)

DEFAULT_USER_AGENT = f"paperbot/{__version__} (+https://github.com/paperbot/paperbot)"
# The variables docs/configuration.md and config.example.toml name: exporting them is enough.
DEFAULT_SECRET_VARS = {
    "slack": {
        "bot_token_env": "SLACK_BOT_TOKEN",
        "app_token_env": "SLACK_APP_TOKEN",
        "signing_secret_env": "SLACK_SIGNING_SECRET",
    },
    "discord": {"token_env": "DISCORD_BOT_TOKEN"},
}
_QUERY_PARAM = re.compile(r"([?&])([^=&#]*)=([^&]*)")  # a value runs to the next & or the end
# Parameter names that may carry a secret (libpq's password, sslpassword, passfile; a token,
# secret or key of any driver); matched in the decoded name, so `ssl%70assword` counts too.
_SECRET_PARAM_NAME = re.compile(r"pass|pwd|secret|token|key|auth|credential", re.IGNORECASE)
_T = TypeVar("_T")


@dataclass(frozen=True, slots=True)
class HuggingFaceConfig:
    base_url: str = "https://huggingface.co"
    page_size: int = 100
    sort: str = ""  # "" = the API's default order; "trending" or "publishedAt"
    timeout_s: float = 20.0  # for each connect and each read
    request_deadline_s: float = 60.0  # for one attempt, first byte to last
    request_budget_s: float = 90.0  # for a whole request: every attempt and every wait
    retries: int = 4
    cooldown_s: float = 60.0  # after the host is unreachable, requests fail at once this long


@dataclass(frozen=True, slots=True)
class ArxivConfig:
    base_url: str = "https://export.arxiv.org/api/query"
    min_interval_s: float = 3.0  # arXiv asks for at most one request every 3 s
    timeout_s: float = 30.0
    request_budget_s: float = 90.0  # for a whole request: every attempt and every wait
    retries: int = 4
    cooldown_s: float = 60.0  # after the host is unreachable, requests fail at once this long


@dataclass(frozen=True, slots=True)
class SlackConfig:
    enabled: bool = False
    mode: str = "socket"  # "socket" (no public URL) or "http" (signing secret)
    bot_token: str = field(default="", repr=False)
    app_token: str = field(default="", repr=False)
    signing_secret: str = field(default="", repr=False)
    # Who may change a channel besides its creator and the workspace's owners and admins
    # (adapters/slack/permissions.py): these user ids, or everyone with ("*",).
    managers: tuple[str, ...] = ()
    allow_workspace_admins: bool = True
    allow_channel_creator: bool = True
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
    # Digests posted at once per platform; 0: each platform's own figure, from its documented
    # rate limits (ChatPlatform.digests_at_once), which keeps the limit the bound.
    concurrency: int = 0
    max_attempts: int = 8
    # Ages after a post at which it is settled (bot/lifecycle/settle.py): edited with the day's new
    # counts, late additions replied in its thread. [] turns settling off.
    settle_after_hours: tuple[int, ...] = (24, 168)
    settle_concurrency: int = 2  # settle tasks run at once per platform, behind the digests
    # Papers posted within this many days get follow-ups in their digest's thread
    # (bot/lifecycle/followups.py): a repository, stars past 100/1k/10k, a new arXiv version, a
    # first model, dataset or Space on Hugging Face (bot/lifecycle/artifacts.py keeps their
    # look-ups fresh for as long). 0: off.
    followup_days: int = 14


@dataclass(frozen=True, slots=True)
class RetentionConfig:
    """The retention job (bot/retention/): how long each kind of row is kept after its last
    use; 0 keeps it forever. A horizon shorter than the window the bot still reads a kind in
    (settling, follow-ups, the replay guard) is stretched to that window."""

    enabled: bool = True
    every_hours: int = 24  # how often the job runs (the leader's, on PostgreSQL)
    batch_size: int = 1000  # rows per delete: one short transaction each
    deliveries_days: int = 90  # final delivery records, after their post time
    settle_days: int = 14  # final settle tasks, after they were due (the bulkiest rows)
    followups_days: int = 30  # follow-up events and sightings, after the last pass saw them
    requests_hours: int = 24  # interaction-dedup keys (`handled_requests`)
    links_days: int = 7  # link codes after they expired; wrong-code records and locks after
    artifacts_days: int = 90  # Hugging Face look-ups not refreshed since
    fetches_days: int = 30  # the fetch log, except each day's latest fetch


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
    retention: RetentionConfig = field(default_factory=RetentionConfig)

    def __repr__(self) -> str:
        """The fields, with any password written inside `database_url` masked."""
        shown = {f.name: getattr(self, f.name) for f in fields(self)}
        shown["database_url"] = redacted_url(self.database_url)
        return f"Config({', '.join(f'{name}={value!r}' for name, value in shown.items())})"


def load_config(text: str, environ: Mapping[str, str]) -> Config:
    """Parse TOML text into a Config; secrets come from `environ`. Raises ConfigError, which
    lists every table's problem (and every missing secret), not only the first."""
    try:
        raw = tomllib.loads(text)
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError(f"config is not valid TOML: {exc}") from None
    check_known_keys(raw)
    found = _Problems()
    bot = _Table.of(raw, "bot")
    d = Config()
    config = Config(
        database_url=found.unless(lambda: bot.text("database_url", d.database_url), ""),
        source=found.unless(lambda: bot.choice("source", ("huggingface", "sample"), d.source), ""),
        user_agent=found.unless(lambda: bot.text("user_agent", DEFAULT_USER_AGENT), ""),
        log_level=found.unless(
            lambda: bot.choice("log_level", ("DEBUG", "INFO", "WARNING", "ERROR"), "INFO"), ""
        ),
        defaults=found.unless(lambda: _defaults(_Table.of(raw, "defaults")), d.defaults),
        huggingface=found.unless(
            lambda: _huggingface(_Table.of(raw, "huggingface")), d.huggingface
        ),
        arxiv=found.unless(lambda: _arxiv(_Table.of(raw, "arxiv")), d.arxiv),
        slack=found.unless(lambda: _slack(_Table.of(raw, "slack"), environ), d.slack),
        discord=found.unless(lambda: _discord(_Table.of(raw, "discord"), environ), d.discord),
        delivery=found.unless(lambda: _delivery(_Table.of(raw, "delivery")), d.delivery),
        retention=found.unless(lambda: _retention(_Table.of(raw, "retention")), d.retention),
    )
    found.raise_any()
    return config


class _Problems:
    """The problems found so far: each part of the config is read even after another failed,
    so one run of paperbot names them all."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def unless(self, read: Callable[[], _T], stand_in: _T) -> _T:
        """`read()`, or `stand_in` (never used: raise_any raises) noting its problems."""
        try:
            return read()
        except ConfigError as exc:
            self.problems.extend(exc.problems)
            return stand_in

    def raise_any(self) -> None:
        if self.problems:
            raise ConfigError(*self.problems)


def redacted_url(url: str) -> str:
    """`url` with any password (`user:password@`, and every password-like query parameter:
    `?password=`, `sslpassword=`, `token=`, ...) replaced by `***`.

    Not urlsplit: a password holding `/`, `?` or `#` ends its netloc early and would show.
    Everything up to the last `@` is taken as the user part, which may hide a little more
    than the password in an odd URL, never less.
    """
    scheme, sep, rest = url.partition("://")
    userinfo, at, after = rest.rpartition("@")
    if sep and at and ":" in userinfo:
        rest = f"{userinfo.split(':', 1)[0]}:***@{after}"
    return _QUERY_PARAM.sub(_masked_param, scheme + sep + rest)


def _masked_param(match: re.Match[str]) -> str:
    lead, name, _ = match.groups()
    if _SECRET_PARAM_NAME.search(unquote_plus(name)):
        return f"{lead}{name}=***"
    return match.group(0)


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


def _defaults(t: _Table) -> ChannelSettings:
    d = ChannelSettings()
    policies = tuple(p.value for p in WeekdayPolicy)
    return ChannelSettings(
        post_time=t.parsed("time", d.post_time.strftime("%H:%M"), parse_time),
        timezone=t.parsed("timezone", d.timezone, check_timezone),
        min_upvotes=t.integer("min_upvotes", d.min_upvotes, *MIN_UPVOTES_RANGE),
        max_papers=t.integer("max_papers", d.max_papers, *MAX_PAPERS_RANGE),
        weekday_policy=WeekdayPolicy(t.choice("weekdays", policies, d.weekday_policy.value)),
    )


def _huggingface(t: _Table) -> HuggingFaceConfig:
    d = HuggingFaceConfig()
    return HuggingFaceConfig(
        base_url=t.text("base_url", d.base_url),
        page_size=t.integer("page_size", d.page_size, low=1, high=100),
        sort=t.choice("sort", ("", "trending", "publishedAt"), d.sort),
        timeout_s=t.number("timeout_s", d.timeout_s),
        request_deadline_s=_deadline(t, "request_deadline_s", d.request_deadline_s),
        request_budget_s=_deadline(t, "request_budget_s", d.request_budget_s),
        retries=t.integer("retries", d.retries, low=0, high=10),
        cooldown_s=t.number("cooldown_s", d.cooldown_s),
    )


def _deadline(t: _Table, key: str, default: float) -> float:
    value = t.number(key, default)
    if value == 0:  # every request would fail at once
        raise t.error(key, "must be more than 0")
    return value


def _arxiv(t: _Table) -> ArxivConfig:
    d = ArxivConfig()
    return ArxivConfig(
        base_url=t.text("base_url", d.base_url),
        min_interval_s=t.number("min_interval_s", d.min_interval_s),
        timeout_s=t.number("timeout_s", d.timeout_s),
        request_budget_s=_deadline(t, "request_budget_s", d.request_budget_s),
        retries=t.integer("retries", d.retries, low=0, high=10),
        cooldown_s=t.number("cooldown_s", d.cooldown_s),
    )


def _slack(t: _Table, environ: Mapping[str, str]) -> SlackConfig:
    d = SlackConfig()
    enabled = t.flag("enabled", d.enabled)
    mode = t.choice("mode", ("socket", "http"), d.mode)
    needed = {"bot_token": True, "app_token": mode == "socket", "signing_secret": mode == "http"}
    found = _Problems()
    secrets: dict[str, str] = {}
    for name, need in needed.items():  # every missing variable named, not only the first
        required = enabled and need
        secrets[name] = found.unless(
            partial(t.secret, f"{name}_env", environ, required=required), ""
        )
    found.raise_any()
    if enabled:
        _check_token_kinds(
            t, secrets["bot_token"], secrets["app_token"] if mode == "socket" else ""
        )
    return SlackConfig(
        enabled=enabled,
        mode=mode,
        managers=tuple(t.text_list("managers")),
        allow_workspace_admins=t.flag("allow_workspace_admins", d.allow_workspace_admins),
        allow_channel_creator=t.flag("allow_channel_creator", d.allow_channel_creator),
        api_base_url=t.text("api_base_url", d.api_base_url),
        http_port=t.integer("http_port", d.http_port, low=1, high=65535),
        http_path=t.text("http_path", d.http_path),
        **secrets,
    )


_BOT_KIND = "xoxb-"  # how Slack's bot tokens start (OAuth & Permissions)
_APP_KIND = "xapp-"  # how its app-level tokens start (Basic Information, for Socket Mode)


def _check_token_kinds(t: _Table, bot_token: str, app_token: str) -> None:
    """Catch the two Slack tokens in each other's place at start, not as a rejected
    connection later: each kind has its own prefix. Never shows a token, only its kind."""
    bot_var = t.text("bot_token_env", DEFAULT_SECRET_VARS["slack"]["bot_token_env"])
    app_var = t.text("app_token_env", DEFAULT_SECRET_VARS["slack"]["app_token_env"])
    bot_is_app = bot_token.startswith(_APP_KIND)
    app_is_bot = app_token.startswith(_BOT_KIND)
    if bot_is_app and app_is_bot:
        raise t.error(
            "bot_token_env",
            f"and app_token_env: the tokens are swapped: {bot_var} holds the app-level token "
            f"(xapp-...) and {app_var} the bot token (xoxb-...); exchange their values",
        )
    if bot_is_app:
        raise t.error(
            "bot_token_env:",
            f"{bot_var} holds an app-level token (xapp-...), which belongs in {app_var}; "
            f"{bot_var} takes the Bot User OAuth Token (xoxb-..., under OAuth & Permissions)",
        )
    if app_is_bot:
        raise t.error(
            "app_token_env:",
            f"{app_var} holds a bot token (xoxb-...), which belongs in {bot_var}; {app_var} "
            "takes an app-level token (xapp-..., under Basic Information, App-Level Tokens, "
            "with the connections:write scope)",
        )


def _discord(t: _Table, environ: Mapping[str, str]) -> DiscordConfig:
    enabled = t.flag("enabled", False)
    guild = t.values.get("dev_guild_id")
    if guild is not None and (isinstance(guild, bool) or not isinstance(guild, int)):
        raise t.error("dev_guild_id", "must be an integer guild id")
    shard_ids = t.values.get("shard_ids", [])
    if not isinstance(shard_ids, list) or not all(
        isinstance(i, int) and not isinstance(i, bool) for i in shard_ids
    ):
        raise t.error("shard_ids", "must be a list of integers")
    count = t.values.get("shard_count")
    if count is not None and (isinstance(count, bool) or not isinstance(count, int) or count < 1):
        raise t.error("shard_count", "must be a positive integer")
    return DiscordConfig(
        enabled=enabled,
        token=t.secret("token_env", environ, required=enabled),
        dev_guild_id=guild,
        api_base_url=t.text("api_base_url", ""),
        gateway_url=t.text("gateway_url", ""),
        shard_ids=tuple(shard_ids),
        shard_count=count,
    )


def _delivery(t: _Table) -> DeliveryConfig:
    d = DeliveryConfig()
    return DeliveryConfig(
        day_cutoff_utc=t.parsed("day_cutoff_utc", d.day_cutoff_utc.strftime("%H:%M"), parse_time),
        grace_hours=t.number("grace_hours", d.grace_hours),
        concurrency=t.integer("concurrency", d.concurrency, low=0, high=256),
        max_attempts=t.integer("max_attempts", d.max_attempts, low=1, high=100),
        settle_after_hours=t.hours_list("settle_after_hours", d.settle_after_hours),
        settle_concurrency=t.integer("settle_concurrency", d.settle_concurrency, low=1, high=64),
        followup_days=t.integer("followup_days", d.followup_days, low=0, high=90),
    )


def _retention(t: _Table) -> RetentionConfig:
    d = RetentionConfig()
    return RetentionConfig(
        enabled=t.flag("enabled", d.enabled),
        every_hours=t.integer("every_hours", d.every_hours, low=1, high=720),
        batch_size=t.integer("batch_size", d.batch_size, low=10, high=100_000),
        deliveries_days=t.integer("deliveries_days", d.deliveries_days, low=0, high=3650),
        settle_days=t.integer("settle_days", d.settle_days, low=0, high=3650),
        followups_days=t.integer("followups_days", d.followups_days, low=0, high=3650),
        requests_hours=t.integer("requests_hours", d.requests_hours, low=0, high=8760),
        links_days=t.integer("links_days", d.links_days, low=0, high=3650),
        artifacts_days=t.integer("artifacts_days", d.artifacts_days, low=0, high=3650),
        fetches_days=t.integer("fetches_days", d.fetches_days, low=0, high=3650),
    )


@dataclass(frozen=True, slots=True)
class _Table:
    """One table of the file; every error it raises starts with `[name] key`."""

    name: str
    values: Mapping[str, Any]

    @classmethod
    def of(cls, raw: Mapping[str, Any], name: str) -> _Table:
        return cls(name, raw.get(name, {}))  # check_known_keys made sure it is a table

    def error(self, key: str, problem: str) -> ConfigError:
        return ConfigError(f"[{self.name}] {key} {problem}")

    def text(self, key: str, default: str) -> str:
        value = self.values.get(key, default)
        if not isinstance(value, str):
            raise self.error(key, "must be a string")
        return value

    def parsed(self, key: str, default: str, parse: Callable[[str], _T]) -> _T:
        """The string at `key` passed through `parse`, whose ValueError names the problem."""
        try:
            return parse(self.text(key, default))
        except ValueError as exc:
            raise ConfigError(f"[{self.name}] {key}: {exc}") from None

    def text_list(self, key: str) -> list[str]:
        value = self.values.get(key, [])
        if not isinstance(value, list) or not all(isinstance(v, str) for v in value):
            raise self.error(key, "must be a list of strings")
        return value

    def hours_list(self, key: str, default: tuple[int, ...]) -> tuple[int, ...]:
        """A list of ages in whole hours (1 to 90 days), sorted, without repeats."""
        value = self.values.get(key, list(default))
        ok = isinstance(value, list) and all(
            isinstance(v, int) and not isinstance(v, bool) and 1 <= v <= 2160 for v in value
        )
        if not ok:
            raise self.error(key, "must be a list of hours from 1 to 2160, e.g. [24, 168]")
        return tuple(sorted(set(value)))

    def flag(self, key: str, default: bool) -> bool:
        value = self.values.get(key, default)
        if not isinstance(value, bool):
            raise self.error(key, "must be true or false")
        return value

    def integer(self, key: str, default: int, low: int = 0, high: int = 10**9) -> int:
        value = self.values.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int) or not low <= value <= high:
            raise self.error(key, f"must be an integer from {low} to {high}")
        return value

    def number(self, key: str, default: float) -> float:
        value = self.values.get(key, default)
        if isinstance(value, bool) or not isinstance(value, int | float) or value < 0:
            raise self.error(key, "must be a non-negative number")
        return float(value)

    def choice(self, key: str, choices: tuple[str, ...], default: str) -> str:
        value = self.text(key, default)
        if value not in choices:
            raise self.error(key, f"must be one of {', '.join(repr(c) for c in choices)}")
        return value

    def secret(self, key: str, environ: Mapping[str, str], *, required: bool) -> str:
        """The secret in the environment variable `key` names (default: the documented
        one, e.g. SLACK_BOT_TOKEN); the file never holds the value itself."""
        var = self.text(key, DEFAULT_SECRET_VARS[self.name][key])
        if not var:
            if required:
                raise self.error(key, "must name an environment variable")
            return ""
        value = environ.get(var, "")
        if required and not value:
            raise ConfigError(f"[{self.name}] {key}: environment variable {var} is not set")
        return value
