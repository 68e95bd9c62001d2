"""The Bayes ceiling of the search benchmark's query kinds (bench/query_ceiling.py)."""

from __future__ import annotations

from fractions import Fraction

import pytest

from bench.query_ceiling import Ceiling, expected_reciprocal_rank

SHARED_END = [
    "Scaling Laws of Large Language Models",
    "Hidden Biases of Large Language Models",
    "A Survey on Agents",
]


def corpus(*titles: str) -> Ceiling:
    """A ceiling over `titles`, the papers named p0, p1, ... in order."""
    return Ceiling({f"p{i}": title for i, title in enumerate(titles)})


def test_a_tie_among_three_is_worth_the_mean_of_ranks_one_to_three() -> None:
    weights = [Fraction(1)] * 3
    assert expected_reciprocal_rank(Fraction(1), weights) == pytest.approx((1 + 1 / 2 + 1 / 3) / 3)


def test_a_likelier_candidate_takes_the_first_place() -> None:
    weights = [Fraction(1, 2), Fraction(1, 3), Fraction(1, 3)]
    assert expected_reciprocal_rank(Fraction(1, 2), weights) == 1.0
    assert expected_reciprocal_rank(Fraction(1, 3), weights) == pytest.approx((1 / 2 + 1 / 3) / 2)


def test_ranks_past_ten_count_nothing() -> None:
    weights = [Fraction(1)] * 20
    assert expected_reciprocal_rank(Fraction(1), weights) == pytest.approx(
        sum(1 / r for r in range(1, 11)) / 20
    )


def test_last_words_held_by_two_titles_end_tie_and_a_unique_one_is_first() -> None:
    ceiling = corpus(*SHARED_END)
    assert ceiling.reciprocal_rank("last_words", "of Large Language Models", "p0") == 0.75
    assert ceiling.reciprocal_rank("first_words", "Scaling Laws of Large", "p0") == 1.0


def test_case_tells_titles_apart_as_the_recipe_keeps_it() -> None:
    ceiling = corpus("Tools for Large Language Models", "Tools for large language models")
    assert ceiling.reciprocal_rank("last_words", "for Large Language Models", "p0") == 1.0


def test_a_middle_run_names_the_shorter_title_that_holds_it() -> None:
    short = "We Study Deep Nets For Robots Now"  # 7 words: 2 middle starts
    long = "Here We Study Deep Nets For Robots In Many Rooms Today"  # 11 words: 6 starts
    ceiling = corpus(short, long)
    assert ceiling.reciprocal_rank("middle", "Study Deep Nets For", "p0") == 1.0
    assert ceiling.reciprocal_rank("middle", "Study Deep Nets For", "p1") == 0.5


def test_identical_titles_tie_for_every_kind() -> None:
    ceiling = corpus("Same Title Here", "Same Title Here", "Other")
    assert ceiling.reciprocal_rank("misspelt", "Smae Title Here", "p0") == 0.75
    assert ceiling.reciprocal_rank("long_title", "Other", "p2") == 1.0


def test_a_question_about_a_shared_subtitle_names_each_title_holding_it_alike() -> None:
    ceiling = corpus("Agents in Games: A Survey", "Robot Learning: A Survey", "A Survey", "Graphs")
    assert ceiling.reciprocal_rank("question", "what is A Survey", "p0") == pytest.approx(
        (1 + 1 / 2 + 1 / 3) / 3
    )
    assert ceiling.reciprocal_rank("question", "what is Graphs", "p3") == 1.0


def test_the_archive_ceiling_averages_every_title_the_recipe_applies_to() -> None:
    ceiling = corpus(*SHARED_END)
    # Two of the three titles have more than four words, and they share their end.
    assert ceiling.archive("last_words") == 0.75
    assert ceiling.archive("first_words") == 1.0
