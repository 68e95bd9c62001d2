"""The /papers options become the line a user would type; autocomplete offers what fits."""

from __future__ import annotations

import pytest

from adapters.discord.commands import (
    command_text,
    settings_text,
    timezone_choices,
    topic_choices,
)


@pytest.mark.parametrize(
    ("verb", "parts", "expected"),
    [
        ("today", (None,), "today"),
        ("today", ("2026-08-21",), "today 2026-08-21"),
        ("search", ("  world models ",), "search world models"),
        ("subscribe", ('agents "world model" -survey',), 'subscribe agents "world model" -survey'),
        ("help", ("",), "help"),
    ],
)
def test_command_text(verb: str, parts: tuple[str | None, ...], expected: str) -> None:
    assert command_text(verb, *parts) == expected


@pytest.mark.parametrize(
    ("options", "expected"),
    [
        ((None, None, None, None, None), "settings"),
        (("09:30", None, None, None, None), "settings time 09:30"),
        (
            (None, "Asia/Tokyo", 0, 5, "daily"),
            "settings tz Asia/Tokyo min-upvotes 0 max 5 weekdays daily",
        ),
    ],
)
def test_settings_text(
    options: tuple[str | None, str | None, int | None, int | None, str | None], expected: str
) -> None:
    assert settings_text(*options) == expected


def test_timezone_choices_prefer_names_that_start_with_the_text() -> None:
    assert timezone_choices("new york")[0] == "America/New_York"
    assert timezone_choices("paris") == ["Europe/Paris"]
    assert len(timezone_choices("")) == 25
    assert timezone_choices("no such zone") == []


def test_topic_choices_skip_what_discord_cannot_take_and_offer_all() -> None:
    long_topic = '"' + "x" * 120 + '"'
    topics = ["agents", long_topic, "-survey"]
    assert topic_choices(topics, "") == ["agents", "-survey", "all"]
    assert topic_choices(topics, "AG") == ["agents"]
    assert topic_choices(topics, "al") == ["all"]
    assert topic_choices([], "") == []  # nothing to unsubscribe from
    many = [f"topic{i}" for i in range(40)]
    assert len(topic_choices(many, "")) == 25


def test_settings_text_passes_the_cadence_on() -> None:
    text = settings_text(None, None, None, None, None, "daily weekly fri")
    assert text == "settings cadence daily weekly fri"
