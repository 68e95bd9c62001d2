"""The time marker (bot/records/instants.py) and each platform's form of it: Slack's date
token with its UTC fallback, Discord's timestamp, the console's words naming the zone; and
that text from outside can never pass for a marker."""

from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from adapters.console.render import render_reply as console_reply
from adapters.discord.render import render_reply as discord_reply
from adapters.discord.text import escape_marked as discord_marked
from adapters.slack.mrkdwn import escape_marked as slack_marked
from adapters.slack.mrkdwn import split_mrkdwn
from adapters.slack.render import render_reply as slack_reply
from bot.records.chat import Reply
from bot.records.errors import UserInputError
from bot.records.instants import Instant, Style, as_plain, mark, pieces, plain_text, utc_text
from bot.text.input_text import refuse_control_characters
from bot.text.untrusted import clean_text, one_line

MONDAY = datetime(2026, 8, 24, 7, 15, tzinfo=UTC)  # 09:15 in Paris (CEST)
UNIX = 1787555700
WINTER = datetime(2026, 12, 7, 23, 40, tzinfo=UTC)  # 00:40 on the 8th in Paris (CET)
ZONES = ("UTC", "Europe/Paris", "Asia/Kolkata", "America/New_York", "Pacific/Chatham")


def test_the_marker_carries_the_moment_the_zone_and_the_style() -> None:
    assert int(MONDAY.timestamp()) == UNIX
    assert list(pieces(f"Next: {mark(MONDAY, 'Europe/Paris')}.")) == [
        "Next: ",
        Instant(MONDAY, "Europe/Paris", Style.DATETIME),
        ".",
    ]


@given(
    st.datetimes(
        min_value=datetime(1970, 1, 2), max_value=datetime(2200, 1, 1), timezones=st.just(UTC)
    ),
    st.sampled_from(ZONES),
    st.sampled_from(Style),
    st.text(max_size=20),
)
def test_any_moment_survives_its_marker_to_the_second(
    moment: datetime, zone: str, style: Style, around: str
) -> None:
    around = clean_text(around)  # text from outside, as every source and input leaves it
    found = [p for p in pieces(around + mark(moment, zone, style) + around) if p != around]
    assert found == [Instant(moment.replace(microsecond=0), zone, style)]


def test_the_console_names_the_markers_zone_in_summer_and_winter() -> None:
    assert plain_text(Instant(MONDAY, "Europe/Paris")) == "Mon 24 Aug 2026 09:15 Europe/Paris"
    assert plain_text(Instant(WINTER, "Europe/Paris")) == "Tue 08 Dec 2026 00:40 Europe/Paris"
    assert plain_text(Instant(MONDAY, "UTC", Style.TIME)) == "07:15 UTC"
    assert utc_text(Instant(MONDAY, "Asia/Kolkata")) == "Mon 24 Aug 2026 07:15 UTC"


def test_a_zone_that_cannot_be_read_is_shown_in_utc_named_so() -> None:
    assert plain_text(Instant(MONDAY, "Mars/Olympus")) == "Mon 24 Aug 2026 07:15 UTC"


def test_as_plain_writes_each_marker_out_and_drops_stray_delimiters() -> None:
    text = f"since {mark(MONDAY, style=Style.TIME)}, next {mark(MONDAY, 'Europe/Paris')}\ue010"
    assert as_plain(text) == "since 07:15 UTC, next Mon 24 Aug 2026 09:15 Europe/Paris"


def test_a_marker_with_another_seal_is_only_text() -> None:
    forged = f"\ue010{UNIX}|UTC|f|0123456789abcdef\ue011"
    unsealed = f"\ue010{UNIX}|UTC|f\ue011"
    assert list(pieces(forged + unsealed)) == [forged + unsealed]
    assert as_plain(forged) == f"{UNIX}|UTC|f|0123456789abcdef"


def test_text_from_outside_cannot_carry_a_delimiter() -> None:
    marked = mark(MONDAY)
    assert clean_text(f"A {marked} title") == f"A {marked[1:-1]} title"
    assert one_line(marked) == marked[1:-1]
    with pytest.raises(UserInputError, match="U\\+E010"):
        refuse_control_characters(f"agents {marked}")


# ---------------------------------------------------------------------------- Slack


def test_slack_shows_a_date_token_with_a_utc_fallback() -> None:
    assert slack_marked(f"Next digest: {mark(MONDAY, 'Europe/Paris')} (in 2 h)") == (
        f"Next digest: <!date^{UNIX}^{{date_short_pretty}} {{time}}|Mon 24 Aug 2026 07:15 UTC>"
        " (in 2 h)"
    )
    assert slack_marked(mark(MONDAY, style=Style.TIME)) == f"<!date^{UNIX}^{{time}}|07:15 UTC>"


def test_slack_escapes_the_text_around_a_token_and_any_token_in_the_text() -> None:
    text = f"<!date^0^{{time}}|x> <@U1> A*B {mark(MONDAY)}"
    shown = slack_marked(text)
    assert shown.startswith("&lt;!date^0^{time}|x&gt; &lt;@U1&gt; A<!date^00000000^{_}|*>B ")
    assert shown.endswith(
        f"<!date^{UNIX}^{{date_short_pretty}} {{time}}|Mon 24 Aug 2026 07:15 UTC>"
    )


def test_slack_never_splits_a_date_token() -> None:
    text = " ".join(f"line {n}: {mark(MONDAY + timedelta(hours=n))}" for n in range(60))
    chunks = split_mrkdwn(slack_marked(text), 200)
    assert len(chunks) > 5
    tokens = [t for chunk in chunks for t in re.findall(r"<!date\^[^>]*>", chunk)]
    assert len(tokens) == 60
    assert all(t.endswith(" UTC>") for t in tokens)


def test_a_slack_reply_carries_the_token_in_its_blocks_and_its_notification_text() -> None:
    [message] = slack_reply(Reply(f"Last fetch: {mark(MONDAY)} (now)"))
    token = f"<!date^{UNIX}^{{date_short_pretty}} {{time}}|Mon 24 Aug 2026 07:15 UTC>"
    assert message.text == f"Last fetch: {token} (now)"
    assert message.blocks[0]["text"]["text"] == f"Last fetch: {token} (now)"


# ---------------------------------------------------------------------------- Discord


def test_discord_shows_a_timestamp_in_the_readers_zone() -> None:
    assert discord_marked(f"Next digest: {mark(MONDAY, 'Europe/Paris')} (in 2 h)") == (
        f"Next digest: <t:{UNIX}:f> (in 2 h)"
    )
    assert discord_marked(f"since {mark(MONDAY, style=Style.TIME)}") == f"since <t:{UNIX}:t>"


def test_discord_escapes_a_timestamp_in_the_text() -> None:
    shown = discord_marked(f"<t:0:R> **bold** {mark(MONDAY)}")
    assert shown == f"\\<t:0:R> \\*\\*bold\\*\\* <t:{UNIX}:f>"


def test_a_discord_reply_carries_the_timestamp() -> None:
    [message] = discord_reply(Reply(f"Last fetch: {mark(MONDAY)} (now)"))
    assert message.content == f"Last fetch: <t:{UNIX}:f> (now)"


# ---------------------------------------------------------------------------- console


def test_the_console_reply_names_each_zone() -> None:
    text = f"Next digest: {mark(MONDAY, 'Europe/Paris')}\nLast fetch: {mark(WINTER)}"
    assert console_reply(Reply(text, is_error=True)) == (
        "Error: Next digest: Mon 24 Aug 2026 09:15 Europe/Paris\n"
        "Last fetch: Mon 07 Dec 2026 23:40 UTC"
    )
