"""What a user reads when the database is busy or full: which fault, that nothing was changed,
and to try again; never the generic "something went wrong". A real SQLite file, held by
another connection or out of pages, behind the real commands and clicks."""

from __future__ import annotations

import logging
import sqlite3
from collections.abc import AsyncIterator, Iterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.chat.buttons import ButtonAction, encode_button_id
from bot.commands.clicks import VoteService
from bot.commands.handler import Commands
from bot.digest.service import PaperService
from bot.records.chat import Click, CommandContext
from bot.records.clock import FixedClock
from bot.records.models import ChannelRef, ChannelSettings, Subscription
from bot.sources.sample import SampleSource
from bot.storage.sqlite.store import SqliteStore
from tests.contract.test_store_faults_contract import no_room_to_grow

NOW = datetime(2026, 8, 22, 10, 0, tzinfo=UTC)
CHANNEL = ChannelRef("console", "c1", "team")
ALICE = CommandContext(CHANNEL, user_id="U1", user_name="alice", can_manage=True)
BUSY = "The bot's database is busy; nothing was changed. Try again in a minute."
FULL = "The bot's database is full; nothing was changed. Try again in a minute."


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    opened = await SqliteStore.open(tmp_path / "paperbot.db", busy_timeout_ms=100)
    yield opened
    await opened.close()


@pytest.fixture
def commands(store: SqliteStore) -> Commands:
    sample = SampleSource()
    return Commands(
        PaperService(store, sample, sample, FixedClock(NOW), defaults=ChannelSettings())
    )


@pytest.fixture
def other_writer(tmp_path: Path, store: SqliteStore) -> Iterator[None]:
    """Another process in the middle of a write transaction on the same file."""
    conn = sqlite3.connect(tmp_path / "paperbot.db", isolation_level=None)
    conn.execute("BEGIN IMMEDIATE")
    yield
    conn.execute("ROLLBACK")
    conn.close()


async def test_a_subscribe_behind_a_held_lock_says_busy_and_saves_nothing(
    commands: Commands, store: SqliteStore, other_writer: None, caplog: pytest.LogCaptureFixture
) -> None:
    with caplog.at_level(logging.WARNING):
        reply = await commands.handle(ALICE, "subscribe agents")
    assert reply.is_error
    assert reply.text == BUSY
    assert await store.get_subscription(CHANNEL) is None
    faults = [r for r in caplog.records if r.levelno >= logging.WARNING]
    assert len(faults) == 1
    assert faults[0].exc_info is None
    assert "paperbot.db" in faults[0].getMessage()
    assert "locked" in faults[0].getMessage()


async def test_a_subscribe_with_no_room_says_full(commands: Commands, store: SqliteStore) -> None:
    await store.save_subscription(Subscription(CHANNEL))
    await no_room_to_grow(store)
    reply = await commands.handle(ALICE, "today")  # storing the day's list needs new pages
    assert reply.text == FULL
    assert await store.papers_listed_on(NOW.date().replace(day=21)) == []


async def test_a_vote_behind_a_held_lock_says_busy_and_counts_nothing(
    store: SqliteStore, tmp_path: Path
) -> None:
    sample = SampleSource()
    service = PaperService(store, sample, sample, FixedClock(NOW), defaults=ChannelSettings())
    digest = await service.digest_of(Subscription(CHANNEL), None)  # stores the day's list
    await store.save_subscription(Subscription(CHANNEL))
    arxiv_id = digest.entries[0].paper.arxiv_id
    votes = VoteService(store, FixedClock(NOW))
    click = Click(CHANNEL, "U1", encode_button_id(ButtonAction.VOTE, arxiv_id))
    holder = sqlite3.connect(tmp_path / "paperbot.db", isolation_level=None)
    holder.execute("BEGIN IMMEDIATE")
    try:
        answer = await votes.click(click)
    finally:
        holder.execute("ROLLBACK")
        holder.close()
    assert answer.notice == (
        "The bot's database is busy; your click changed nothing. Try again in a minute."
    )
    assert await votes.counts(CHANNEL, [arxiv_id]) == {}
