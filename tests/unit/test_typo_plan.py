"""Table tests for bot.storage.search.typo_plan: what both stores look up to correct a typo, and
what they keep."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.records.models import Paper
from bot.storage.search.typo_plan import (
    WrittenTerms,
    candidates,
    corrected,
    forms_range,
    fuzzable,
    indexed,
    near,
    pool,
    rare,
    window,
)


def test_only_fuzzable_words_held_by_few_papers_are_rare() -> None:
    groups = [["difusion"], ["gan"], ["models", "model"], ["agnets"]]
    positions = fuzzable(groups)
    assert positions == [0, 2, 3]  # "gan" is too short to correct
    assert rare(positions, [0, 500, 2]) == [0, 3]


def test_a_word_is_indexed_when_an_indexed_word_shares_its_stem() -> None:
    assert forms_range("models") == ("model", "modem")  # every word starting with the stem
    assert forms_range("ai") == ("ai", "ai\x01")  # a stem too short: the word alone
    assert indexed("worlds", ["world", "worldwide"])
    # an English stemmer makes "residals" "resid", as "resides": no paper holds it still
    assert not indexed("residals", ["resid", "resides", "residual"])


def test_a_window_is_the_first_two_letters_and_two_letters_either_way() -> None:
    w = window("difusion")
    assert (w.low, w.high, w.shortest, w.longest) == ("di", "dj", 6, 10)


def test_near_keeps_other_plain_words_within_the_typo_limit() -> None:
    rows = [
        ("modle", "model"),  # one swap
        ("modle", "modle"),  # the word itself
        ("modle", "muddle"),  # two edits: past a short word's limit
        ("modle", "mod:le"),  # not a plain word: never query syntax
        ("transformr", "transformers"),  # two edits: within a long word's limit
    ]
    assert near(rows) == {"modle": ["model"], "transformr": ["transformers"]}


def test_head_edits_count_only_for_a_word_whose_range_held_none() -> None:
    found = candidates(
        ["wrold", "modle", "zzzz"],
        {"modle": ["model"]},
        {"wrold": ["world"], "modle": ["nodle"]},
    )
    assert found == {"wrold": ["world"], "modle": ["model"], "zzzz": []}
    assert pool(found) == ["model", "world"]


def test_corrections_are_appended_to_the_rare_words_only() -> None:
    groups = [["difusion"], ["modle"]]
    found = {"difusion": ["diffusion", "diusion"], "modle": ["model"]}
    counts = {"diffusion": 900, "diusion": 1, "model": 700}
    assert corrected(groups, [0], found, counts) == [["difusion", "diffusion"], ["modle"]]


def _paper(title: str, abstract: str) -> Paper:
    at = datetime(2024, 5, 1, tzinfo=UTC)
    return Paper("2405.00001", title, abstract, ("Ana Núñez",), at, ai_keywords=("GANs",))


def test_written_terms_sends_each_new_word_once_in_sorted_order() -> None:
    written = WrittenTerms()
    first = written.new([_paper("Zebra models", "Models of zebras.")])
    assert first == sorted(first)
    assert set(first) == {"zebra", "models", "of", "zebras", "ana", "nunez", "gans"}
    written.remember(first)
    assert written.new([_paper("Zebra models", "Of yaks.")]) == ["yaks"]


def test_written_terms_keep_accents_for_postgresql() -> None:
    assert "núñez" in WrittenTerms(keep_accents=True).new([_paper("T", "A")])


def test_written_terms_forget_all_when_full_and_send_again() -> None:
    written = WrittenTerms(size=3)
    written.remember(["a", "b"])
    written.remember(["c", "d"])  # past the bound: the cache starts over
    assert written.new([_paper("a b c d", "")]) == ["a", "ana", "b", "gans", "nunez"]
