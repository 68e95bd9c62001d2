"""The DM digest composed (bot/people/compose.py): the matches first, a paper a channel
already posted linked there instead of shown in full, then "For you"."""

from __future__ import annotations

from datetime import UTC, date, datetime

from bot.people.compose import compose_dm
from bot.records.digest import Digest, DigestEntry, PostedIn
from bot.records.foryou import ForYouList, Pick
from bot.records.models import ChannelRef, Paper
from bot.records.people import ChannelPost

DAY = date(2024, 5, 13)
NLP = ChannelRef("slack", "C0NLP", "T1")
ML = ChannelRef("slack", "C0ML", "T1")


def paper(n: int) -> Paper:
    return Paper(
        f"2405.{n:05d}", f"Paper {n}", "Abstract.", ("A",), datetime(2024, 5, 12, tzinfo=UTC)
    )


def matches(*ns: int) -> Digest:
    entries = tuple(
        DigestEntry(rank, paper(n), f"Summary {n}.", (f"matches agents ({n})",))
        for rank, n in enumerate(ns, 1)
    )
    return Digest(DAY, entries, total_candidates=10)


def test_matches_keep_their_reasons_and_the_title_says_yours() -> None:
    dm = compose_dm(matches(1, 2), [])
    assert [e.reasons for e in dm.entries] == [("matches agents (1)",), ("matches agents (2)",)]
    assert dm.title == "Your trending papers for Monday 13 May 2024"


def test_a_paper_a_channel_posted_links_there_instead_of_in_full() -> None:
    posts = [
        ChannelPost(NLP, ("2405.00002",), ("111.1", "111.2")),
        ChannelPost(ML, ("2405.00002", "2405.00001"), ("222.1",)),  # posted later
    ]
    first, second = compose_dm(matches(1, 2), posts).entries
    assert first.posted_in == PostedIn(ML, "222.1")
    assert second.posted_in == PostedIn(NLP, "111.1"), "the first channel that posted it"
    assert second.summary == ""
    assert second.reasons == ("matches agents (2)",), "still says why it matched"


def test_for_you_follows_without_repeating_a_match() -> None:
    picks = (Pick(paper(2), "like X, which you saved", 0.9), Pick(paper(7), "like Y", 0.8))
    dm = compose_dm(matches(1, 2), [], ForYouList(picks, saves_needed=0))
    assert [e.paper.arxiv_id for e in dm.entries] == ["2405.00001", "2405.00002", "2405.00007"]
    assert dm.entries[2].reasons == ("like Y",)
    assert dm.entries[2].for_you
    assert not dm.entries[1].for_you
    assert dm.first_pick == "2405.00007"
    assert dm.personal
    assert dm.entries[2].rank == 3
    assert dm.entries[2].summary


def test_the_cold_start_says_how_many_saves_it_needs() -> None:
    dm = compose_dm(matches(), [], ForYouList((Pick(paper(3), "trending", 0.0),), 2))
    assert dm.entries[0].reasons == ("save 2 more papers to get picks; trending meanwhile",)
    one = compose_dm(matches(), [], ForYouList((Pick(paper(3), "trending", 0.0),), 1))
    assert "save 1 more paper to" in one.entries[0].reasons[0]


def test_no_ranker_and_no_match_is_empty() -> None:
    assert compose_dm(matches(), [], None).is_empty
