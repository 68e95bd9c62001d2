"""Which artifact look-ups are due and what a Hub list answer holds
(bot/lifecycle/artifacts_plan.py), and where the cached artifacts end up: a digest's entries
(PreparedPapers) and a settled post (settled_digests)."""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from bot.digest.prepared import PreparedPapers
from bot.lifecycle.artifacts_plan import before_ids, due
from bot.lifecycle.settle_plan import settled_digests
from bot.records.models import CachedArtifacts, ChannelRef, Paper, PaperArtifacts, Subscription
from bot.sources.hf_artifacts import artifacts_of, repo_ids

NOW = datetime(2024, 5, 14, 7, 0, tzinfo=UTC)
DAY = date(2024, 5, 13)


def paper(arxiv_id: str, upvotes: int) -> Paper:
    return Paper(arxiv_id, "T " + arxiv_id, "A.", ("A",), NOW, DAY, upvotes=upvotes)


def test_repo_ids_keep_the_answers_order_and_drop_what_is_no_repo_id() -> None:
    payload = [
        {"_id": "1", "id": "org/model-7b"},
        {"_id": "2", "id": "bert-base-uncased"},  # a legacy top-level model
        {"_id": "3", "id": "org/model-7b"},  # twice: once
        {"id": "a/b/c"},
        {"id": "https://evil.example/x"},
        {"id": "org/../x"},
        {"id": 42},
        "org/not-an-object",
        {"id": "<!everyone>/x"},
    ]
    assert repo_ids(payload) == ("org/model-7b", "bert-base-uncased")
    assert repo_ids([]) == ()
    assert repo_ids({"error": "Invalid filter"}) is None


def test_a_full_page_of_any_kind_means_there_may_be_more() -> None:
    found = {"models": ["a/1", "a/2"], "spaces": ["s/1"]}
    assert artifacts_of("x", found, page=2) == PaperArtifacts(
        "x", ("a/1", "a/2"), (), ("s/1",), True
    )
    assert not artifacts_of("x", found, page=3).more


def test_never_looked_up_come_first_then_the_stale_each_once() -> None:
    cached = {
        "fresh": CachedArtifacts(PaperArtifacts("fresh"), NOW - timedelta(hours=5)),
        "stale": CachedArtifacts(PaperArtifacts("stale"), NOW - timedelta(hours=6)),
    }
    ids = ["stale", "fresh", "new", "stale", "newer"]
    assert due(ids, cached, NOW, timedelta(hours=6)) == ["new", "newer", "stale"]


def test_before_a_digest_the_days_top_papers_in_trending_order() -> None:
    papers = [paper("a", 5), paper("b", 50), paper("c", 20), paper("b", 50)]
    assert before_ids(papers, 2) == ["b", "c"]
    assert before_ids(papers, 0) == []


def test_the_cached_artifacts_ride_on_the_entries_of_a_digest_and_of_a_settled_post() -> None:
    papers = [paper("2405.00001", 40), paper("2405.00002", 280)]
    linked = PaperArtifacts("2405.00002", models=("org/m",))
    subscription = Subscription(ChannelRef("slack", "C1", "T1"))
    digest = PreparedPapers(papers, {"2405.00002": linked}).build(DAY, subscription)
    assert [(e.paper.arxiv_id, e.artifacts) for e in digest.entries] == [
        ("2405.00002", linked),
        ("2405.00001", None),
    ]
    posted = [("2405.00002", 200), ("2405.00001", 40)]
    by_id = {p.arxiv_id: p for p in papers}
    then, now = settled_digests(DAY, posted, by_id, subscription, {"2405.00002": linked})
    assert [e.artifacts for e in then.entries] == [linked, None]  # both split alike
    assert [(e.artifacts, e.risen) for e in now.entries] == [(linked, 80), (None, 0)]
