"""`/papers foryou [week]` and "Not for me" through the console, with the same command chain
and click handler the chat platforms get (bot/app/bootstrap.py), on the shipped sample and a
real SQLite file; and the store-reading ranker (bot/recommend/runner.py) on its own: the
cold start, votes as likes, marks as negatives."""

from __future__ import annotations

import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from adapters.console import ConsolePlatform
from bot.app.bootstrap import App, build_app, make_platforms
from bot.config.load import Config
from bot.recommend.runner import COLD_START_SAVES, StoreRanker
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.slack_digests import real_papers

NOW = datetime(2026, 8, 22, 9, 0, tzinfo=UTC)
ME = "console:local:me"


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    config = Config(database_url=f"sqlite:///{tmp_path / 'console.db'}", source="sample")
    built = await build_app(config)  # the sample's own frozen clock
    try:
        yield built
    finally:
        await built.aclose()


async def session(app: App, *lines: str) -> str:
    out = io.StringIO()
    made = make_platforms(app, console_out=out, console_in=io.StringIO("\n".join(lines) + "\n"))
    platform = made["console"]
    assert isinstance(platform, ConsolePlatform)
    await platform.start(app.handle)
    return out.getvalue()


def titles_after(text: str, header: str) -> list[str]:
    """The numbered titles of the list printed under the last line starting `header`."""
    block = text.rsplit(header, 1)[1].split("\n[", 1)[0]
    return [
        line.split(". ", 1)[1]
        for line in block.splitlines()
        if line[:1].isdigit() and ". " in line and " · " not in line
    ]


async def test_the_cold_start_says_how_many_saves_and_shows_trending(app: App) -> None:
    text = await session(app, "/papers foryou", "/papers today", "save 1", "/papers foryou")
    assert "save 3 more with 🔖 and it starts. Meanwhile, the trending papers of 2026-08-21:" in (
        text
    )
    assert "save 2 more with 🔖" in text
    assert "why: trending: 163 upvotes on Hugging Face" in text
    first = titles_after(text, "Meanwhile, the trending papers")
    assert first[0].startswith("EnvHarness")  # the trending order, saved papers included
    assert len(first) == 10


async def test_three_saves_rank_the_day_with_a_reason_and_not_for_me_drops_a_paper(
    app: App,
) -> None:
    text = await session(
        app,
        "/papers today",
        "save 1",
        "save 2",
        "save 3",
        "/papers foryou",
        "notforme 1",
        "/papers foryou",
    )
    assert "For you: 10 of the 17 papers of 2026-08-21" in text
    ranked = titles_after(text.rsplit("Noted:", 1)[0], "For you: ")
    assert len(ranked) == 10
    assert not {"EnvHarness", "FACET", "4DAnyone"} & {t.split(":")[0] for t in ranked}
    assert "which you saved" in text.split("For you: ", 1)[1]
    assert "Noted: “" + ranked[0][:20] in text
    again = titles_after(text, "For you: ")
    assert ranked[0] not in again


async def test_week_and_mistakes(app: App) -> None:
    text = await session(app, "/papers foryou week", "/papers foryou month", "/papers help foryou")
    assert "the trending papers from 2026-08-15 to 2026-08-21:" in text
    assert "Unexpected `month`: only `week` may follow.\nUsage: /papers foryou [week]" in text
    assert "Learns from the papers you saved" in text


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    opened = await SqliteStore.open(tmp_path / "taste.db")
    await opened.upsert_papers(real_papers())
    yield opened
    await opened.close()


async def test_the_ranker_learns_from_saves_votes_and_marks(store: SqliteStore) -> None:
    papers = real_papers()
    ranker = StoreRanker(store)
    cold = await ranker.rank(ME, papers, 5)
    assert cold.saves_needed == COLD_START_SAVES
    upvotes = [pick.paper.upvotes for pick in cold.picks]
    assert upvotes == sorted(upvotes, reverse=True)
    assert len(upvotes) == 5
    for minute, paper in enumerate(papers[:3]):
        await store.toggle_save(ME, paper.arxiv_id, NOW + timedelta(minutes=minute))
    await store.toggle_vote("slack:T1:C1", papers[3].arxiv_id, ME, NOW)
    await store.toggle_not_for_me(ME, papers[4].arxiv_id, NOW)
    warm = await ranker.rank(ME, papers, len(papers))
    assert warm.saves_needed == 0
    picked = {pick.paper.arxiv_id for pick in warm.picks}
    assert picked == {p.arxiv_id for p in papers[5:]}  # liked, voted and marked left out
    assert all(pick.reason.startswith("like “") for pick in warm.picks)
    assert {pick.reason.rsplit(", ", 1)[1] for pick in warm.picks} <= {
        "which you saved",
        "which you voted for",
    }
