"""The "For you" model (bot/recommend/model.py, terms.py): what it ranks first, what it
leaves out, what a "Not for me" does, and the one line of why."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from bot.recommend.model import DayIndex, Liked, Taste, rank_for, reason_line
from bot.recommend.terms import paper_terms, term_counts
from bot.records.models import Paper

WHEN = datetime(2026, 8, 20, tzinfo=UTC)


def paper(arxiv_id: str, title: str, abstract: str, upvotes: int = 0) -> Paper:
    return Paper(
        arxiv_id,
        title,
        abstract,
        ("A. Author",),
        WHEN,
        listed_on=date(2026, 8, 21),
        upvotes=upvotes,
    )


SPEECH = paper(
    "2608.00001",
    "Streaming speech recognition with small transducers",
    "We train a streaming speech recognition transducer for on-device audio transcription.",
)
SPEECH_2 = paper(
    "2608.00002",
    "Multilingual speech recognition for low-resource audio",
    "A speech recognition model transcribes audio in forty languages with little data.",
)
ROBOT = paper(
    "2608.00003",
    "Robot grasping from tactile feedback",
    "A robot arm learns grasping policies from tactile sensors and visual feedback.",
    upvotes=90,
)
ROBOT_2 = paper(
    "2608.00004",
    "Legged robot locomotion with learned policies",
    "Quadruped robot locomotion policies trained in simulation transfer to real terrain.",
    upvotes=80,
)
DIFFUSION = paper(
    "2608.00005",
    "Faster diffusion sampling for image generation",
    "Image generation with diffusion models needs fewer sampling steps with our solver.",
    upvotes=70,
)
SAVED_SPEECH = paper(
    "2607.00001",
    "Audio transcription with speech recognition transducers",
    "Speech recognition of streaming audio with a transducer model.",
)
SAVED_ROBOT = paper(
    "2607.00002",
    "Robot grasping with touch",
    "Tactile sensing helps a robot arm in grasping objects.",
)
DAY = DayIndex([ROBOT, DIFFUSION, SPEECH, ROBOT_2, SPEECH_2])


def ids(taste: Taste, limit: int = 10) -> list[str]:
    return [pick.paper.arxiv_id for pick in rank_for(taste, DAY, limit)]


def test_papers_like_the_saved_ones_come_first() -> None:
    taste = Taste((Liked(SAVED_SPEECH, "saved"),))
    assert ids(taste)[:2] == [SPEECH.arxiv_id, SPEECH_2.arxiv_id]  # over the upvoted robots


def test_each_pick_says_which_liked_paper_it_is_like() -> None:
    taste = Taste((Liked(SAVED_SPEECH, "saved"), Liked(SAVED_ROBOT, "voted for")))
    picks = {pick.paper.arxiv_id: pick.reason for pick in rank_for(taste, DAY, 5)}
    assert picks[SPEECH.arxiv_id] == (
        "like “Audio transcription with speech recognition transducers”, which you saved"
    )
    assert picks[ROBOT.arxiv_id] == "like “Robot grasping with touch”, which you voted for"


def test_liked_and_turned_down_papers_are_not_picked_again() -> None:
    taste = Taste((Liked(SPEECH, "saved"),), disliked=(ROBOT,))
    found = ids(taste)
    assert SPEECH.arxiv_id not in found
    assert ROBOT.arxiv_id not in found
    assert len(found) == 3


def test_not_for_me_pushes_a_topic_down() -> None:
    liked = (Liked(SAVED_SPEECH, "saved"), Liked(SAVED_ROBOT, "saved"))
    before = ids(Taste(liked))
    assert before.index(ROBOT_2.arxiv_id) < before.index(DIFFUSION.arxiv_id)
    after = ids(Taste(liked, disliked=(ROBOT,)))
    assert after.index(ROBOT_2.arxiv_id) > after.index(DIFFUSION.arxiv_id)


def test_nothing_liked_picks_nothing_and_the_limit_holds() -> None:
    assert rank_for(Taste(()), DAY, 10) == []
    assert ids(Taste((Liked(SAVED_SPEECH, "saved"),)), limit=2) == [
        SPEECH.arxiv_id,
        SPEECH_2.arxiv_id,
    ]
    assert rank_for(Taste((Liked(SAVED_SPEECH, "saved"),)), DAY, 0) == []


def test_a_paper_listed_twice_is_ranked_once() -> None:
    day = DayIndex([SPEECH, SPEECH, ROBOT])
    picks = rank_for(Taste((Liked(SAVED_SPEECH, "saved"),)), day, 10)
    assert [pick.paper.arxiv_id for pick in picks] == [SPEECH.arxiv_id, ROBOT.arxiv_id]


def test_the_model_never_reads_the_keywords() -> None:
    tagged = replace(SPEECH, ai_keywords=("robot grasping", "diffusion"))
    assert paper_terms(tagged) == paper_terms(SPEECH)


def test_terms_are_stemmed_unigrams_and_bigrams_without_stop_words() -> None:
    counts = term_counts("", "We propose the learning of robots")
    assert counts == {"learn": 1, "robot": 1, "learn robot": 1}
    assert term_counts("Robots", "")["robot"] == 2  # a title's words count twice


def test_the_reason_is_one_short_line() -> None:
    long_title = "A\u202e very long title\nthat goes on " + "and on " * 20
    line = reason_line(Liked(replace(SAVED_SPEECH, title=long_title), "saved"))
    assert "\n" not in line
    assert "\u202e" not in line
    assert line.endswith("…”, which you saved")
    assert len(line) < 100
