"""`/papers search`, `show` and the topics a channel follows, as users type them: the command
handler against the real service, a real SQLite file and the shipped sample (issue 19, 6)."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import UTC, datetime
from pathlib import Path

import pytest

from bot.commands.handler import Commands
from bot.digest.service import PaperService
from bot.digest.topics import topic_reason
from bot.records.chat import CommandContext, Reply
from bot.records.clock import FixedClock
from bot.records.models import ChannelRef, ChannelSettings, Paper, Topic, TopicKind
from bot.sources.sample import SampleSource
from bot.storage.sqlite.store import SqliteStore

NOW = datetime(2026, 8, 22, 10, 0, tzinfo=UTC)  # the sample's 2026-08-21 list is closed
ALICE = CommandContext(ChannelRef("console", "c1", "team"), user_id="U1", can_manage=True)


@pytest.fixture
async def commands(tmp_path: Path) -> AsyncIterator[Commands]:
    store = await SqliteStore.open(tmp_path / "paperbot.db")
    try:
        sample = SampleSource()
        service = PaperService(store, sample, sample, FixedClock(NOW), defaults=ChannelSettings())
        yield Commands(service)
    finally:
        await store.close()


def _mentions(paper: Paper, text: str) -> bool:
    return topic_reason(paper, Topic(TopicKind.PHRASE, text)) is not None


def _ids(reply: Reply) -> list[str]:
    return [p.arxiv_id for p in reply.papers]


# ------------------------------------------------------------------ exclusions and phrases


@pytest.mark.parametrize("stored", [False, True], ids=["fallback", "store"])
async def test_exclusions_and_phrases_hold_whoever_answers(
    commands: Commands, stored: bool
) -> None:
    # On a new database the sample answered by its own matching: "agents -benchmark" listed
    # papers whose abstracts say "benchmark", '"world model"' papers without the phrase.
    if stored:
        await commands.handle(ALICE, "today")  # the day's list is now in the store
    excluding = await commands.handle(ALICE, "search agents -benchmark")
    assert excluding.papers
    assert not any(_mentions(p, "benchmark") for p in excluding.papers)
    assert all(_mentions(p, "agents") for p in excluding.papers)
    phrase = await commands.handle(ALICE, 'search "world model"')
    assert phrase.papers
    assert all(_mentions(p, "world model") for p in phrase.papers)


async def test_the_typo_stage_keeps_the_exclusions(commands: Commands) -> None:
    await commands.handle(ALICE, "today")
    found = await commands.handle(ALICE, "search agnets -benchmark")
    assert found.close_papers
    assert not any(_mentions(p, "benchmark") for p in found.papers)


@pytest.mark.parametrize("query", ["-agents", '-"world model"', "-agents -world", "--agents"])
async def test_only_exclusions_are_refused_with_usage(commands: Commands, query: str) -> None:
    reply = await commands.handle(ALICE, f"search {query}")
    assert reply.is_error
    assert reply.papers == ()
    assert "add a word to search for" in reply.text
    assert "Usage: /papers search" in reply.text


# ------------------------------------------------------------------ ids, URLs and filters


@pytest.mark.parametrize(
    "given", ["2608.19880", "2608.19880v2", "arxiv.org/abs/2608.19880", "hf.co/papers/2608.19880"]
)
async def test_search_for_an_id_answers_as_show_does(commands: Commands, given: str) -> None:
    shown = await commands.handle(ALICE, "show 2608.19880")
    searched = await commands.handle(ALICE, f"search {given}")
    assert searched == shown
    assert _ids(searched) == ["2608.19880"]


@pytest.mark.parametrize(
    "given",
    [
        "arxiv.org/pdf/2608.19880.pdf",
        "www.arxiv.org/abs/2608.19880v1",
        "huggingface.co/papers/2608.19880",
    ],
)
async def test_show_takes_a_url_without_its_scheme(commands: Commands, given: str) -> None:
    reply = await commands.handle(ALICE, f"show {given}")
    assert not reply.is_error
    assert _ids(reply) == ["2608.19880"]


@pytest.mark.parametrize("stored", [False, True], ids=["fallback", "store"])
async def test_search_by_author_as_topics_take_it(commands: Commands, stored: bool) -> None:
    if stored:
        await commands.handle(ALICE, "today")
    reply = await commands.handle(ALICE, 'search author:"Chengsong Huang"')
    assert "2608.19880" in _ids(reply)
    assert all("Chengsong Huang" in p.authors for p in reply.papers)


# ------------------------------------------------------------------ topics typed back


async def test_every_topic_shown_can_be_typed_back_into_unsubscribe(commands: Commands) -> None:
    await commands.handle(ALICE, 'subscribe gpt-4o,author:",kw:diffusion,author:",AUTHOR:X')
    listed = await commands.handle(ALICE, "topics")
    shown = listed.text.split(": ", 1)[1]
    assert shown == 'gpt-4o, author:",kw:diffusion,author:", author:X'
    dropped = await commands.handle(ALICE, 'unsubscribe author:",kw:diffusion,author:"')
    assert not dropped.is_error, dropped.text
    assert (await commands.handle(ALICE, "topics")).text.endswith(": gpt-4o, author:X")
