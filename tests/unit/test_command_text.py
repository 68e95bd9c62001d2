from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.chat.connection import Backoff
from bot.commands.wording import connection_text, when_text
from bot.records.chat import ConnectionStatus, LinkState
from bot.records.instants import as_plain

NOW = datetime(2026, 8, 22, 9, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("delta", "relative"),
    [
        (timedelta(days=2), "in 2 d"),
        (timedelta(days=2, minutes=5), "in 2 d 5 min"),
        (timedelta(days=1, hours=3, minutes=5), "in 1 d 3 h"),
        (timedelta(hours=5), "in 5 h"),
        (timedelta(minutes=90), "in 1 h 30 min"),
        (timedelta(minutes=1), "in 1 min"),
        (timedelta(seconds=10), "now"),
        (-timedelta(hours=2), "2 h ago"),
    ],
)
def test_when_text_names_the_two_largest_nonzero_units(delta: timedelta, relative: str) -> None:
    text = when_text(NOW + delta, "UTC", NOW)
    assert text.endswith(f"({relative})")


def test_when_text_shows_the_channels_local_time() -> None:
    assert as_plain(when_text(NOW, "Asia/Kolkata", NOW - timedelta(hours=1))).startswith(
        "Sat 22 Aug 2026 14:30 Asia/Kolkata"
    )


def test_a_reconnecting_platform_says_which_attempt_why_and_since_when() -> None:
    since = NOW - timedelta(minutes=7)
    status = ConnectionStatus("slack", LinkState.RECONNECTING, since, 3, "timed out")
    assert as_plain(connection_text(status, NOW)) == (
        "Slack: reconnecting (attempt 3, last error: timed out) "
        "since Sat 22 Aug 2026 08:53 UTC (7 min ago)"
    )
    up = ConnectionStatus("slack", LinkState.CONNECTED, since)
    assert (
        as_plain(connection_text(up, NOW))
        == "Slack: connected since Sat 22 Aug 2026 08:53 UTC (7 min ago)"
    )


def test_backoff_doubles_from_the_first_wait_up_to_its_cap() -> None:
    assert [Backoff(1, 60).delay(n) for n in range(1, 9)] == [1, 2, 4, 8, 16, 32, 60, 60]
    assert Backoff(0.5, 60).delay(10_000) == 60
