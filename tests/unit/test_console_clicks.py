"""Pure parts of the console's buttons: what a typed click or channel switch says, which
paper a number on screen names, and the line standing for the buttons."""

from __future__ import annotations

import pytest

from adapters.console.clicks import (
    LIST_CHANNELS,
    ClickLine,
    ShownPapers,
    buttons_line,
    parse_channel,
    parse_click,
)
from bot.chat.buttons import ButtonAction
from bot.records.models import ChannelRef

HERE = ChannelRef("console", "console")
THERE = ChannelRef("console", "lab")


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("vote 2", ClickLine(ButtonAction.VOTE, "2")),
        ("  VOTE   2608.19880 ", ClickLine(ButtonAction.VOTE, "2608.19880")),
        ("👍 1", ClickLine(ButtonAction.VOTE, "1")),
        ("save 3", ClickLine(ButtonAction.SAVE, "3")),
        ("🔖 3", ClickLine(ButtonAction.SAVE, "3")),
        ("vote", ClickLine(ButtonAction.VOTE, "")),
        ("voter 2", None),
        ("/papers vote 2", None),
        ("", None),
    ],
)
def test_a_typed_click(line: str, expected: ClickLine | None) -> None:
    assert parse_click(line) == expected


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("channel lab", "lab"),
        ("Channel lab-2_b", "lab-2_b"),
        ("channel", LIST_CHANNELS),
        ("channel  ", LIST_CHANNELS),
        ("channel bad!name", ""),
        ("channel two words", ""),
        ("channel " + "x" * 33, ""),
        ("channels lab", None),
        ("vote 1", None),
    ],
)
def test_a_channel_switch(line: str, expected: str | None) -> None:
    assert parse_channel(line) == expected


def test_a_number_names_the_paper_last_shown_in_its_own_channel() -> None:
    shown = ShownPapers()
    assert shown.resolve(HERE, "1") is None
    assert not shown.any_shown(HERE)
    shown.show(HERE, [(1, "2608.19880"), (2, "2608.18580")])
    shown.show(THERE, [(1, "2608.00001")])
    shown.show(HERE, [])  # an answer without papers keeps what is on screen
    assert shown.resolve(HERE, "2") == "2608.18580"
    assert shown.resolve(THERE, "1") == "2608.00001"
    assert shown.resolve(HERE, "3") is None
    assert shown.resolve(HERE, "arXiv:2608.11111v2") == "2608.11111"  # an id, bare
    assert shown.resolve(HERE, "not-an-id") is None


def test_the_buttons_line_shows_only_the_papers_with_votes() -> None:
    numbered = [(1, "a"), (2, "b"), (3, "c")]
    assert buttons_line(numbered, {}) == "[👍 vote <n> · 🔖 Save: save <n>]"
    line = buttons_line(numbered, {"c": 4, "a": 1, "b": 0})
    assert line == "[👍 vote <n> · 🔖 Save: save <n>]  1. 👍 1 · 3. 👍 4"
