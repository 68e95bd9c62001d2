"""`/papers settings followups on|off` (bot/commands/parse_settings.py, through the settings
parser)."""

from __future__ import annotations

import pytest

from bot.commands.parse_settings import SettingsChange, parse_settings_change
from bot.records.errors import UserInputError
from bot.records.models import ChannelSettings


@pytest.mark.parametrize(
    ("words", "expected"),
    [
        (("followups", "off"), False),
        (("followups", "ON"), True),
        (("follow-ups=no",), False),
        (("followups", "yes"), True),
    ],
)
def test_followups_on_or_off(words: tuple[str, ...], expected: bool) -> None:
    change = parse_settings_change(words)
    assert change == SettingsChange(followups=expected)
    assert change.describe() == f"followups {'on' if expected else 'off'}"
    assert change.apply(ChannelSettings()).followups is expected


def test_other_settings_leave_followups_as_they_are() -> None:
    off = ChannelSettings(followups=False)
    assert parse_settings_change(("max", "3")).apply(off).followups is False


@pytest.mark.parametrize(
    ("words", "message"),
    [
        (("followups", "maybe"), "Bad followups: 'maybe' is not one of on | off"),
        (("followups",), "`followups` needs a value"),
        (("followups", "on", "followups", "off"), "`followups` is given twice"),
    ],
)
def test_a_bad_value_is_a_short_error(words: tuple[str, ...], message: str) -> None:
    with pytest.raises(UserInputError, match=message):
        parse_settings_change(words)
