"""A follow-up reply (bot/lifecycle/followups.py) as each platform renders it: its lines, escaped,
and nothing of a late-additions reply."""

from __future__ import annotations

from datetime import date

from adapters.discord.render import render_late_additions as discord_reply
from adapters.slack.render import render_late_additions as slack_reply
from bot.records.digest import Digest

HOSTILE = "• Code released for “Plans @everyone <!channel> *bold*”: https://github.com/o/r"


def followup() -> Digest:
    return Digest(day=date(2024, 5, 13), entries=(), heading=HOSTILE)


def test_slack_shows_the_lines_and_pings_no_one() -> None:
    message = slack_reply(followup())
    text = " ".join(b["text"]["text"] for b in message.blocks)
    assert "https://github.com/o/r" in text
    assert "<!channel>" not in text
    assert "<!channel>" not in message.text
    assert "Late additions" not in text


def test_discord_shows_the_lines_and_pings_no_one() -> None:
    message = discord_reply(followup())
    assert message.embeds == ()
    assert message.content is not None
    assert "github.com/o/r" in message.content
    assert "@everyone" not in message.content
    assert "Late additions" not in message.content
