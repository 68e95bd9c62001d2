"""Config problems reported all at once, Slack tokens in each other's place caught at load,
and no password-like part of a database URL left in a repr or an error."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.config.load import load_config, redacted_url
from bot.records.errors import ConfigError

BOTH = "[slack]\nenabled = true\n[discord]\nenabled = true\n"


def test_every_missing_secret_is_named_at_once() -> None:
    with pytest.raises(ConfigError) as raised:
        load_config(BOTH, {})
    problems = raised.value.problems
    assert len(problems) == 3
    for var in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "DISCORD_BOT_TOKEN"):
        assert sum(var in p for p in problems) == 1, problems


def test_problems_in_several_tables_are_all_reported() -> None:
    text = '[defaults]\nmax_papers = 0\n[delivery]\nconcurrency = "many"\n[bot]\nsource = "x"\n'
    with pytest.raises(ConfigError) as raised:
        load_config(text, {})
    shown = str(raised.value)
    assert shown.startswith("3 problems: ")
    for key in ("[defaults] max_papers", "[delivery] concurrency", "[bot] source"):
        assert key in shown


SLACK = "[slack]\nenabled = true\n"
BOT, APP = "xoxb-1-2-abcdef", "xapp-1-A1-2-fedcba"


@pytest.mark.parametrize(
    ("bot_token", "app_token", "says"),
    [
        (APP, BOT, "swapped"),
        (APP, APP, "SLACK_BOT_TOKEN holds an app-level token (xapp-...), which belongs in "),
        (BOT, BOT, "SLACK_APP_TOKEN holds a bot token (xoxb-...), which belongs in "),
    ],
)
def test_slack_tokens_in_the_wrong_place_are_caught_with_the_fix(
    bot_token: str, app_token: str, says: str
) -> None:
    env = {"SLACK_BOT_TOKEN": bot_token, "SLACK_APP_TOKEN": app_token}
    with pytest.raises(ConfigError) as raised:
        load_config(SLACK, env)
    shown = str(raised.value)
    assert says in shown
    assert "abcdef" not in shown
    assert "fedcba" not in shown  # the kind of token, never the token


def test_tokens_in_their_places_load() -> None:
    config = load_config(SLACK, {"SLACK_BOT_TOKEN": BOT, "SLACK_APP_TOKEN": APP})
    assert config.slack.bot_token == BOT
    # HTTP mode reads no app token: a leftover SLACK_APP_TOKEN of any kind is not an error
    http = load_config(
        SLACK + 'mode = "http"\n',
        {"SLACK_BOT_TOKEN": BOT, "SLACK_APP_TOKEN": BOT, "SLACK_SIGNING_SECRET": "s"},
    )
    assert http.slack.mode == "http"


@pytest.mark.parametrize(
    ("url", "shown"),
    [
        (
            "postgresql://bot@db/pb?sslmode=require&sslpassword=k3y&application_name=pb",
            "postgresql://bot@db/pb?sslmode=require&sslpassword=***&application_name=pb",
        ),
        ("postgres://u:PW@[::1", "postgres://u:***@[::1"),
        ("postgresql://db/pb?ssl%70assword=k3y", "postgresql://db/pb?ssl%70assword=***"),
        (
            "postgresql://db/pb?passfile=/p&sslkey=/k&token=t&secret=s&x=1",
            "postgresql://db/pb?passfile=***&sslkey=***&token=***&secret=***&x=1",
        ),
        ("postgresql://db/pb?password=a#b&c=1", "postgresql://db/pb?password=***&c=1"),
    ],
)
def test_every_password_like_parameter_is_masked(url: str, shown: str) -> None:
    assert redacted_url(url) == shown
    config = load_config(f'[bot]\ndatabase_url = "{url}"\n', {})
    assert shown in repr(config)


SECRET_NAMES = ["password", "sslpassword", "passfile", "token", "secret", "sslkey", "apikey"]


@settings(max_examples=150)
@given(
    name=st.sampled_from(SECRET_NAMES).flatmap(
        lambda n: st.sampled_from([n, n.upper(), n.capitalize()])
    ),
    secret=st.text(st.characters(blacklist_characters="&", blacklist_categories=["Cs"])),
    before=st.lists(st.sampled_from(["sslmode=require", "host=h", "port=5"]), max_size=2),
    after=st.lists(st.sampled_from(["application_name=pb", "ssl=on"]), max_size=2),
)
def test_no_password_like_parameter_survives(
    name: str, secret: str, before: list[str], after: list[str]
) -> None:
    marked = f"S3KR1T{secret}"
    query = "&".join([*before, f"{name}={marked}", *after])
    shown = redacted_url(f"postgresql://bot:PW@db:5432/pb?{query}")
    assert "S3KR1T" not in shown
    assert "PW" not in shown
