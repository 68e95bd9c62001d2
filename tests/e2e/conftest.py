"""Fixtures shared by the `paperbot run` end-to-end tests."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest

from tests.e2e.run_support import serve_fixture_day
from tests.fakes.feed_server import FakeFeed


@pytest.fixture
async def feed() -> AsyncIterator[FakeFeed]:
    """The fake Hugging Face feed, with a real list on the day the bot's clock covers."""
    async with FakeFeed() as running:
        serve_fixture_day(running)
        yield running
