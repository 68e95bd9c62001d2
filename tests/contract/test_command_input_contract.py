"""Text a chat user types never reaches a store with a control character in it.

PostgreSQL refuses NUL in text (the command once failed with a traceback) and SQLite stored
it (a topic nobody could type again), so `/papers` refuses such text before any store call.
Runs over every backend of the `store` fixture (tests/contract/conftest.py).
"""

from __future__ import annotations

from datetime import UTC, datetime

import pytest

from bot.commands.handler import Commands
from bot.commands.wording import GENERIC_FAILURE
from bot.digest.service import PaperService
from bot.ports import Store
from bot.records.chat import CommandContext
from bot.records.clock import FixedClock
from bot.records.models import ChannelRef, ChannelSettings
from bot.sources.sample import SampleSource

NOW = datetime(2026, 8, 22, 10, 0, tzinfo=UTC)
CHANNEL = ChannelRef("console", "c1", "team")
ALICE = CommandContext(CHANNEL, user_id="U1", user_name="alice", can_manage=True)


def commands_on(store: Store) -> Commands:
    sample = SampleSource()
    service = PaperService(store, sample, sample, FixedClock(NOW), defaults=ChannelSettings())
    return Commands(service)


@pytest.mark.parametrize(
    "text",
    [
        "subscribe agents\x00rag",
        'subscribe "world\x00model"',
        'subscribe author:"Ada\x07Lovelace"',
        "search world\x00model",
        "settings tz UTC\x00",
        "unsubscribe agents\x00",
    ],
)
async def test_control_characters_are_refused_before_any_store(store: Store, text: str) -> None:
    commands = commands_on(store)
    reply = await commands.handle(ALICE, text)
    assert reply.is_error, reply
    assert reply.text.startswith("Control characters such as U+00"), reply.text
    assert reply.text != GENERIC_FAILURE
    assert await store.get_subscription(CHANNEL) is None


async def test_a_subscribed_channel_keeps_its_topics_when_nul_is_refused(store: Store) -> None:
    commands = commands_on(store)
    assert not (await commands.handle(ALICE, "subscribe agents")).is_error
    reply = await commands.handle(ALICE, "subscribe rag\x00")
    assert reply.is_error, reply
    saved = await store.get_subscription(CHANNEL)
    assert saved is not None
    assert [str(t) for t in saved.topics] == ["agents"]
