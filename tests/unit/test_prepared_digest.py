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

from bot.digest import prepared as prepared_module
from bot.digest.build import build_digest, unique_papers
from bot.digest.prepared import PreparedPapers
from bot.digest.ranking import trending_key
from bot.digest.topics import parse_topics
from bot.records.models import (
    ChannelRef,
    ChannelSettings,
    Paper,
    PaperArtifacts,
    Subscription,
    Topic,
    TopicKind,
)
from bot.sources.hf_parse import parse_daily_papers
from bot.text.words import words

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


def tricky_topic(rng: random.Random) -> Topic:
    """Topics where the index's shortcuts could go wrong, typed as a user would."""
    paper = rng.choice(PAPERS)
    texts = [paper.title, paper.abstract, paper.ai_summary or paper.title, *paper.ai_keywords]
    text = words(rng.choice(texts))
    start = rng.randrange(len(text))
    run = " ".join(text[start : start + rng.choice((2, 3, 4))])
    keyword = words(rng.choice(paper.ai_keywords)) if paper.ai_keywords else ["agents"]
    name = words(rng.choice(paper.authors)) if paper.authors else ["lecun"]
    typed = rng.choice(
        [
            f'"{run}"',  # a phrase of two to four words from one field or keyword
            f'-"{run}"',  # an excluded phrase
            f'"{words(paper.title)[-1]} {words(paper.abstract)[0]}"',  # across two fields
            f"kw:{rng.choice(keyword)}",  # one word inside a keyword
            f'kw:"{" ".join(keyword[:2])}"',
            f'kw:"{" ".join(reversed(keyword[:2]))}"',  # the words, in the wrong order
            f"author:{name[0]}",  # a first name: only a last name matches one word
            f'author:"{" ".join(name)}"',
            f'author:"{" ".join(name[:2])}"',  # part of a longer name
            f'"{text[start]} {text[start]}s"',  # the same stem twice
            f"{text[start]}-zzyzx",  # a word no paper has, next to one many have
            f"org:{(paper.organization or 'google').split()[0]}",
        ]
    )
    return parse_topics(typed)[0]


@pytest.mark.parametrize("seed", range(6))
def test_the_same_digest_for_phrases_exclusions_keywords_and_authors(seed: int) -> None:
    rng = random.Random(100 + seed)
    prepared = PreparedPapers(PAPERS)
    for n in range(60):
        topics = tuple(dict.fromkeys(tricky_topic(rng) for _ in range(rng.choice((1, 2, 4)))))
        settings = ChannelSettings(min_upvotes=rng.choice((0, 5)), max_papers=200)
        subscription = Subscription(ChannelRef("slack", f"C{n}", "T"), topics, settings)
        history = [p.arxiv_id for p in rng.sample(PAPERS, 5)] + [f"2301.{n:05d}" for n in range(50)]
        posted = history if n % 2 else set(history)  # a channel's history, as a list or a set
        expected = build_digest(DAY, PAPERS, subscription, already_posted=posted)
        assert prepared.build(DAY, subscription, already_posted=posted) == expected


def test_the_shortcuts_are_exercised() -> None:
    """The generated topics do reach every kind of match, so the comparisons above mean it."""
    rng = random.Random(7)
    topics = {tricky_topic(rng) for _ in range(400)}
    every = ChannelSettings(max_papers=200)
    digests = [
        build_digest(DAY, PAPERS, Subscription(ChannelRef("slack", "C", "T"), (t,), every))
        for t in topics
    ]
    matched_kinds = {t.kind for t, d in zip(topics, digests, strict=True) if d.entries}
    assert matched_kinds >= {TopicKind.PHRASE, TopicKind.KEYWORD, TopicKind.AUTHOR, TopicKind.ORG}
    unique = len({p.arxiv_id for p in PAPERS})
    excluding = [d for t, d in zip(topics, digests, strict=True) if t.kind is TopicKind.EXCLUDE]
    assert any(0 < len(d.entries) < unique for d in excluding)  # an exclude removed some
    phrases = [t for t, d in zip(topics, digests, strict=True) if d.entries and " " in t.value]
    assert len({len(t.value.split()) for t in phrases}) >= 3  # two, three and four words
    assert any(not d.entries for d in digests)  # and topics that match nothing


@pytest.mark.parametrize("kept", [2, 128])
def test_channels_sharing_topics_share_one_listing_cut_to_their_settings(
    kept: int, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Channels with the same topics and none of the list posted get prefixes of one listing,
    asked for in any order of caps and minimum upvotes (`kept`: the listings kept, so 2 makes
    most of them be dropped and made again)."""
    monkeypatch.setattr(prepared_module, "LISTINGS_KEPT", kept)
    rng = random.Random(kept)
    shared = [()] + [
        tuple(dict.fromkeys(rng.choice((random_topic, tricky_topic))(rng) for _ in range(k)))
        for k in (1, 1, 2, 3, 4, 8)
    ]
    prepared = PreparedPapers(PAPERS)
    for n in range(300):
        settings = ChannelSettings(
            min_upvotes=rng.choice((0, 1, 5, 20, 60, 100, 10**6)),
            max_papers=rng.choice((0, 1, 2, 5, 10, 50, 200)),
        )
        subscription = Subscription(ChannelRef("slack", f"C{n}", "T"), rng.choice(shared), settings)
        history = {f"2301.{n:05d}" for n in range(40)}  # earlier days only
        expected = build_digest(DAY, PAPERS, subscription, already_posted=history)
        assert prepared.build(DAY, subscription, already_posted=history) == expected


def test_cached_artifacts_ride_on_the_entries_of_shared_and_own_listings() -> None:
    top = sorted(unique_papers(PAPERS), key=trending_key)[:3]
    linked = {
        p.arxiv_id: PaperArtifacts(p.arxiv_id, models=(f"org/m{n}",)) for n, p in enumerate(top)
    }
    prepared = PreparedPapers(PAPERS, linked)
    subscription = Subscription(
        ChannelRef("slack", "C", "T"), settings=ChannelSettings(max_papers=5)
    )
    for posted in (set(), {top[0].arxiv_id}):  # a shared listing, then the channel's own
        digest = prepared.build(DAY, subscription, already_posted=posted)
        plain = build_digest(DAY, PAPERS, subscription, already_posted=posted)
        assert [e.artifacts for e in digest.entries] == [
            linked.get(e.paper.arxiv_id) for e in plain.entries
        ]
        assert sum(e.artifacts is not None for e in digest.entries) == 3 - len(posted)
        assert [replace(e, artifacts=None) for e in digest.entries] == list(plain.entries)
