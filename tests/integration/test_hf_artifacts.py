"""Hugging Face artifacts: the real HfArtifactsSource against the fake Hub lists on loopback,
the real ArtifactsRunner and DeliveryRunner on a real SQLite file.

A digest shows the linked repos the store has cached and never waits more than the short
"before" deadline for Hugging Face; after the post, the sweep looks up the posted papers (and
only those) and keeps them fresh; a failing Hub is left alone for a cooldown.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from typing import Any

import pytest

from bot.config.load import DEFAULT_USER_AGENT, DeliveryConfig, HuggingFaceConfig
from bot.delivery.runner import DeliveryRunner
from bot.lifecycle.artifacts import ArtifactsRunner
from bot.records.clock import FixedClock
from bot.records.digest import Digest
from bot.records.errors import SourceError
from bot.records.models import (
    ChannelRef,
    ChannelSettings,
    Paper,
    PaperArtifacts,
    PostReceipt,
    Subscription,
    WeekdayPolicy,
)
from bot.sources.hf_artifacts import HfArtifactsSource
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.feed_server import FakeFeed
from tests.fakes.memory_platform import MemoryPlatform

DAY = date(2024, 5, 13)
POST_AT = datetime(2024, 5, 14, 7, 0, tzinfo=UTC)
CHANNEL = ChannelRef("slack", "C1", "T1")
TOP, SECOND, OFF_LIST = "2405.00002", "2405.00001", "2405.09999"


def paper(arxiv_id: str, upvotes: int) -> Paper:
    published = datetime.combine(DAY, time(0, 0), tzinfo=UTC)
    return Paper(
        arxiv_id, f"Paper {arxiv_id}", "Abstract.", ("A. Author",), published, DAY, upvotes=upvotes
    )


PAPERS = [paper(SECOND, 40), paper(TOP, 280)]


class Source:
    def __init__(self, store: SqliteStore) -> None:
        self.store = store

    async def refresh_day(self, day: date) -> int:
        return await self.store.upsert_papers(PAPERS)


async def no_sleep(_seconds: float) -> None:
    return None


class DigestKeepingPlatform(MemoryPlatform):
    """Keeps each digest it is asked to post."""

    def __init__(self, clock: FixedClock) -> None:
        super().__init__(clock=clock)
        self.digests: list[Digest] = []

    async def post_digest(self, channel: ChannelRef, digest: Digest, **kwargs: Any) -> PostReceipt:
        self.digests.append(digest)
        return await super().post_digest(channel, digest, **kwargs)


@dataclass
class World:
    feed: FakeFeed
    store: SqliteStore
    clock: FixedClock
    source: HfArtifactsSource

    def artifacts(self, *, before_s: float = 2.0, before_top: int = 10) -> ArtifactsRunner:
        return ArtifactsRunner(
            self.store,
            self.source,
            self.clock,
            DeliveryConfig(),
            before_s=before_s,
            before_top=before_top,
        )

    async def post(self, artifacts: ArtifactsRunner) -> DigestKeepingPlatform:
        platform = DigestKeepingPlatform(self.clock)
        runner = DeliveryRunner(
            self.store,
            Source(self.store),
            {"slack": platform},
            self.clock,
            DeliveryConfig(),
            artifacts=artifacts.for_papers,
        )
        assert await runner.run_due() == {"posted": 1}
        return platform

    def asked(self) -> list[str]:
        """The papers looked up so far (one per models-list request)."""
        return [r.query["filter"] for r in self.feed.requests_to("/api/models")]


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    async with FakeFeed(fixtures=False) as feed:
        store = await SqliteStore.open(tmp_path / "paperbot.db")
        config = HuggingFaceConfig(base_url=feed.url)
        source = HfArtifactsSource(config, DEFAULT_USER_AGENT, page=3, sleep=no_sleep)
        settings = ChannelSettings(time(7, 0), "UTC", weekday_policy=WeekdayPolicy.DAILY)
        await store.save_subscription(Subscription(CHANNEL, (), settings))
        try:
            yield World(feed, store, FixedClock(POST_AT), source)
        finally:
            await source.aclose()
            await store.close()


async def test_a_lookup_asks_the_three_lists_filtered_by_the_paper(world: World) -> None:
    world.feed.serve_artifacts(
        TOP, models=["org/m1", "org/m2"], datasets=["org/d"], spaces=["a/s1", "b/s2", "c/s3"]
    )
    found = await world.source.artifacts(TOP)
    assert found == PaperArtifacts(
        TOP, ("org/m1", "org/m2"), ("org/d",), ("a/s1", "b/s2", "c/s3"), more=True
    )  # a full page (3) of Spaces: there may be more
    paths = [(r.path, r.query["filter"], r.query["limit"]) for r in world.feed.requests]
    assert paths == [
        ("/api/models", f"arxiv:{TOP}", "3"),
        ("/api/datasets", f"arxiv:{TOP}", "3"),
        ("/api/spaces", f"arxiv:{TOP}", "3"),
    ]
    assert await world.source.artifacts(OFF_LIST) == PaperArtifacts(OFF_LIST)


async def test_repo_ids_that_are_no_repo_ids_never_become_links(world: World) -> None:
    hostile = ["javascript:alert(1)", "a/b/c", "../etc", "<!everyone>", "org/fine", "gpt2"]
    world.feed.serve_artifacts(TOP, models=hostile[:3])
    world.feed.serve_artifacts(TOP, models=hostile[3:])
    assert (await world.source.artifacts(TOP)).models == ("org/fine", "gpt2")


async def test_a_4xx_or_a_page_that_is_no_list_raises_a_source_error(world: World) -> None:
    world.feed.fail_next(2, status=429, path="/api/models")  # the one retry too
    with pytest.raises(SourceError):
        await world.source.artifacts(TOP)
    world.feed.fail_next(2, status=200, body="<html>busy</html>", path="/api/datasets")
    with pytest.raises(SourceError):
        await world.source.artifacts(TOP)


async def test_the_digest_shows_what_the_top_papers_link_looked_up_before_it(
    world: World,
) -> None:
    world.feed.serve_artifacts(TOP, models=["org/planner-7b"], spaces=["org/demo"])
    platform = await world.post(world.artifacts())
    [digest] = platform.digests
    by_id = {e.paper.arxiv_id: e.artifacts for e in digest.entries}
    assert by_id[TOP] == PaperArtifacts(TOP, ("org/planner-7b",), (), ("org/demo",))
    assert by_id[SECOND] == PaperArtifacts(SECOND)  # looked up too: none linked
    cached = await world.store.hf_artifacts([TOP, SECOND, OFF_LIST])
    assert set(cached) == {TOP, SECOND}
    assert cached[TOP].fetched_at == POST_AT


async def test_a_hub_that_does_not_answer_delays_the_digest_by_the_deadline_only(
    world: World,
) -> None:
    world.feed.stall_next(2, path="/api/models")  # the two papers looked up before
    runner = world.artifacts(before_s=0.2)
    async with asyncio.timeout(5):  # a guard against a hang, not the behaviour under test
        platform = await world.post(runner)
    [digest] = platform.digests
    assert [e.artifacts for e in digest.entries] == [None, None]  # posted, without them
    asked = len(world.asked())
    assert await runner.run_due() == {}  # the cooldown: nothing asked
    assert len(world.asked()) == asked
    world.clock.set(POST_AT + timedelta(minutes=16))
    world.feed.serve_artifacts(TOP, datasets=["org/data"])
    assert await runner.run_due() == {"looked_up": 2}
    assert (await world.store.hf_artifacts([TOP]))[TOP].artifacts.datasets == ("org/data",)


async def test_after_the_post_only_posted_papers_are_looked_up_and_kept_fresh(
    world: World,
) -> None:
    runner = world.artifacts(before_top=0)  # nothing before: the after-pass does it all
    await world.post(runner)
    assert world.asked() == []
    assert await runner.run_due() == {"looked_up": 2}
    assert sorted(world.asked()) == [f"arxiv:{SECOND}", f"arxiv:{TOP}"]
    await world.store.upsert_papers([paper(OFF_LIST, 900)])  # listed, never posted
    world.clock.set(POST_AT + timedelta(hours=5))
    assert await runner.run_due() == {}  # still fresh
    world.clock.set(POST_AT + timedelta(hours=6))
    world.feed.serve_artifacts(SECOND, models=["org/late"])
    assert await runner.run_due() == {"looked_up": 2}
    assert f"arxiv:{OFF_LIST}" not in world.asked()
    assert (await world.store.hf_artifacts([SECOND]))[SECOND].artifacts.models == ("org/late",)
    world.clock.set(POST_AT + timedelta(days=15))  # past the follow-up window
    assert await runner.run_due() == {}
