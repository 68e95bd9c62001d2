from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from bot.command_text import when_text

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
    assert when_text(NOW, "Asia/Kolkata", NOW - timedelta(hours=1)).startswith(
        "Sat 22 Aug 2026 14:30 Asia/Kolkata"
    )
