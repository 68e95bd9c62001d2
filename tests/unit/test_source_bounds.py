"""Values past their bounds (bot/sources/bounds.py) cost their item, never the day.

Each case once failed a whole day: a count of 10**30 passed the parser and the store's
write raised OverflowError; a date near year 1 raised OverflowError in the parser; a body
nested 200,000 deep raised RecursionError in the decoder.
"""

from __future__ import annotations

import pytest

from bot.records.errors import MalformedResponse
from bot.records.models import MAX_COUNT
from bot.sources import bounds
from bot.sources.arxiv_parse import parse_feed
from bot.sources.hf_artifacts import artifacts_of
from bot.sources.hf_parse import parse_daily_papers
from bot.sources.json_body import decode_json
from tests.unit.test_hf_parse import NEWEST, Item, _set, load_day


def parse_with(*changes: tuple[object, tuple[str, ...]]) -> tuple[list[str], int, Item]:
    """The fixture day with item 3 changed; (ids parsed, skipped, the changed item)."""
    items = load_day(NEWEST)
    for value, path in changes:
        _set(value, *path)(items[3])
    papers, skipped = parse_daily_papers(items, NEWEST)
    return [p.arxiv_id for p in papers], skipped, items[3]


@pytest.mark.parametrize("count", [10**30, 2**63, MAX_COUNT + 1])
def test_upvotes_past_what_the_stores_hold_skip_the_item(count: int) -> None:
    ids, skipped, item = parse_with((count, ("paper", "upvotes")))
    assert (len(ids), skipped) == (16, 1)
    assert item["paper"]["id"] not in ids


def test_the_largest_count_the_stores_hold_is_kept() -> None:
    items = load_day(NEWEST)
    _set(MAX_COUNT, "paper", "upvotes")(items[3])
    papers, skipped = parse_daily_papers(items, NEWEST)
    assert skipped == 0
    assert max(p.upvotes for p in papers) == MAX_COUNT


def test_an_optional_count_past_the_bound_is_dropped_and_the_paper_kept() -> None:
    items = load_day(NEWEST)
    _set(10**30, "numComments")(items[3])
    _set(10**30, "paper", "githubStars")(items[3])
    papers, skipped = parse_daily_papers(items, NEWEST)
    assert (len(papers), skipped) == (17, 0)
    paper = next(p for p in papers if p.arxiv_id == items[3]["paper"]["id"])
    assert (paper.comments, paper.github_stars) == (0, None)


@pytest.mark.parametrize(
    "when",
    [
        "0001-01-01T00:00:00+05:00",  # OverflowError on the way to UTC
        "9999-12-31T23:59:59-05:00",
        "1800-01-01T00:00:00Z",
        "2400-01-01T00:00:00Z",
        "2026-08-20T00:00:00Z" + " " * 100,
    ],
)
def test_a_date_outside_the_bounds_skips_the_item(when: str) -> None:
    ids, skipped, _ = parse_with((when, ("paper", "publishedAt")))
    assert (len(ids), skipped) == (16, 1)


@pytest.mark.parametrize(
    ("value", "path"),
    [
        ("T" * (bounds.MAX_TITLE + 1), ("paper", "title")),
        ("word " * bounds.MAX_ABSTRACT, ("paper", "summary")),
        ([{"name": "A"}] * (bounds.MAX_AUTHORS + 1), ("paper", "authors")),
    ],
    ids=["title", "abstract", "authors"],
)
def test_a_required_field_past_its_bound_skips_the_item(
    value: object, path: tuple[str, ...]
) -> None:
    ids, skipped, _ = parse_with((value, path))
    assert (len(ids), skipped) == (16, 1)


def test_optional_text_past_its_bound_is_dropped() -> None:
    items = load_day(NEWEST)
    paper = items[3]["paper"]
    paper["ai_summary"] = "s" * (bounds.MAX_SUMMARY + 1)
    paper["ai_keywords"] = ["k" * (bounds.MAX_KEYWORD + 1), "fine"]
    paper["authors"] = [{"name": "N" * (bounds.MAX_NAME + 1)}, {"name": "Ada"}]
    paper["githubRepo"] = "https://github.com/" + "a" * bounds.MAX_URL
    paper["organization"] = {"fullname": "O" * (bounds.MAX_NAME + 1), "name": "org"}
    papers, skipped = parse_daily_papers(items, NEWEST)
    assert skipped == 0
    parsed = next(p for p in papers if p.arxiv_id == paper["id"])
    assert (parsed.ai_summary, parsed.ai_keywords, parsed.authors) == (None, ("fine",), ("Ada",))
    assert (parsed.github_repo, parsed.organization) == (None, "org")


def test_json_nested_past_the_recursion_limit_is_a_malformed_answer() -> None:
    with pytest.raises(MalformedResponse, match=r"^where: response is JSON nested too deep"):
        decode_json(b"[" * 200_000 + b"]" * 200_000, "where")


def test_an_arxiv_entry_past_its_bounds_is_skipped_and_the_rest_kept() -> None:
    def entry(arxiv_id: str, title: str, published: str) -> str:
        return (
            f"<entry><id>http://arxiv.org/abs/{arxiv_id}v1</id><title>{title}</title>"
            f"<published>{published}</published><summary>S</summary></entry>"
        )

    body = (
        '<feed xmlns="http://www.w3.org/2005/Atom">'
        + entry("2608.00001", "Fine", "2026-08-20T00:00:00Z")
        + entry("2608.00002", "T" * (bounds.MAX_TITLE + 1), "2026-08-20T00:00:00Z")
        + entry("2608.00003", "Old", "0001-01-01T00:00:00+05:00")
        + "</feed>"
    )
    assert [p.arxiv_id for p in parse_feed(body.encode())] == ["2608.00001"]


def test_artifacts_keep_at_most_a_page_of_each_kind() -> None:
    many = tuple(f"org/m{i}" for i in range(500))
    found = artifacts_of("2608.00001", {"models": many}, page=50)
    assert (len(found.models), found.more) == (50, True)
