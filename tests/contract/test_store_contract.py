"""The Store contract: papers, search, subscriptions, posts and fetches.

Every Store implementation must pass it; it runs over every backend of the `store` and
`store_factory` fixtures in tests/contract/conftest.py (SQLite files in tmp_path, PostgreSQL
when configured). Delivery records have their own half: test_delivery_contract.py; papers
listed on several days, test_listings_contract.py.
"""

from __future__ import annotations

import asyncio
from dataclasses import replace
from datetime import UTC, date, datetime, time, timedelta, timezone
from typing import Protocol

import pytest

from bot.ports import Store
from bot.records.models import (
    ChannelRef,
    ChannelSettings,
    FetchAttempt,
    FetchRecord,
    Paper,
    PostReceipt,
    Subscription,
    Topic,
    TopicKind,
    WeekdayPolicy,
)
from bot.storage.migrations import MIGRATIONS
from tests.contract.conftest import StoreFactory

NOW = datetime(2024, 5, 10, 7, 0, tzinfo=UTC)
DAY = date(2024, 5, 9)
SLACK = ChannelRef("slack", "C1", "T1")
DISCORD = ChannelRef("discord", "D1", "G1")


class Versioned(Protocol):
    async def schema_version(self) -> int: ...


def paper(
    arxiv_id: str, title: str = "A title", abstract: str = "An abstract.", **extra: object
) -> Paper:
    fields: dict[str, object] = {
        "authors": ("Ada Lovelace",),
        "published_at": NOW - timedelta(days=1),
        "listed_on": DAY,
        **extra,
    }
    return Paper(arxiv_id, title, abstract, **fields)  # type: ignore[arg-type]


FULL = paper(
    "2405.00001",
    title="Full paper with every field",
    abstract="It has everything, “quoted” and ünïcödé.",
    authors=("Ada Lovelace", "Alan Turing"),
    upvotes=42,
    comments=7,
    github_repo="https://github.com/a/b",
    github_stars=1234,
    project_page="https://a.example/b",
    thumbnail="https://cdn.example/t.png",
    ai_summary="A one-line summary.",
    ai_keywords=("retrieval", "agents"),
    organization="Google",
)

# -- papers ------------------------------------------------------------------------------


async def test_a_paper_round_trips_with_every_field(store: Store) -> None:
    assert await store.upsert_papers([FULL, paper("2405.00002")]) == 2
    assert await store.get_paper(FULL.arxiv_id) == FULL
    assert await store.get_paper("2405.99999") is None


async def test_upserting_nothing_writes_nothing(store: Store) -> None:
    assert await store.upsert_papers([]) == 0


async def test_the_newest_counts_win(store: Store) -> None:
    await store.upsert_papers([FULL])
    later = replace(FULL, upvotes=50, comments=9, github_stars=1300, title="Full paper, v2")
    await store.upsert_papers([later])
    assert await store.get_paper(FULL.arxiv_id) == later


async def test_a_lookup_outside_the_daily_list_keeps_what_the_list_said(store: Store) -> None:
    await store.upsert_papers([FULL])
    from_arxiv = paper(
        FULL.arxiv_id,
        title=FULL.title,
        abstract="Revised abstract.",
        authors=FULL.authors,
        listed_on=None,
        source="arxiv",
    )
    await store.upsert_papers([from_arxiv])
    stored = await store.get_paper(FULL.arxiv_id)
    assert stored == replace(FULL, abstract="Revised abstract.")


async def test_papers_listed_on_a_day(store: Store) -> None:
    other_day = DAY - timedelta(days=1)
    await store.upsert_papers(
        [
            paper("2405.00010"),
            paper("2405.00011"),
            paper("2405.00012", listed_on=other_day),
            paper("2405.00013", listed_on=None),
        ]
    )
    listed = await store.papers_listed_on(DAY)
    assert sorted(p.arxiv_id for p in listed) == ["2405.00010", "2405.00011"]
    assert await store.papers_listed_on(date(2020, 1, 1)) == []


async def test_timestamps_come_back_as_the_same_instant(store: Store) -> None:
    eastern = datetime(2024, 5, 8, 20, 30, tzinfo=timezone(timedelta(hours=-4)))
    await store.upsert_papers([paper("2405.00020", published_at=eastern)])
    stored = await store.get_paper("2405.00020")
    assert stored is not None
    assert stored.published_at == eastern
    assert stored.published_at.utcoffset() == timedelta(0)


# -- search ------------------------------------------------------------------------------

CORPUS = [
    paper("2405.01001", "Scaling laws for sparse mixture of experts", "We study routing."),
    paper("2405.01002", "Speculative decoding with draft models", "Faster inference."),
    paper("2405.01003", "A survey of retrieval", "Mixture of experts appear in passing."),
    paper("2405.01004", "Gaussian splatting for dynamic scenes", "Real time rendering."),
    paper("2405.01005", "Agents that use tools", "Benchmarks.", authors=("Grace Hopper",)),
    paper("2405.01006", "Quantization of language models", "Zürich lab results."),
    paper("2405.01007", "Visual instruction tuning", "Multimodal chat.", ai_keywords=("llava",)),
]


@pytest.fixture
async def corpus_store(store: Store) -> Store:
    await store.upsert_papers(CORPUS)
    return store


async def ids(store: Store, query: str, limit: int = 10) -> list[str]:
    return [p.arxiv_id for p in (await store.search(query, limit)).papers]


async def test_a_title_match_ranks_above_an_abstract_match(corpus_store: Store) -> None:
    assert (await ids(corpus_store, "mixture of experts"))[:2] == ["2405.01001", "2405.01003"]


@pytest.mark.parametrize(
    ("query", "expected"),
    [
        ("speculative decoding", "2405.01002"),
        ("Grace Hopper", "2405.01005"),  # authors are searched
        ("llava", "2405.01007"),  # keywords are searched
        ("Zürich", "2405.01006"),
        ("GAUSSIAN", "2405.01004"),
    ],
)
async def test_search_covers_title_abstract_authors_and_keywords(
    corpus_store: Store, query: str, expected: str
) -> None:
    assert (await ids(corpus_store, query))[:1] == [expected]


async def test_search_returns_whole_papers_and_honours_the_limit(corpus_store: Store) -> None:
    await corpus_store.upsert_papers([FULL])
    assert (await corpus_store.search("everything quoted", 5)).papers == (FULL,)
    assert len((await corpus_store.search("of", 1)).papers) == 1


async def test_a_title_with_a_word_missing_and_a_typo_is_found(corpus_store: Store) -> None:
    assert (await ids(corpus_store, "scalling laws for mixture of experts"))[:1] == ["2405.01001"]
    assert (await ids(corpus_store, "speculatve decoding draft"))[:1] == ["2405.01002"]


async def test_no_match_is_an_empty_list(corpus_store: Store) -> None:
    assert not await corpus_store.search("xylophone zeppelin")


WEIRD_QUERIES = [
    "",
    "   ",
    '"',
    '""',
    '"unbalanced quote',
    "AND",
    "OR NOT AND",
    "*",
    "-",
    "--",
    "-experts",
    "experts*",
    "^experts",
    "title: experts",
    "NEAR(mixture experts)",
    "(mixture",
    "mixture)",
    "a & b | c",
    "'; DROP TABLE papers; --",
    "\x00",
    "日本語の論文",
    "😀 emoji",
    "x" * 500,
    "word " * 200,
    "m" * 10_000,
]


@pytest.mark.parametrize("query", WEIRD_QUERIES, ids=range(len(WEIRD_QUERIES)))
async def test_weird_queries_never_raise(corpus_store: Store, query: str) -> None:
    found = (await corpus_store.search(query)).papers
    assert all(isinstance(p, Paper) for p in found)
    assert await corpus_store.get_paper("2405.01001") is not None  # nothing was dropped


async def test_operator_words_are_searched_as_words(corpus_store: Store) -> None:
    await corpus_store.upsert_papers([paper("2405.01010", "NOT AND OR NEAR")])
    assert (await ids(corpus_store, "NOT AND OR NEAR"))[:1] == ["2405.01010"]


async def test_search_sees_updated_text(corpus_store: Store) -> None:
    renamed = replace(CORPUS[3], title="Neural radiance fields")
    await corpus_store.upsert_papers([renamed])
    assert await ids(corpus_store, "radiance") == [renamed.arxiv_id]
    assert renamed.arxiv_id not in await ids(corpus_store, "splatting")


# -- search semantics (issue 12): the same answers from every store -------------------------

SEMANTICS = [
    paper("2405.02001", "World Models for Video Prediction", "Frames ahead."),
    paper("2405.02002", "Scaling World Models", "Agents plan in imagination."),
    paper("2405.02003", "Models of the World and Their Limits", "A position paper."),
    paper("2405.02004", "EnvHarness: Awakening Static Worlds for Agent Learning", "Environments."),
    paper("2405.02005", "Agents for Tool Use", "A new benchmark for agents."),
    paper("2405.02006", "Planning Agents", "Long horizons."),
    paper("2405.02007", "Text-to-Speech with Flow Matching", "Speech synthesis."),
    paper("2405.02008", "Speech Recognition from Text Supervision", "A text to speech aligner."),
    paper(
        "2405.02009",
        "Teaching Language Models to Reason with Reinforcement Learning",
        "LLMs improve their reasoning with RL.",
    ),
    paper("2405.02010", "Diffusion Models Beat GANs", "Image synthesis with diffusion."),
    paper("2405.02011", "CONFLUX: A Latent Diusion Model", "A typo in its own title."),
    paper("2405.02012", "Latent Diffusion Model for Audio", "Diffusion for sound."),
    paper("2405.02013", "Video Diffusion Model Survey", "Diffusion for video."),
    paper("2405.02014", "Agents for Tool Use in the Wild", "Tools."),
]


@pytest.fixture
async def semantics_store(store: Store) -> Store:
    await store.upsert_papers(SEMANTICS)
    return store


@pytest.mark.parametrize(
    ("query", "excluded"),
    [
        ('"world models" -video', "2405.02001"),
        ("world models -video", "2405.02001"),
        ("agents -benchmark", "2405.02005"),
        ("agnets for tool use -benchmark", "2405.02005"),  # the typo stage excludes too
        ("scaling world models -video", "2405.02001"),  # and the all-words-but-one stage
        ('diffusion -"video diffusion"', "2405.02013"),
    ],
)
async def test_exclusions_hold_in_every_stage(
    semantics_store: Store, query: str, excluded: str
) -> None:
    found = await ids(semantics_store, query)
    assert found, query
    assert excluded not in found


async def test_a_quoted_phrase_matches_only_as_a_phrase(semantics_store: Store) -> None:
    found = await ids(semantics_store, '"world models"')
    assert set(found) == {"2405.02001", "2405.02002"}  # not "Models of the World"


async def test_a_word_matches_its_other_forms(semantics_store: Store) -> None:
    assert "2405.02004" in await ids(semantics_store, "static world")
    assert (await ids(semantics_store, "awakening static world"))[:1] == ["2405.02004"]


async def test_a_question_finds_the_papers_about_its_content_words(
    semantics_store: Store,
) -> None:
    question = "how do I make LLMs reason better with reinforcement learning?"
    assert (await ids(semantics_store, question))[:1] == ["2405.02009"]


async def test_adjacent_words_in_a_title_rank_above_scattered_ones(
    semantics_store: Store,
) -> None:
    found = await ids(semantics_store, "text to speech")
    assert found.index("2405.02007") < found.index("2405.02008")


async def test_a_title_holding_every_word_ranks_above_abstract_matches(
    semantics_store: Store,
) -> None:
    assert (await ids(semantics_store, "diffusion beat"))[:1] == ["2405.02010"]


async def test_exact_matches_are_not_labelled_close(semantics_store: Store) -> None:
    found = await semantics_store.search("world models")
    assert {p.arxiv_id for p in found.exact} >= {"2405.02001", "2405.02002"}
    assert not found.close


async def test_relaxed_matches_are_labelled_close(semantics_store: Store) -> None:
    corrected = await semantics_store.search("speech flow matchng")  # typo
    assert [p.arxiv_id for p in corrected.close][:1] == ["2405.02007"]
    assert not corrected.exact
    one_wrong = await semantics_store.search("planning agents everywhere")
    assert [p.arxiv_id for p in one_wrong.close][:1] == ["2405.02006"]
    assert not one_wrong.exact


async def test_a_title_quoted_with_two_words_wrong_is_a_close_match_by_most_words(
    store: Store,
) -> None:
    """Two words past correction ("Kwno", "Wtah": two edits in four letters) fail "all
    words" and "all but one"; the title holding most of the words is still offered, labelled
    close, and a paper that shares only common words is not."""
    target = paper("2405.05001", "NanoKnow: How to Know What Your Language Model Knows", "A.")
    common = paper("2405.05002", "Language Model Scaling", "Model language knows a lot.")
    excluded = paper("2405.05003", "NanoKnow Sequel: Know What Your Language Model Knows", "B.")
    await store.upsert_papers([target, common, excluded])
    found = await store.search("NanoKnow: How to Kwno Wtah Your Language Model Knows -sequel")
    assert [p.arxiv_id for p in found.close] == ["2405.05001"]
    assert not found.exact


async def test_no_paper_holds_only_what_was_excluded(semantics_store: Store) -> None:
    assert not await semantics_store.search("-video")


# -- subscriptions -----------------------------------------------------------------------

EVERY_TOPIC = (
    Topic(TopicKind.TERM, "agents"),
    Topic(TopicKind.PHRASE, "mixture of experts"),
    Topic(TopicKind.EXCLUDE, "survey"),
    Topic(TopicKind.AUTHOR, "Grace Hopper"),
    Topic(TopicKind.ORG, "google"),
    Topic(TopicKind.KEYWORD, "retrieval augmented generation"),
)
CUSTOM = ChannelSettings(
    post_time=time(7, 45),
    timezone="Asia/Kolkata",
    min_upvotes=5,
    max_papers=3,
    weekday_policy=WeekdayPolicy.DAILY,
)


async def test_a_subscription_round_trips_with_every_topic_kind_and_setting(store: Store) -> None:
    subscription = Subscription(
        SLACK, EVERY_TOPIC, CUSTOM, paused_reason="missing_access", created_by="U1"
    )
    await store.save_subscription(subscription)
    assert await store.get_subscription(SLACK) == subscription
    assert await store.get_subscription(DISCORD) is None


async def test_saving_again_replaces_topics_and_settings(store: Store) -> None:
    await store.save_subscription(Subscription(SLACK, EVERY_TOPIC, CUSTOM, paused_reason="x"))
    plain = Subscription(SLACK)
    await store.save_subscription(plain)
    assert await store.get_subscription(SLACK) == plain


async def test_topic_order_is_kept(store: Store) -> None:
    reordered = Subscription(DISCORD, tuple(reversed(EVERY_TOPIC)))
    await store.save_subscription(reordered)
    assert await store.get_subscription(DISCORD) == reordered


async def test_list_and_delete_subscriptions(store: Store) -> None:
    no_workspace = ChannelRef("console", "stdout")
    subscriptions = [
        Subscription(SLACK, EVERY_TOPIC[:2]),
        Subscription(DISCORD, settings=CUSTOM),
        Subscription(no_workspace),
    ]
    for subscription in subscriptions:
        await store.save_subscription(subscription)
    listed = await store.list_subscriptions()
    assert sorted(listed, key=lambda s: s.channel) == sorted(subscriptions, key=lambda s: s.channel)
    await store.delete_subscription(SLACK)
    await store.delete_subscription(SLACK)  # deleting twice is not an error
    assert await store.get_subscription(SLACK) is None
    assert {s.channel for s in await store.list_subscriptions()} == {DISCORD, no_workspace}
    await store.save_subscription(Subscription(SLACK))
    assert await store.get_subscription(SLACK) == Subscription(SLACK)  # no topics left over


async def test_count_subscriptions_counts_the_paused_too(store: Store) -> None:
    assert await store.count_subscriptions() == (0, 0)
    await store.save_subscription(Subscription(SLACK, EVERY_TOPIC[:2]))
    await store.save_subscription(Subscription(DISCORD, paused_reason="missing_access"))
    assert await store.count_subscriptions() == (2, 1)


# -- posts and fetches -------------------------------------------------------------------


def receipt(channel: ChannelRef, *message_ids: str) -> PostReceipt:
    return PostReceipt(channel, message_ids, NOW)


async def test_posted_paper_ids_collect_every_post_in_a_channel(store: Store) -> None:
    assert await store.posted_paper_ids(SLACK) == set()
    await store.record_post(receipt(SLACK, "1.1", "1.2"), DAY, ["2405.1", "2405.2"])
    await store.record_post(receipt(SLACK, "2.1"), DAY + timedelta(days=1), ["2405.2", "2405.3"])
    await store.record_post(receipt(DISCORD, "9"), DAY, ["2405.9"])
    assert await store.posted_paper_ids(SLACK) == {"2405.1", "2405.2", "2405.3"}
    assert await store.posted_paper_ids(DISCORD) == {"2405.9"}


async def test_recording_the_same_post_twice_is_harmless(store: Store) -> None:
    await store.record_post(receipt(SLACK, "1.1"), DAY, ["2405.1"])
    await store.record_post(receipt(SLACK, "1.1"), DAY, ["2405.1"])
    await store.record_post(receipt(SLACK, "1.1"), DAY, [])
    assert await store.posted_paper_ids(SLACK) == {"2405.1"}


async def test_last_fetch_is_the_latest_by_time(store: Store) -> None:
    assert await store.last_fetch() is None
    await store.record_fetch(DAY, 17, NOW)
    await store.record_fetch(DAY - timedelta(days=1), 30, NOW - timedelta(hours=5))
    assert await store.last_fetch() == FetchRecord(DAY, 17, NOW)
    later = NOW + timedelta(minutes=30)
    await store.record_fetch(DAY, 21, later)
    assert await store.last_fetch() == FetchRecord(DAY, 21, later)


async def test_latest_fetches_give_each_days_last_fetch_within_the_range(store: Store) -> None:
    before, after = DAY - timedelta(days=1), DAY + timedelta(days=1)
    assert await store.latest_fetches(before, after) == {}
    await store.record_fetch(DAY, 17, NOW + timedelta(hours=2))
    await store.record_fetch(DAY, 20, NOW)  # recorded later, fetched earlier
    await store.record_fetch(before, 0, NOW - timedelta(days=1))
    await store.record_fetch(after + timedelta(days=1), 3, NOW)  # outside the range
    assert await store.latest_fetches(before, after) == {
        before: NOW - timedelta(days=1),
        DAY: NOW + timedelta(hours=2),
    }
    assert await store.latest_fetches(DAY, DAY) == {DAY: NOW + timedelta(hours=2)}


async def test_the_last_fetch_attempt_is_each_sources_latest_failed_or_not(
    store_factory: StoreFactory,
) -> None:
    store, other_worker = await store_factory(), await store_factory()
    assert await store.last_fetch_attempt() is None
    refused = FetchAttempt("huggingface", DAY, NOW, "huggingface (127.0.0.1:9): refused")
    await store.record_fetch_attempt(refused)
    assert await other_worker.last_fetch_attempt() == refused  # workers share it
    older = FetchAttempt("arxiv", DAY, NOW - timedelta(minutes=1), "arxiv: HTTP 503")
    await other_worker.record_fetch_attempt(older)
    assert await store.last_fetch_attempt() == refused  # the latest of any source
    worked = FetchAttempt("huggingface", DAY + timedelta(days=1), NOW + timedelta(minutes=5))
    await other_worker.record_fetch_attempt(worked)  # replaces that source's row
    assert await store.last_fetch_attempt() == worked
    long_error = "x" * 5000 + " é 🙂"
    late = FetchAttempt("arxiv", DAY, NOW + timedelta(hours=1), long_error)
    await store.record_fetch_attempt(late)
    assert await other_worker.last_fetch_attempt() == late


# -- opening -----------------------------------------------------------------------------


async def test_reopening_keeps_data_and_reruns_no_migration(store_factory: StoreFactory) -> None:
    first = await store_factory()
    await first.upsert_papers([FULL])
    await first.save_subscription(Subscription(SLACK, EVERY_TOPIC, CUSTOM))
    await first.close()
    again = await store_factory()
    assert await again.get_paper(FULL.arxiv_id) == FULL
    assert await again.get_subscription(SLACK) == Subscription(SLACK, EVERY_TOPIC, CUSTOM)
    assert await _version(again) == MIGRATIONS[-1].id


async def test_stores_opened_at_once_on_a_new_database_agree(store_factory: StoreFactory) -> None:
    stores = await asyncio.gather(*(store_factory() for _ in range(4)))
    assert {await _version(s) for s in stores} == {MIGRATIONS[-1].id}
    await stores[0].upsert_papers([FULL])
    await asyncio.gather(
        *(s.record_fetch(DAY, i, NOW + timedelta(seconds=i)) for i, s in enumerate(stores))
    )
    assert await stores[3].get_paper(FULL.arxiv_id) == FULL
    assert await stores[1].last_fetch() == FetchRecord(DAY, 3, NOW + timedelta(seconds=3))


async def test_concurrent_writes_through_one_store_all_land(store: Store) -> None:
    papers = [paper(f"2405.{i:05d}", f"Paper number {i}") for i in range(40)]
    await asyncio.gather(
        *(store.upsert_papers([p]) for p in papers),
        *(
            store.save_subscription(Subscription(ChannelRef("slack", f"C{i}", "T")))
            for i in range(10)
        ),
    )
    assert len(await store.papers_listed_on(DAY)) == 40
    assert len(await store.list_subscriptions()) == 10


async def _version(store: Store) -> int:
    versioned: Versioned = store  # type: ignore[assignment]
    return await versioned.schema_version()


async def test_a_title_fragment_of_common_words_finds_its_paper_first(store: Store) -> None:
    """Forty abstracts repeating the words outrank the title for bm25; the title holding
    them as typed, side by side, still comes first (issue 12: last words, middle parts)."""
    repeats = "Large language models. " * 5
    crowd = [
        paper(f"2405.03{i:03d}", f"Large Models of Language, Abilities {i}", repeats)
        for i in range(40)
    ]
    target = paper("2405.03999", "Emergent Abilities of Large Language Models", "Scale.")
    await store.upsert_papers([target, *crowd])
    assert (await ids(store, "Abilities of Large Language Models"))[:1] == ["2405.03999"]
    assert (await ids(store, "papers about emergent abilities"))[:1] == ["2405.03999"]


async def test_a_title_that_asks_a_question_is_found_by_its_words(store: Store) -> None:
    """ "How Good Are MLLMs" reads as a question about MLLMs, yet it is a title's own words:
    the title holding them side by side comes first, before thirty papers on MLLMs."""
    crowd = [
        paper(f"2405.04{i:03d}", f"MLLMs for Task {i}", "How good are MLLMs? Good.")
        for i in range(30)
    ]
    target = paper("2405.04999", "LEGO-Puzzles: How Good Are MLLMs at Spatial Reasoning?", "X.")
    await store.upsert_papers([target, *crowd])
    assert (await ids(store, "How Good Are MLLMs"))[:1] == ["2405.04999"]


async def test_a_whole_title_typed_word_for_word_names_its_paper_alone(store: Store) -> None:
    """A title-length query that a title holds word for word is answered by that title:
    papers that only mention its words in their abstracts are not looked up to fill the
    places left (that look-up was half of a long query's time at 1M papers). A shorter
    query still gets them."""
    title = "Sparse Mixture Routing for Efficient Multilingual Speech Translation Models"
    target = paper("2405.04001", title, "We route tokens.")
    mentions = paper(
        "2405.04002", "A Survey of Speech Systems", title + " is one of the systems we survey."
    )
    await store.upsert_papers([target, mentions])
    assert await ids(store, title) == ["2405.04001"]
    assert await ids(store, "is there work on " + title.lower() + "?") == ["2405.04001"]
    assert await ids(store, "multilingual speech translation") == ["2405.04001", "2405.04002"]
