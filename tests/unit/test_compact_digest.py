"""The compact digest: counts read right, bylines, capped authors, and a usual day of the
real fixtures is one Discord message within every limit."""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from adapters.discord.render import render_details, render_digest
from bot.digest import compact
from bot.digest.build import build_digest
from bot.records.digest import Digest
from bot.records.models import ChannelRef, Paper, PaperArtifacts, Subscription, Topic, TopicKind
from bot.sources.hf_parse import parse_item
from tests.fakes.discord_checks import assert_within_limits

FIXTURES = Path(__file__).parents[1] / "fixtures" / "hf"
CHANNEL = ChannelRef("discord", "1", "2")
PAPER = Paper("2608.00001", "T", "A", ("A",), datetime(2026, 8, 20, tzinfo=UTC))


def fixture_digest(path: Path, topics: tuple[Topic, ...] = ()) -> Digest:
    day = date.fromisoformat(path.stem.removeprefix("daily_papers_"))
    papers = [parse_item(item, day) for item in json.loads(path.read_text())]
    return build_digest(day, papers, Subscription(CHANNEL, topics=topics))


@pytest.mark.parametrize(
    ("count", "text"), [(0, "0 upvotes"), (1, "1 upvote"), (1234, "1,234 upvotes")]
)
def test_counts_read_as_people_say_them(count: int, text: str) -> None:
    assert compact.upvotes(replace(PAPER, upvotes=count)) == text


@pytest.mark.parametrize(("count", "text"), [(0, None), (1, None), (2, "2 comments")])
def test_the_lone_bot_comment_is_not_worth_a_mention(count: int, text: str | None) -> None:
    assert compact.comments(replace(PAPER, comments=count)) == text


def test_byline_names_three_authors_and_the_organisation() -> None:
    four = replace(PAPER, authors=("A", "B", "C", "D"), organization="Org")
    assert compact.byline(four) == "A, B, C et al. · Org"
    assert compact.byline(replace(four, authors=("A",), organization=None)) == "A"


def test_a_long_author_list_is_capped_and_counted() -> None:
    text = compact.capped_authors([f"N{i}" for i in range(500)])
    assert text.endswith(", N29, and 470 more")


def test_artifact_counts_link_one_repo_or_the_hub_list() -> None:
    artifacts = PaperArtifacts(
        "2608.00001", models=("org/m",), datasets=("o/d1", "o/d2"), spaces=("a/s", "b/s")
    )
    assert compact.artifact_counts(artifacts) == [
        ("1 model", "https://huggingface.co/org/m"),
        ("2 datasets", "https://huggingface.co/datasets?other=arxiv:2608.00001"),
        ("2 Spaces", "https://huggingface.co/papers/2608.00001"),  # no Spaces list by tag
    ]
    models = PaperArtifacts("2608.00001", models=("o/m1", "o/m2"))
    assert compact.artifact_counts(models) == [
        ("2 models", "https://huggingface.co/models?other=arxiv:2608.00001")
    ]


@pytest.mark.parametrize("path", sorted(FIXTURES.glob("daily_papers_*.json")), ids=lambda p: p.stem)
def test_a_real_day_is_one_discord_message_within_every_limit(path: Path) -> None:
    topics = (Topic(TopicKind.TERM, "model"),)
    for digest in (fixture_digest(path), fixture_digest(path, topics)):
        artifacts = [
            PaperArtifacts(e.paper.arxiv_id, models=("o/m1", "o/m2"), spaces=("o/s",))
            for e in digest.entries
        ]
        digest = replace(
            digest,
            entries=tuple(
                replace(e, artifacts=a) for e, a in zip(digest.entries, artifacts, strict=True)
            ),
        )
        [message] = render_digest(digest, mark_key="pb0123456789abcdef01")
        assert len(message.embeds) == len(digest.entries)
        body = {"content": message.content, "embeds": [e.to_dict() for e in message.embeds]}
        assert_within_limits(body)
        assert all(e.description and "[arXiv]" in e.description for e in message.embeds)
        for detail in render_details(digest):
            assert_within_limits(
                {"content": detail.content, "embeds": [e.to_dict() for e in detail.embeds]}
            )
