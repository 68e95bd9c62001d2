"""`/papers me ...` parsed (bot/commands/parse_me.py): each sub-verb, and each mistake with
`me`'s usage line."""

from __future__ import annotations

from datetime import time

import pytest

from bot.commands.parse import parse_command
from bot.commands.parse_me import Me, MeAction
from bot.records.errors import UserInputError
from bot.records.models import Cadence


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("me", Me()),
        ("me topics", Me(MeAction.TOPICS)),
        ("me pause", Me(MeAction.PAUSE)),
        ("me RESUME", Me(MeAction.RESUME)),
        ('me subscribe agents "world model"', Me(MeAction.SUBSCRIBE, 'agents "world model"')),
        ("me subscribe", Me(MeAction.SUBSCRIBE, "")),
        ("me unsubscribe agents", Me(MeAction.UNSUBSCRIBE, "agents")),
        ("me unsubscribe all", Me(MeAction.UNSUBSCRIBE, "")),
        ("me forget", Me(MeAction.FORGET)),
        ("me forget confirm", Me(MeAction.FORGET, "", confirmed=True)),
    ],
)
def test_each_sub_verb(text: str, expected: Me) -> None:
    assert parse_command(text) == expected


def test_settings_take_time_zone_cadence_and_max() -> None:
    command = parse_command("me settings time 07:30 tz europe/paris cadence weekly fri max 5")
    assert isinstance(command, Me)
    change = command.change
    assert change.post_time == time(7, 30)
    assert change.timezone == "Europe/Paris"
    assert change.cadences == (Cadence.WEEKLY,)
    assert change.weekly_day == 4
    assert change.max_papers == 5


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("me subscrib agents", "Did you mean `me subscribe`?"),
        ("me pause now", "`me pause` takes no arguments."),
        ("me unsubscribe", "Name a topic to drop, or `all`."),
        ("me forget please", "`me forget` takes nothing, or `confirm`."),
        ("me settings followups off", "not followups"),
        ("me settings min-upvotes 3", "not min-upvotes"),
        ("me settings cadence monthly", "daily or weekly"),
        ("me settings tz Mars/Olympus", "Bad tz"),
        ("me status now", "takes no arguments"),
    ],
)
def test_mistakes_say_what_and_show_me_usage(text: str, problem: str) -> None:
    with pytest.raises(UserInputError) as caught:
        parse_command(text)
    assert problem in str(caught.value)
    assert "Usage: /papers me" in str(caught.value)
