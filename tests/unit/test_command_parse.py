"""The pure `/papers` parser, by tables: each input and what it becomes or what it says."""

from __future__ import annotations

from datetime import date, time

import pytest

from bot.commands.parse import (
    Command,
    Help,
    ListTopics,
    Search,
    Settings,
    Show,
    Status,
    Subscribe,
    Today,
    Unsubscribe,
    Words,
    is_slow,
    parse_command,
    split_verb,
    split_words,
)
from bot.commands.parse_settings import SettingsChange, canonical_timezone
from bot.records.errors import UserInputError
from bot.records.models import Cadence, ChannelSettings, WeekdayPolicy


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Words(())),
        ("  agents   rag ", Words(("agents", "rag"))),
        ('"world model" agents', Words(("world model", "agents"))),
        ('author:"Yann LeCun"', Words(("author:Yann LeCun",))),
        ("LeCun's model", Words(("LeCun's", "model"))),
        ("“world model”", Words(("world model",))),
        ('"world model', Words(("world model",), unbalanced_quote=True)),
        ('a "" b', Words(("a", "", "b"))),
        ("tab\tand\nnewline", Words(("tab", "and", "newline"))),
    ],
)
def test_split_words(text: str, expected: Words) -> None:
    assert split_words(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("search  deep  learning", ("search", "deep  learning")),
        ("/papers TODAY", ("today", "")),
        ("  Help ", ("help", "")),
        ("", ("", "")),
        ("/papers", ("", "")),
        ("search\tgraph  neural\n", ("search", "graph  neural")),
        ("/paperstoday", ("/paperstoday", "")),
    ],
)
def test_split_verb(text: str, expected: tuple[str, str]) -> None:
    assert split_verb(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("", Help()),
        ("help", Help()),
        ("help search", Help("search")),
        ("help /papers search", Help("search")),
        ("help /papers", Help()),  # was "Unknown command ``"
        ("HELP Settings", Help("settings")),
        ("today", Today()),
        ("today 2026-08-21", Today(date(2026, 8, 21))),
        ("search  world   models ", Search("world models")),
        ('search "world model" agents', Search('"world model" agents')),
        ("show 2608.19880", Show("2608.19880")),
        ("show https://arxiv.org/abs/2608.19880v2", Show("2608.19880")),
        ("show https://huggingface.co/papers/2608.19880", Show("2608.19880")),
        ("show <https://arxiv.org/pdf/2608.19880.pdf>", Show("2608.19880")),
        ('subscribe agents "world model"', Subscribe('agents "world model"')),
        ("unsubscribe agents", Unsubscribe("agents")),
        ("unsubscribe ALL", Unsubscribe(None)),
        ("subscribe", Subscribe("")),
        ("topics", ListTopics()),
        ("status", Status()),
        ("settings", Settings(SettingsChange())),
    ],
)
def test_parse_command(text: str, expected: Command) -> None:
    assert parse_command(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("settings time 09:30", SettingsChange(post_time=time(9, 30))),
        ("settings time=7:05", SettingsChange(post_time=time(7, 5))),
        ("settings tz Europe/Paris", SettingsChange(timezone="Europe/Paris")),
        ("settings timezone europe/paris", SettingsChange(timezone="Europe/Paris")),
        ("settings tz UTC", SettingsChange(timezone="UTC")),
        ("settings min-upvotes 0", SettingsChange(min_upvotes=0)),
        ("settings min_upvotes=12", SettingsChange(min_upvotes=12)),
        ("settings max 50", SettingsChange(max_papers=50)),
        ("settings weekdays daily", SettingsChange(weekday_policy=WeekdayPolicy.DAILY)),
        (
            "settings weekdays CATCHUP",
            SettingsChange(weekday_policy=WeekdayPolicy.WEEKDAYS_CATCHUP),
        ),
        (
            "settings time 18:00 tz Asia/Tokyo max 3 min-upvotes 5 weekdays weekdays",
            SettingsChange(time(18, 0), "Asia/Tokyo", 5, 3, WeekdayPolicy.WEEKDAYS),
        ),
        ("settings cadence weekly", SettingsChange(cadences=(Cadence.WEEKLY,))),
        ("settings cadence monthly", SettingsChange(cadences=(Cadence.MONTHLY,))),
        (
            "settings cadence weekly Friday max 3",
            SettingsChange(max_papers=3, cadences=(Cadence.WEEKLY,), weekly_day=4),
        ),
        (
            "settings cadence monthly daily weekly wed",
            SettingsChange(cadences=tuple(Cadence), weekly_day=2),
        ),
        ("settings cadence=daily", SettingsChange(cadences=(Cadence.DAILY,))),
    ],
)
def test_parse_settings(text: str, expected: SettingsChange) -> None:
    assert parse_command(text) == Settings(expected)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ("settings cadence", "`cadence` needs a value"),
        ("settings cadence hourly", "'hourly' is not one of daily | weekly [weekday] | monthly"),
        ("settings cadence daily fri", "a weekday (fri) only follows `weekly`"),
        ("settings cadence weekly time 09:00 cadence daily", "`cadence` is given twice"),
        ("serch transformers", "Unknown command `serch`. Did you mean `search`?"),
        ("subscibe agents", "Did you mean `subscribe`?"),
        ("xyzzy", "Unknown command `xyzzy`. Try `/papers help`."),
        ("help xyzzy", "Unknown command `xyzzy`"),
        ("today 2026-13-01", "Bad date `2026-13-01`"),
        ("today 21/08/2026", "Bad date `21/08/2026`"),
        ("today 20260821", "Bad date `20260821`"),
        ("today 2026-08-21 2026-08-22", "at most one date"),
        ("search", "Search needs some words"),
        ("search    ", "Search needs some words"),
        ("search " + "a" * 301, "301 characters; the limit is 300"),
        ('search "world model', "Unbalanced quote"),
        ("show", "Show needs an arXiv id"),
        ("show 2608.19880 2608.19881", "Show takes one arXiv id"),
        ("show abc", "Bad arXiv id: 'abc' is not an arXiv id"),
        ('subscribe "world model', "Unbalanced quote"),
        ("unsubscribe", "Name a topic to drop, or `all`"),
        ("topics now", "`topics` takes no arguments"),
        ("status please", "`status` takes no arguments"),
        ("settings time 25:00", "Bad time: '25:00' is not a time of day"),
        ("settings time noon", "Bad time: 'noon' is not a time like 09:30"),
        ("settings tz Mars/Olympus", "Bad tz: unknown time zone 'Mars/Olympus'"),
        ("settings tz ../etc/passwd", "Bad tz:"),
        ("settings tz localtime", "Bad tz:"),
        ("settings tz factory", "Bad tz:"),
        # ZoneInfo opens the name as a file: OSError for these, never a traceback.
        ("settings tz " + "a" * 300, "Bad tz: unknown time zone 'aaaa"),
        ("settings tz Europe", "Bad tz: unknown time zone 'Europe'"),
        ("settings tz ../../etc/passwd", "Bad tz: '../../etc/passwd' is not a time zone"),
        ("settings tz Europe/../../etc/passwd", "Bad tz:"),
        ("settings tz /etc/passwd", "Bad tz:"),
        # PostgreSQL refuses NUL, SQLite stores it: refused before any store sees it.
        ("subscribe agents\x00rag", "Control characters such as U+0000 are not allowed"),
        ("search world\x00model", "Control characters such as U+0000 are not allowed"),
        ("unsubscribe \x1b[31m", "Control characters such as U+001B are not allowed"),
        ("settings tz UTC\x00", "Control characters such as U+0000 are not allowed"),
        ("settings max 0", "Bad max: '0' is not a whole number from 1 to 50"),
        ("settings max 51", "Bad max: '51' is not a whole number from 1 to 50"),
        ("settings max ten", "Bad max: 'ten' is not a whole number"),
        ("settings min-upvotes -1", "Bad min-upvotes: '-1' is not a whole number from 0"),
        # Characters that str.isdigit() accepts but int() refuses, and more digits than
        # int() will read: the same short answer, never Python's own message.
        ("settings min-upvotes ²", "Bad min-upvotes: '²' is not a whole number from 0"),
        ("settings max " + "9" * 5000, "is not a whole number from 1 to 50"),
        ("settings time ²:00", "Bad time: '²:00' is not a time like 09:30"),
        ("settings time " + "0" * 5000 + "9:00", "is not a time like 09:30"),
        ("settings weekdays sometimes", "Bad weekdays: 'sometimes' is not one of daily"),
        ("settings colour blue", "Unknown setting `colour`."),
        ("settings tme 09:00", "Unknown setting `tme`. Did you mean `time`?"),
        ("settings time", "`time` needs a value"),
        ("settings time 09:00 time 10:00", "`time` is given twice"),
        ("settings tz UTC timezone UTC", "`tz` is given twice"),
    ],
)
def test_bad_input_names_what_was_wrong(text: str, says: str) -> None:
    with pytest.raises(UserInputError) as caught:
        parse_command(text)
    assert says in str(caught.value)


@pytest.mark.parametrize(
    ("text", "usage"),
    [
        ("today 2026-13-01", "Usage: /papers today [YYYY-MM-DD]"),
        ("search", "Usage: /papers search <words>"),
        ("settings max 0", "Usage: /papers settings [time HH:MM]"),
        ("show abc", "Usage: /papers show <arXiv id or URL>"),
    ],
)
def test_errors_carry_the_verbs_usage(text: str, usage: str) -> None:
    with pytest.raises(UserInputError, match=r"Usage: ") as caught:
        parse_command(text)
    assert usage in str(caught.value)


def test_a_query_of_exactly_the_limit_is_accepted() -> None:
    assert parse_command("search " + "a" * 300) == Search("a" * 300)


def test_a_very_long_time_zone_is_cut_short_in_the_reply() -> None:
    with pytest.raises(UserInputError) as caught:
        parse_command("settings tz " + "a" * 300)
    assert "a" * 41 not in str(caught.value)


def test_an_unknown_verb_is_cut_short_in_the_reply() -> None:
    with pytest.raises(UserInputError) as caught:
        parse_command("x" * 500)
    assert len(str(caught.value)) < 100


@pytest.mark.parametrize(
    ("text", "slow"),
    [
        ("today", True),
        ("search x", True),
        ("SHOW 2608.19880", True),
        ("status", True),
        ("/papers status", True),
        ("help", False),
        ("subscribe agents", False),
        ("settings", False),
        ("", False),
        ("nonsense", False),
    ],
)
def test_is_slow(text: str, slow: bool) -> None:
    assert is_slow(text) is slow


def test_settings_change_applies_only_what_was_given() -> None:
    base = ChannelSettings(post_time=time(9, 0), timezone="UTC", min_upvotes=3, max_papers=10)
    changed = SettingsChange(timezone="Europe/Paris", max_papers=5).apply(base)
    assert changed == ChannelSettings(
        post_time=time(9, 0), timezone="Europe/Paris", min_upvotes=3, max_papers=5
    )


def test_settings_change_describes_itself_as_typed() -> None:
    change = SettingsChange(post_time=time(0, 0), min_upvotes=0)
    assert change.describe() == "time 00:00, min-upvotes 0"
    assert SettingsChange().is_empty
    assert not change.is_empty


def test_canonical_timezone_fixes_case_and_refuses_unknown() -> None:
    assert canonical_timezone("america/new_york") == "America/New_York"
    with pytest.raises(ValueError, match="unknown time zone"):
        canonical_timezone("Atlantis/Capital")
