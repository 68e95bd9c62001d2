"""Button ids and labels (bot/chat/buttons.py) and the vote verbs' parsing
(bot/commands/parse_votes.py)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.chat.buttons import ButtonAction, ButtonId, encode_button_id, parse_button_id, vote_label
from bot.commands.parse import parse_command
from bot.commands.parse_votes import ForYou, Saved, Top, TopPeriod, period_start
from bot.export.formats import ExportFormat
from bot.records.errors import UserInputError


@pytest.mark.parametrize(
    ("action", "arxiv_id", "text"),
    [
        (ButtonAction.VOTE, "2608.19880", "pb:v:2608.19880"),
        (ButtonAction.SAVE, "2608.1988", "pb:s:2608.1988"),
        (ButtonAction.VOTE, "hep-th/9901001", "pb:v:hep-th/9901001"),
        (ButtonAction.SAVE, "math.AG/0601001", "pb:s:math.AG/0601001"),
        (ButtonAction.NOT_FOR_ME, "2608.19880", "pb:n:2608.19880"),
    ],
)
def test_a_button_id_round_trips(action: ButtonAction, arxiv_id: str, text: str) -> None:
    assert encode_button_id(action, arxiv_id) == text
    assert parse_button_id(text) == ButtonId(action, arxiv_id)


@pytest.mark.parametrize(
    "text",
    [
        None,
        42,
        "",
        "pb:v:",
        "pb:x:2608.19880",  # unknown action
        "pb:v:2608.19880v2",  # versioned
        "pb:v:2608.19880 ",
        "pb:v:2608.19880\n",
        "PB:v:2608.19880",
        "pb:v:../../etc",
        "pb:v:2608.19880:extra",
        "pb:v:" + "1" * 200,
        "pb:v:２６０８.19880",  # full-width digits are digits to \d; refused as not ASCII
        "pb:v:2608.19880" + "x" * 80,
    ],
)
def test_anything_else_is_refused(text: object) -> None:
    assert parse_button_id(text) is None


def test_encoding_a_bad_id_raises() -> None:
    with pytest.raises(ValueError, match="arXiv"):
        encode_button_id(ButtonAction.VOTE, "not an id")


@pytest.mark.parametrize(("count", "label"), [(0, "👍"), (1, "👍 1"), (12, "👍 12")])
def test_the_vote_label_shows_the_count(count: int, label: str) -> None:
    assert vote_label(count) == label


NOW = datetime(2026, 8, 22, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("period", "start"),
    [
        (TopPeriod.WEEK, NOW - timedelta(days=7)),
        (TopPeriod.MONTH, NOW - timedelta(days=30)),
        (TopPeriod.ALL, None),
    ],
)
def test_period_windows_end_now(period: TopPeriod, start: datetime | None) -> None:
    assert period_start(period, NOW) == start


@pytest.mark.parametrize(
    ("text", "command"),
    [
        ("saved", Saved()),
        ("saved remove 2608.19880", Saved(remove="2608.19880")),
        ("saved REMOVE https://arxiv.org/abs/2608.19880v2", Saved(remove="2608.19880")),
        ("top", Top(TopPeriod.WEEK)),
        ("top month", Top(TopPeriod.MONTH)),
        ("top ALL public", Top(TopPeriod.ALL, public=True)),
        ("top public week", Top(TopPeriod.WEEK, public=True)),
        ("top public", Top(TopPeriod.WEEK, public=True)),
        ("saved export bibtex", Saved(export=ExportFormat.BIBTEX)),
        ("saved EXPORT md", Saved(export=ExportFormat.MARKDOWN)),
        ("top export csv", Top(TopPeriod.WEEK, export=ExportFormat.CSV)),
        ("top all export bib public", Top(TopPeriod.ALL, True, ExportFormat.BIBTEX)),
        ("top public export markdown month", Top(TopPeriod.MONTH, True, ExportFormat.MARKDOWN)),
        ("foryou", ForYou()),
        ("foryou WEEK", ForYou(week=True)),
    ],
)
def test_the_vote_verbs_parse(text: str, command: object) -> None:
    assert parse_command(text) == command


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("saved all", "Unknown option `all`"),
        ("saved remove", "takes one arXiv id"),
        ("saved remove 1 2", "takes one arXiv id"),
        ("saved remove nonsense", "Bad arXiv id"),
        ("top year", "Unexpected `year`"),
        ("top week month", "Unexpected `month`"),
        ("top public public", "Unexpected `public`"),
        ("saved export", "`export` takes one format"),
        ("saved export bibtex csv", "`export` takes one format"),
        ("saved export pdf", "Unknown format `pdf`: bibtex, markdown or csv."),
        ("top export", "`export` takes one format"),
        ("top export xls", "Unknown format `xls`"),
        ("top export csv export md", "Unexpected `export`"),
        ("foryou month", "Unexpected `month`"),
        ("foryou week week", "Unexpected `week week`"),
    ],
)
def test_vote_verb_mistakes_say_what_and_show_the_usage(text: str, problem: str) -> None:
    with pytest.raises(UserInputError, match="Usage: /papers") as raised:
        parse_command(text)
    assert problem in str(raised.value)


def test_the_not_for_me_buttons_carry_the_id_every_platform_routes() -> None:
    import re

    from adapters.discord.buttons import not_for_me_button as discord_button
    from adapters.slack.buttons import not_for_me_button as slack_button
    from bot.chat.buttons import BUTTON_ID_PATTERN

    slack = slack_button("2608.19880")
    assert slack["action_id"] == "pb:n:2608.19880"
    assert slack["text"]["text"] == "Not for me"
    discord = discord_button(3, "2608.19880", row=1)
    assert discord.custom_id == "pb:n:2608.19880"
    assert discord.label == "3. Not for me"
    assert re.fullmatch(BUTTON_ID_PATTERN, discord.custom_id)  # the DynamicItem's template
