"""Hugging Face Daily Papers parsing, over the real payloads in tests/fixtures/hf/."""

from __future__ import annotations

import copy
import gzip
import json
from collections.abc import Callable
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from bot.records.errors import MalformedResponse
from bot.sources.hf_parse import parse_daily_papers
from tests.hostile_text import HOSTILE, unsafe_chars

HF = Path(__file__).resolve().parents[1] / "fixtures" / "hf"
NEWEST = date(2026, 8, 21)
OLDEST = date(2024, 6, 13)

Item = dict[str, Any]


def load_day(day: date) -> list[Item]:
    items: list[Item] = json.loads((HF / f"daily_papers_{day}.json").read_text(encoding="utf-8"))
    return items


def one_item() -> Item:
    return copy.deepcopy(load_day(NEWEST)[0])


@pytest.mark.parametrize(
    ("day", "count"), [(date(2026, 8, 21), 17), (date(2026, 5, 12), 50), (date(2024, 6, 13), 21)]
)
def test_every_fixture_day_parses_whole(day: date, count: int) -> None:
    papers, skipped = parse_daily_papers(load_day(day), day)
    assert (len(papers), skipped) == (count, 0)
    assert len({p.arxiv_id for p in papers}) == count
    assert {p.listed_on for p in papers} == {day}
    assert all(p.published_at.tzinfo is UTC for p in papers)
    assert all(p.title for p in papers)
    assert all(p.abstract for p in papers)
    assert all(p.authors for p in papers)


def test_archive_slice_parses_every_item_of_every_day() -> None:
    archive = json.loads(gzip.decompress((HF / "daily_papers_archive_slice.json.gz").read_bytes()))
    days: dict[str, list[Item]] = archive["days"]
    total = 0
    for text, items in days.items():
        papers, skipped = parse_daily_papers(items, date.fromisoformat(text))
        assert (len(papers), skipped) == (len(items), 0), text
        total += len(papers)
    assert (len(days), total) == (19, 155)


def test_newest_schema_keeps_what_users_want_to_see() -> None:
    papers, _ = parse_daily_papers(load_day(NEWEST), NEWEST)
    paper = papers[0]
    assert paper.arxiv_id == "2608.19880"
    assert paper.title == "EnvHarness: Awakening Static Worlds for Agent Learning"
    assert paper.abstract.startswith("LLM agents learn by interacting with environments")
    assert paper.authors[:2] == ("Chengsong Huang", "Zifeng Wang")
    assert len(paper.authors) == 17
    assert paper.published_at == datetime(2026, 8, 20, tzinfo=UTC)
    assert (paper.upvotes, paper.comments, paper.github_stars) == (163, 1, 8)
    assert paper.github_repo == "https://github.com/google-research/envharness"
    assert paper.project_page == "https://envharness.com/"
    assert paper.thumbnail == (
        "https://cdn-thumbnails.huggingface.co/social-thumbnails/papers/2608.19880.png"
    )
    assert paper.ai_summary is not None
    assert paper.ai_summary.startswith("EnvHarness and EnvRigger dynamically reshape")
    assert paper.ai_keywords[:2] == ("LLM agents", "Environment Harness")
    assert paper.organization == "Google"
    assert paper.source == "huggingface"


def test_oldest_schema_leaves_the_missing_fields_empty_and_unwraps_text() -> None:
    papers, _ = parse_daily_papers(load_day(OLDEST), OLDEST)
    paper = papers[0]
    assert paper.arxiv_id == "2406.06523"
    assert paper.title == (
        "NaRCan: Natural Refined Canonical Image with Integration of Diffusion Prior "
        "for Video Editing"
    )
    assert "\n" not in paper.abstract
    assert "hybrid deformation field" in paper.abstract
    assert (paper.upvotes, paper.comments) == (32, 1)
    assert paper.ai_summary is None
    assert paper.ai_keywords == ()
    assert (paper.github_repo, paper.github_stars, paper.organization) == (None, None, None)
    assert paper.published_at == datetime(2024, 6, 10, 17, 59, 46, tzinfo=UTC)


def _drop(*path: str) -> Callable[[Item], None]:
    def mutate(item: Item) -> None:
        target = item
        for key in path[:-1]:
            target = target[key]
        del target[path[-1]]

    return mutate


def _set(value: object, *path: str) -> Callable[[Item], None]:
    def mutate(item: Item) -> None:
        target = item
        for key in path[:-1]:
            target = target[key]
        target[path[-1]] = value

    return mutate


@pytest.mark.parametrize(
    "mutate",
    [
        pytest.param(_drop("paper", "id"), id="no-id"),
        pytest.param(_set("not-an-id", "paper", "id"), id="id-not-arxiv"),
        pytest.param(_set(12345, "paper", "id"), id="id-a-number"),
        pytest.param(_drop("paper", "title"), id="no-title"),
        pytest.param(_set("   ", "paper", "title"), id="blank-title"),
        pytest.param(_drop("paper", "summary"), id="no-summary"),
        pytest.param(_set("Alice", "paper", "authors"), id="authors-a-string"),
        pytest.param(_drop("paper", "upvotes"), id="no-upvotes"),
        pytest.param(_set("12", "paper", "upvotes"), id="upvotes-a-string"),
        pytest.param(_set(True, "paper", "upvotes"), id="upvotes-a-bool"),
        pytest.param(_set(-1, "paper", "upvotes"), id="upvotes-negative"),
        pytest.param(_set("yesterday", "paper", "publishedAt"), id="bad-date"),
        pytest.param(_set([], "paper"), id="paper-a-list"),
    ],
)
def test_an_item_missing_a_required_field_is_skipped_and_counted(
    mutate: Callable[[Item], None],
) -> None:
    items = load_day(NEWEST)
    broken_id = items[3]["paper"]["id"]
    mutate(items[3])
    papers, skipped = parse_daily_papers(items, NEWEST)
    assert (len(papers), skipped) == (16, 1)
    assert broken_id not in {p.arxiv_id for p in papers}


def test_items_that_are_not_objects_are_skipped() -> None:
    papers, skipped = parse_daily_papers([None, "x", 3, one_item()], NEWEST)
    assert ([p.arxiv_id for p in papers], skipped) == (["2608.19880"], 3)


def test_optional_fields_may_be_missing_or_wrong_typed() -> None:
    item = one_item()
    for key in ("githubRepo", "projectPage", "ai_summary", "organization"):
        del item["paper"][key]
    item["paper"]["githubStars"] = "lots"
    item["paper"]["ai_keywords"] = "agents"
    item["numComments"] = None
    del item["thumbnail"]
    del item["organization"]
    (paper,), skipped = parse_daily_papers([item], NEWEST)
    assert skipped == 0
    assert (paper.github_repo, paper.github_stars, paper.project_page) == (None, None, None)
    assert (paper.ai_summary, paper.ai_keywords, paper.thumbnail) == (None, (), None)
    assert (paper.comments, paper.organization) == (0, None)


def test_only_http_links_are_kept() -> None:
    item = one_item()
    item["paper"]["githubRepo"] = "javascript:alert(1)"
    item["paper"]["projectPage"] = "data:text/html,hi"
    item["thumbnail"] = "https://example.org/a b.png"
    (paper,), _ = parse_daily_papers([item], NEWEST)
    assert (paper.github_repo, paper.project_page, paper.thumbnail) == (None, None, None)


def test_organization_falls_back_to_its_name_then_to_the_item_level() -> None:
    item = one_item()
    item["paper"]["organization"] = {"name": "google"}
    (paper,), _ = parse_daily_papers([item], NEWEST)
    assert paper.organization == "google"
    del item["paper"]["organization"]
    item["organization"] = {"name": "deepmind", "fullname": "Google DeepMind"}
    (paper,), _ = parse_daily_papers([item], NEWEST)
    assert paper.organization == "Google DeepMind"


def test_the_listing_time_stands_in_for_a_missing_arxiv_date() -> None:
    item = one_item()
    del item["paper"]["publishedAt"]
    (paper,), _ = parse_daily_papers([item], NEWEST)
    assert paper.published_at == datetime(2026, 8, 19, 20, tzinfo=UTC)


def test_authors_without_a_name_are_left_out() -> None:
    item = one_item()
    item["paper"]["authors"] = [{"name": "Ada"}, {"hidden": True}, "Bob", {"name": " "}]
    (paper,), _ = parse_daily_papers([item], NEWEST)
    assert paper.authors == ("Ada",)


def test_duplicates_collapse_on_the_bare_id_keeping_the_freshest_counts() -> None:
    first, other = load_day(NEWEST)[:2]
    fresher = copy.deepcopy(first)
    fresher["paper"]["id"] = first["paper"]["id"] + "v2"
    fresher["paper"]["upvotes"] = first["paper"]["upvotes"] + 10
    papers, skipped = parse_daily_papers([first, other, fresher], NEWEST)
    assert skipped == 0
    assert [p.arxiv_id for p in papers] == ["2608.19880", other["paper"]["id"]]
    assert papers[0].upvotes == first["paper"]["upvotes"] + 10


@pytest.mark.parametrize("payload", [{"error": "nope"}, None, "[]", 42])
def test_a_payload_that_is_not_a_list_is_malformed(payload: object) -> None:
    with pytest.raises(MalformedResponse, match="expected a JSON list"):
        parse_daily_papers(payload, NEWEST)


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_paper_text_is_cleaned_at_the_parse_boundary(name: str) -> None:
    hostile = HOSTILE[name]
    item = one_item()
    item["paper"]["title"] = f"Title {hostile}"
    item["paper"]["summary"] = f"Abstract {hostile}"
    item["paper"]["authors"] = [{"name": f"Author {hostile}"}, {"name": "Ada"}]
    item["paper"]["ai_summary"] = f"Summary {hostile}"
    item["paper"]["ai_keywords"] = [f"kw {hostile}"]
    item["paper"]["organization"] = {"fullname": f"Org {hostile}"}
    [paper], _ = parse_daily_papers([item], NEWEST)
    texts = [paper.title, paper.abstract, *paper.authors, paper.ai_summary or ""]
    texts += [*paper.ai_keywords, paper.organization or ""]
    for text in texts:
        assert unsafe_chars(text) == [], text
        assert not {"\n", "\r"} & set(text), text


def test_a_crlf_title_is_one_line() -> None:
    item = one_item()
    item["paper"]["title"] = "Title\r\nwith CRLF\rand CR\nand LF"
    [paper], _ = parse_daily_papers([item], NEWEST)
    assert paper.title == "Title with CRLF and CR and LF"


def test_a_title_of_only_control_characters_is_missing() -> None:
    item = one_item()
    item["paper"]["title"] = "\x1b\x00\u202e"
    assert parse_daily_papers([item], NEWEST) == ([], 1)


@pytest.mark.parametrize(
    "url", ["https://github.com/x\x1b]8;;y", "https://evil.example/\u202egpj", "https://a\x00b"]
)
def test_a_link_with_a_control_or_bidi_character_is_dropped(url: str) -> None:
    item = one_item()
    item["paper"]["githubRepo"] = url
    item["paper"]["projectPage"] = url
    item["thumbnail"] = url
    [paper], _ = parse_daily_papers([item], NEWEST)
    assert (paper.github_repo, paper.project_page, paper.thumbnail) == (None, None, None)
