"""SampleSource: the offline snapshot shipped inside the package."""

from __future__ import annotations

import fnmatch
import tomllib
import zipfile
from datetime import date
from pathlib import Path

import pytest

from bot.sources import SampleSource
from bot.sources.sample import snapshot_dir

ROOT = Path(__file__).resolve().parents[2]
NEWEST = date(2026, 8, 21)
OLDEST = date(2024, 6, 13)


@pytest.fixture(scope="module")
def sample() -> SampleSource:
    return SampleSource()


def test_days_are_listed_newest_first(sample: SampleSource) -> None:
    assert sample.days == [NEWEST, OLDEST]


async def test_daily_returns_the_days_real_papers(sample: SampleSource) -> None:
    newest = await sample.daily(NEWEST)
    oldest = await sample.daily(OLDEST)
    assert (len(newest), len(oldest)) == (17, 21)
    assert newest[0].arxiv_id == "2608.19880"
    assert {p.listed_on for p in newest} == {NEWEST}
    assert {p.source for p in newest + oldest} == {"huggingface"}


async def test_a_day_outside_the_snapshot_is_empty(sample: SampleSource) -> None:
    assert await sample.daily(date(2025, 1, 1)) == []


async def test_daily_hands_out_a_copy(sample: SampleSource) -> None:
    (await sample.daily(NEWEST)).clear()
    assert len(await sample.daily(NEWEST)) == 17


async def test_get_finds_a_paper_by_id_with_or_without_version(sample: SampleSource) -> None:
    paper = await sample.get("2406.06523v1")
    assert paper is not None
    assert paper.title.startswith("NaRCan")
    assert await sample.get("2406.06523") == paper
    assert await sample.get("1111.2011") is None


async def test_search_needs_every_word_and_ranks_title_hits_first(sample: SampleSource) -> None:
    papers = await sample.search("Video Diffusion")
    assert len(papers) >= 3
    for paper in papers:
        text = f"{paper.title} {paper.abstract}".lower()
        assert "video" in text
        assert "diffusion" in text
    in_title = ["video" in p.title.lower() and "diffusion" in p.title.lower() for p in papers]
    assert in_title == sorted(in_title, reverse=True), "title matches come first"


async def test_search_matches_word_prefixes_authors_and_keywords(sample: SampleSource) -> None:
    by_author = await sample.search("Chengsong Huang")
    assert [p.arxiv_id for p in by_author] == ["2608.19880"]
    stems = await sample.search("agent")
    assert any("agents" in p.abstract.lower() for p in stems)
    assert all("agent" in f"{p.title} {p.abstract} {p.ai_keywords}".lower() for p in stems)


async def test_search_respects_the_limit_and_ignores_empty_queries(sample: SampleSource) -> None:
    assert len(await sample.search("the", limit=3)) == 3
    assert await sample.search("   ") == []
    assert await sample.search("the", limit=0) == []
    assert await sample.search("zzzunheardofword") == []


def test_pyproject_ships_every_snapshot_file() -> None:
    pyproject = tomllib.loads((ROOT / "pyproject.toml").read_text(encoding="utf-8"))
    patterns = pyproject["tool"]["setuptools"]["package-data"]["bot"]
    files = sorted(p.name for p in (ROOT / "bot" / "sample").glob("*.json"))
    assert len(files) == 2
    for name in files:
        assert any(fnmatch.fnmatch(f"sample/{name}", pattern) for pattern in patterns), name


async def test_the_snapshot_reads_from_a_zipped_install(tmp_path: Path) -> None:
    """importlib.resources hands out zip paths for a zipped wheel; the loader copes."""
    archive = tmp_path / "paperbot.zip"
    with zipfile.ZipFile(archive, "w") as zipped:
        for entry in snapshot_dir().iterdir():
            inner = entry.iterdir() if entry.is_dir() else ()
            for child in inner:  # settled/: the later snapshot
                zipped.writestr(f"bot/sample/{entry.name}/{child.name}", child.read_bytes())
            if entry.is_file():
                zipped.writestr(f"bot/sample/{entry.name}", entry.read_bytes())
    with zipfile.ZipFile(archive) as zipped:
        source = SampleSource(zipfile.Path(zipped, "bot/sample/"))
        assert source.days == [NEWEST, OLDEST]
        assert len(await source.daily(OLDEST)) == 21
        settled = source.settled()
        assert settled is not None
        assert settled.days == [NEWEST]
