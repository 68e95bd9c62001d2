"""One range for each channel setting, defined once (bot/records/models.py): the config's
`[defaults]`, `/papers settings` and Discord's command options accept the same values."""

from __future__ import annotations

import pytest
from discord import app_commands

from adapters.discord.commands import build_papers_group
from bot.commands.parse_settings import parse_settings_change
from bot.config.load import load_config
from bot.records.errors import ConfigError, UserInputError
from bot.records.models import MAX_PAPERS_RANGE, MIN_UPVOTES_RANGE

CASES = [("min_upvotes", "min-upvotes", MIN_UPVOTES_RANGE), ("max_papers", "max", MAX_PAPERS_RANGE)]


@pytest.mark.parametrize(("key", "word", "bounds"), CASES)
def test_config_and_settings_accept_the_same_range(
    key: str, word: str, bounds: tuple[int, int]
) -> None:
    low, high = bounds
    for value in (low, high):
        assert getattr(load_config(f"[defaults]\n{key} = {value}\n", {}).defaults, key) == value
        assert getattr(parse_settings_change((word, str(value))), key) == value
    for value in (low - 1, high + 1):
        with pytest.raises(ConfigError, match=f"from {low} to {high}"):
            load_config(f"[defaults]\n{key} = {value}\n", {})
    with pytest.raises(UserInputError, match=f"from {low} to {high}"):
        parse_settings_change((word, str(high + 1)))


def test_discords_options_take_the_same_range() -> None:
    async def run(interaction: object, text: str) -> None:
        return None

    async def topics(interaction: object, current: str) -> list[str]:
        return []

    group = build_papers_group(run, topics)
    settings = group.get_command("settings")
    assert isinstance(settings, app_commands.Command)
    options = {p.display_name: p for p in settings.parameters}
    for name, (low, high) in (("min-upvotes", MIN_UPVOTES_RANGE), ("max", MAX_PAPERS_RANGE)):
        assert (options[name].min_value, options[name].max_value) == (low, high)
