from __future__ import annotations

import re
from datetime import time
from pathlib import Path

import pytest

from bot.config.keys import KEYS
from bot.config.load import Config, check_timezone, load_config, parse_time, redacted_url
from bot.records.errors import ConfigError
from bot.records.models import WeekdayPolicy

ROOT = Path(__file__).resolve().parents[2]


def test_empty_config_gives_embedded_defaults() -> None:
    config = load_config("", {})
    assert config == Config()
    assert config.database_url.startswith("sqlite:///")


def test_the_example_config_parses_and_equals_the_defaults() -> None:
    text = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    assert load_config(text, {}) == Config()


def test_secrets_come_from_the_named_environment_variables_and_stay_out_of_reprs() -> None:
    text = """
    [slack]
    enabled = true
    bot_token_env = "MY_BOT"
    app_token_env = "MY_APP"
    [discord]
    enabled = true
    token_env = "MY_DISCORD"
    """
    env = {"MY_BOT": "xoxb-secret-1", "MY_APP": "xapp-secret-2", "MY_DISCORD": "dsecret-3"}
    config = load_config(text, env)
    assert config.slack.bot_token == "xoxb-secret-1"
    assert config.slack.app_token == "xapp-secret-2"
    assert config.discord.token == "dsecret-3"
    for secret in env.values():
        assert secret not in repr(config)


@pytest.mark.parametrize(
    ("text", "env", "message"),
    [
        ("[slack]\nenabled = true\nbot_token_env = 'X'\napp_token_env = 'Y'", {}, "X is not set"),
        ("[slack]\nenabled = true\nbot_token_env = ''", {}, "[slack] bot_token_env must name"),
        ("[slack]\nenabled = true", {}, "[slack] bot_token_env: environment variable SLACK_BOT"),
        (
            "[slack]\nenabled = true\nmode = 'http'\nbot_token_env = 'X'",
            {"X": "t"},
            "signing_secret_env",
        ),
        ("[discord]\nenabled = true\ntoken_env = 'D'", {}, "D is not set"),
        ("[defaults]\ntime = '25:00'", {}, "not a time of day"),
        ("[defaults]\ntimezone = 'Mars/Olympus'", {}, "unknown time zone"),
        ("[defaults]\nmax_papers = 0", {}, "[defaults] max_papers must be an integer"),
        ("[defaults]\ntime = 9", {}, "[defaults] time must be a string"),
        ("[discord]\nshard_count = true", {}, "[discord] shard_count must be a positive"),
        ("[discord]\ndev_guild_id = true", {}, "[discord] dev_guild_id must be an integer"),
        ("[bot]\nsource = 'rss'", {}, "[bot] source must be one of"),
        ("[bot\n", {}, "not valid TOML"),
        ("bot = 3", {}, "[bot] must be a table"),
        ("[discord]\nshard_ids = ['a']", {}, "shard_ids"),
        ("[huggingface]\nrequest_deadline_s = 0", {}, "request_deadline_s must be more than 0"),
        ("[huggingface]\nrequest_deadline_s = -1", {}, "request_deadline_s must be a non-neg"),
    ],
)
def test_bad_config_is_a_short_named_error(text: str, env: dict[str, str], message: str) -> None:
    with pytest.raises(ConfigError, match=message.replace("[", r"\[").replace("]", r"\]")):
        load_config(text, env)


def test_the_request_deadline_is_configurable() -> None:
    config = load_config("[huggingface]\nrequest_deadline_s = 12.5", {})
    assert config.huggingface.request_deadline_s == 12.5


def test_defaults_section_sets_channel_defaults() -> None:
    text = """
    [defaults]
    time = "07:45"
    timezone = "Asia/Kolkata"
    min_upvotes = 5
    max_papers = 3
    weekdays = "daily"
    """
    d = load_config(text, {}).defaults
    assert (d.post_time, d.timezone, d.min_upvotes, d.max_papers) == (
        time(7, 45),
        "Asia/Kolkata",
        5,
        3,
    )
    assert d.weekday_policy is WeekdayPolicy.DAILY


@pytest.mark.parametrize("text", ["9", "9:5", "24:00", "12:60", "ab:cd", "", "-1:00"])
def test_parse_time_rejects(text: str) -> None:
    with pytest.raises(ValueError, match="time"):
        parse_time(text)


def test_parse_time_accepts() -> None:
    assert parse_time(" 9:05 ") == time(9, 5)
    assert parse_time("23:59") == time(23, 59)


@pytest.mark.parametrize(
    "name",
    [
        "",
        "Nowhere/City",
        "../etc/passwd",
        "/etc/localtime",
        # Files in the zone database that are not places: the host's own zone, a zone with
        # no offset name, and copies that count leap seconds (27 s off UTC) or duplicate.
        "localtime",
        "Factory",
        "posixrules",
        "right/UTC",
        "posix/Europe/Paris",
        # ZoneInfo opens these as files and raises OSError: a name too long for the file
        # system, and a directory of the zone database.
        "a" * 300,
        "Europe",
        "Europe/../../etc/passwd",
    ],
)
def test_check_timezone_rejects(name: str) -> None:
    with pytest.raises(ValueError, match="time zone"):
        check_timezone(name)


# ------------------------------------------------------------------ unknown tables and keys


@pytest.mark.parametrize(
    ("text", "message"),
    [
        ("[slakc]\nenabled = true", "unknown table [slakc]; did you mean [slack]?"),
        ("[bot]\nsoruce = 'sample'", "[bot] unknown key soruce; did you mean source?"),
        ("[huggingface]\nretires = 3", "[huggingface] unknown key retires; did you mean retries?"),
        ("[slack]\nbot_token = 'xoxb-1'", "[slack] unknown key bot_token; did you mean"),
        ("[bot]\nLog_Level = 'INFO'", "[bot] unknown key Log_Level; did you mean log_level?"),
        ("[arxiv]\ncolour = 'red'", "[arxiv] unknown key colour; the keys of [arxiv]: base_url,"),
        ("[weather]\nx = 1", "unknown table [weather]; tables: [bot], [defaults],"),
        ("[slack.extra]\nx = 1", "[slack] unknown key extra;"),
        ("database_url = 'sqlite:///x.db'", "database_url is outside any table; it belongs under"),
        ("color = 'red'", "unknown key color outside any table"),
    ],
)
def test_unknown_tables_and_keys_are_refused_with_the_nearest_name(text: str, message: str) -> None:
    # Once silently ignored: a misspelt key kept its default without a word.
    with pytest.raises(ConfigError) as caught:
        load_config(text, {})
    assert str(caught.value).startswith(message), str(caught.value)


@pytest.mark.parametrize("table", ["huggingface", "arxiv"])
def test_range_errors_name_their_table(table: str) -> None:
    with pytest.raises(ConfigError) as caught:
        load_config(f"[{table}]\nretries = 11", {})
    assert str(caught.value) == f"[{table}] retries must be an integer from 0 to 10"


def _toml_blocks(markdown: str) -> list[str]:
    return re.findall(r"```toml\n(.*?)```", markdown, flags=re.DOTALL)


def _documented_configs() -> list[tuple[str, str]]:
    """config.example.toml, again with its commented-out keys switched on, and every TOML
    block of the README and docs/: the strict key check must accept all of them."""
    example = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    switched_on = re.sub(r"^# (\w+ = )", r"\1", example, flags=re.MULTILINE)
    configs = [("config.example.toml", example), ("example, all keys", switched_on)]
    for path in [ROOT / "README.md", *sorted((ROOT / "docs").glob("*.md"))]:
        for n, block in enumerate(_toml_blocks(path.read_text(encoding="utf-8"))):
            configs.append((f"{path.name} block {n + 1}", block))
    return configs


@pytest.mark.parametrize(("name", "text"), _documented_configs())
def test_every_documented_config_loads(name: str, text: str) -> None:
    load_config(text, {})


def test_the_docs_show_config_blocks() -> None:
    """The check above reads them: the blocks in docs/operations.md must be found."""
    names = [name for name, _ in _documented_configs()]
    assert sum(name.startswith("operations.md") for name in names) >= 3


def test_the_example_names_every_known_key() -> None:
    example = (ROOT / "config.example.toml").read_text(encoding="utf-8")
    for table, keys in KEYS.items():
        assert f"[{table}]" in example
        body = example.split(f"[{table}]", 1)[1].split("\n[", 1)[0]
        for key in keys:
            assert re.search(rf"^(# )?{key} = ", body, flags=re.MULTILINE), (table, key)


# ----------------------------------------------------------------- documented secret names


def test_enabled_platforms_read_the_documented_variables_by_default() -> None:
    # config.example.toml promised defaults for every key; the *_env keys had none, so
    # `enabled = true` with the README's variables exported failed to start.
    env = {
        "SLACK_BOT_TOKEN": "xoxb-1",
        "SLACK_APP_TOKEN": "xapp-2",
        "SLACK_SIGNING_SECRET": "sig-3",
        "DISCORD_BOT_TOKEN": "d-4",
    }
    config = load_config("[slack]\nenabled = true\n[discord]\nenabled = true", env)
    assert (config.slack.bot_token, config.slack.app_token) == ("xoxb-1", "xapp-2")
    assert config.discord.token == "d-4"
    http = load_config("[slack]\nenabled = true\nmode = 'http'", env).slack
    assert (http.bot_token, http.signing_secret) == ("xoxb-1", "sig-3")


def test_a_disabled_platform_needs_no_variable() -> None:
    assert load_config("[slack]\n[discord]", {}) == Config()


# ---------------------------------------------------------------------- database password


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        ("postgresql://bot:s3cret@db:5432/pb", "postgresql://bot:***@db:5432/pb"),
        ("postgresql://bot:p@ss:w@db/pb", "postgresql://bot:***@db/pb"),
        (
            "postgresql://bot@db/pb?password=s3cret&ssl=on",
            "postgresql://bot@db/pb?password=***&ssl=on",
        ),
        (
            "postgres://db/pb?sslmode=require&PASSWORD=s3cret",
            "postgres://db/pb?sslmode=require&PASSWORD=***",
        ),
        ("postgresql://bot@db/pb", "postgresql://bot@db/pb"),
        ("sqlite:///paperbot.db", "sqlite:///paperbot.db"),
        ("postgresql://bot:s3cret@[::1/pb", "postgresql://bot:***@[::1/pb"),
        ("postgresql://bot:s3/cr?e#t@db/pb", "postgresql://bot:***@db/pb"),  # not urlsplit's
    ],
)
def test_redacted_url_masks_any_password(url: str, shown: str) -> None:
    assert redacted_url(url) == shown


def test_repr_of_config_masks_the_database_password() -> None:
    text = '[bot]\ndatabase_url = "postgresql://bot:s3cret@db:5432/pb?password=s3cret2"'
    config = load_config(text, {})
    assert config.database_url.endswith("s3cret2")  # the value itself is untouched
    shown = repr(config)
    assert "s3cret" not in shown
    assert "database_url='postgresql://bot:***@db:5432/pb?password=***'" in shown
    assert shown.startswith("Config(database_url=")
    assert "delivery=DeliveryConfig(" in shown


@pytest.mark.parametrize(
    ("text", "ages"),
    [
        ("", (24, 168)),
        ("[delivery]\nsettle_after_hours = [168, 24, 24]", (24, 168)),
        ("[delivery]\nsettle_after_hours = []", ()),
        ("[delivery]\nsettle_after_hours = [6]", (6,)),
    ],
)
def test_settle_ages_are_configurable(text: str, ages: tuple[int, ...]) -> None:
    assert load_config(text, {}).delivery.settle_after_hours == ages


@pytest.mark.parametrize(
    "text",
    [
        "[delivery]\nsettle_after_hours = 24",
        "[delivery]\nsettle_after_hours = [0]",
        '[delivery]\nsettle_after_hours = ["24h"]',
        "[delivery]\nsettle_after_hours = [true]",
        "[delivery]\nsettle_concurrency = 0",
    ],
)
def test_bad_settle_settings_are_named_errors(text: str) -> None:
    with pytest.raises(ConfigError, match=r"\[delivery\] settle_"):
        load_config(text, {})


def test_slack_managers_default_to_creators_and_admins_and_star_means_anyone() -> None:
    default = load_config("", {}).slack
    assert (default.managers, default.allow_workspace_admins) == ((), True)
    assert default.allow_channel_creator is True
    opened = load_config('[slack]\nmanagers = ["*"]\nallow_channel_creator = false', {}).slack
    assert opened.managers == ("*",)
    assert opened.allow_channel_creator is False
    with pytest.raises(ConfigError, match="allow_channel_creator"):
        load_config('[slack]\nallow_channel_creator = "no"', {})
