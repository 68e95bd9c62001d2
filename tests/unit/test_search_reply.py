"""A search's reply: its header names the query once, and close matches are labelled."""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from adapters.console.render import render_reply as console_reply
from adapters.discord.render import render_reply as discord_reply
from adapters.slack.render import render_reply as slack_reply
from bot.commands.wording import search_reply
from bot.records.chat import CLOSE_MATCHES
from bot.records.models import Paper, SearchResults

NOW = datetime(2024, 5, 10, tzinfo=UTC)


def paper(n: int) -> Paper:
    return Paper(f"2405.0000{n}", f"Paper number {n}", "An abstract.", ("Ada",), NOW)


@pytest.mark.parametrize(
    ("query", "header"),
    [
        ('"world models"', '1 paper for "world models":'),
        ("world models", '1 paper for "world models":'),
        ('"world models" -video', '1 paper for "world models" -video:'),
        ('"a" "b"', '1 paper for "a" "b":'),
    ],
)
def test_the_header_quotes_the_query_once(query: str, header: str) -> None:
    assert search_reply(query, SearchResults(exact=(paper(1),))).text == header


def test_no_result_says_so_without_doubled_quotes() -> None:
    assert search_reply('"zebra"', SearchResults()).text == 'No papers found for "zebra".'


def test_close_matches_are_kept_apart_from_exact_ones() -> None:
    reply = search_reply("q", SearchResults(exact=(paper(1),), close=(paper(2), paper(3))))
    assert reply.text == '3 papers for "q":'
    assert reply.papers == (paper(1),)
    assert reply.close_papers == (paper(2), paper(3))


def test_only_close_matches_say_so_in_the_header() -> None:
    reply = search_reply("q", SearchResults(close=(paper(2),)))
    assert reply.text == '1 paper for "q" (no exact match; close matches only):'


def test_every_platform_shows_the_close_matches_label_after_the_exact_papers() -> None:
    reply = search_reply("q", SearchResults(exact=(paper(1),), close=(paper(2),)))
    text = console_reply(reply)
    assert (
        text.index("Paper number 1") < text.index(CLOSE_MATCHES) < text.index("2. Paper number 2")
    )
    slack = str([m.blocks for m in slack_reply(reply)])
    assert (
        slack.index("Paper number 1") < slack.index(CLOSE_MATCHES) < slack.index("Paper number 2")
    )
    embeds = [e.title for m in discord_reply(reply) for e in m.embeds]
    assert embeds == ["1. Paper number 1", CLOSE_MATCHES, "2. Paper number 2"]
