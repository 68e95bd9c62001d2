"""PreparedPapers.build must give exactly build_digest's digest: checked over the real Hugging
Face archive slice with generated subscriptions (every topic kind, thresholds, caps, papers
already posted), and on the cases where the shortcuts could go wrong."""

from __future__ import annotations

import gzip
import json
import random
from dataclasses import replace
from datetime import date
from pathlib import Path

import pytest

from bot.digest.build import build_digest
from bot.digest.prepared import PreparedPapers
from bot.models import ChannelRef, ChannelSettings, Paper, Subscription, Topic, TopicKind
from bot.sources.hf_parse import parse_daily_papers
from bot.topics import words

ARCHIVE = Path(__file__).parents[1] / "fixtures" / "hf" / "daily_papers_archive_slice.json.gz"
DAY = date(2024, 6, 3)


def archive_papers() -> list[Paper]:
    days = json.loads(gzip.decompress(ARCHIVE.read_bytes()))["days"]
    papers: list[Paper] = []
    for day, payload in sorted(days.items()):
        papers += parse_daily_papers(payload, date.fromisoformat(day))[0]
    return papers


PAPERS = archive_papers()


def random_topic(rng: random.Random) -> Topic:
    paper = rng.choice(PAPERS)
    text = words(paper.title + " " + paper.abstract)
    kind = rng.choice(list(TopicKind))
    if kind is TopicKind.AUTHOR and paper.authors:
        name = rng.choice(paper.authors)
        return Topic(kind, name if rng.random() < 0.5 else name.split()[-1])
    if kind is TopicKind.ORG:
        return Topic(kind, (paper.organization or "google").lower())
    if kind is TopicKind.KEYWORD and paper.ai_keywords:
        return Topic(kind, rng.choice(paper.ai_keywords).lower())
    start = rng.randrange(len(text))
    length = 2 if kind is TopicKind.PHRASE else 1
    value = " ".join(text[start : start + length])
    return Topic(TopicKind.EXCLUDE if kind is TopicKind.EXCLUDE else TopicKind.TERM, value)


def random_subscription(rng: random.Random, n: int) -> Subscription:
    topics = tuple(dict.fromkeys(random_topic(rng) for _ in range(rng.choice((0, 1, 2, 4, 8)))))
    settings = ChannelSettings(
        min_upvotes=rng.choice((0, 0, 5, 20, 100)), max_papers=rng.choice((0, 1, 5, 10, 200))
    )
    return Subscription(ChannelRef("slack", f"C{n}", "T"), topics, settings)


@pytest.mark.parametrize("seed", range(8))
def test_the_same_digest_as_build_digest_for_generated_subscriptions(seed: int) -> None:
    rng = random.Random(seed)
    papers = PAPERS + rng.sample(PAPERS, 20)  # some listed twice, as on a catch-up
    prepared = PreparedPapers(papers)
    for n in range(60):
        subscription = random_subscription(rng, n)
        posted = {p.arxiv_id for p in rng.sample(PAPERS, rng.choice((0, 3, 30)))}
        expected = build_digest(DAY, papers, subscription, already_posted=posted)
        assert prepared.build(DAY, subscription, already_posted=posted) == expected


def test_a_paper_listed_twice_is_ranked_as_first_listed() -> None:
    first = PAPERS[0]
    again = replace(first, upvotes=first.upvotes + 1000)
    papers = [first, *PAPERS[1:10], again]
    subscription = Subscription(ChannelRef("slack", "C", "T"))
    expected = build_digest(DAY, papers, subscription)
    assert PreparedPapers(papers).build(DAY, subscription) == expected


@pytest.mark.parametrize("max_papers", [0, 3])
def test_empty_digests_keep_their_reason(max_papers: int) -> None:
    settings = ChannelSettings(min_upvotes=10**6, max_papers=max_papers)
    subscription = Subscription(ChannelRef("slack", "C", "T"), (), settings)
    digest = PreparedPapers(PAPERS).build(DAY, subscription)
    assert digest == build_digest(DAY, PAPERS, subscription)
    assert digest.empty_reason
    none = PreparedPapers([]).build(DAY, subscription)
    assert none == build_digest(DAY, [], subscription)
