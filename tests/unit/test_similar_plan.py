"""Pure: how `similar` picks a paper's distinctive words and says what papers share."""

from __future__ import annotations

from datetime import UTC, datetime

from bot.records.models import Paper
from bot.storage.search.similar_plan import (
    Term,
    distinctive_terms,
    doc_cap,
    paper_terms,
    rank_similar,
    shared_reason,
)

AT = datetime(2026, 1, 1, tzinfo=UTC)


def paper(arxiv_id: str, title: str, abstract: str = "", keywords: tuple[str, ...] = ()) -> Paper:
    return Paper(arxiv_id, title, abstract, (), AT, ai_keywords=keywords)


def test_title_words_weigh_most_and_forms_of_a_word_count_as_one() -> None:
    terms = paper_terms(
        paper("1", "Agent Planning", "We propose agents that plan. Our agents plan well.")
    )
    by_stem = {t.stem: t for t in terms}
    assert terms[0].stem == "agent"  # in the title, and twice in the abstract
    assert set(by_stem["agent"].forms) == {"agent", "agents"}
    assert "propose" not in by_stem  # how papers are written, not what about
    assert "we" not in by_stem


def test_rare_words_win_and_words_no_other_or_too_many_papers_hold_are_left_out() -> None:
    terms = [Term("splat", ("splatting",), 3.0), Term("model", ("model",), 3.0)]
    terms += [Term("zyx", ("zyx",), 9.0), Term("avatar", ("avatars",), 1.0)]
    total = 10_000
    docs = [40, doc_cap(total), 0, 5]  # model: at the cap; zyx: only this paper
    chosen = distinctive_terms(terms, docs, total)
    assert [t.stem for t in chosen] == ["splat", "avatar"]
    assert chosen[0].score > chosen[1].score > 0


def test_papers_sharing_more_distinctive_words_rank_first_and_the_source_never() -> None:
    source = paper("0", "Gaussian Splatting Avatars")
    terms = [Term("splat", ("splatting",), 3.0, 9.0), Term("avatar", ("avatars",), 3.0, 5.0)]
    one = paper("1", "Avatars")
    both = paper("2", "City splatting", "Avatars too.")
    assert rank_similar(source, [one, source, both], terms) == [both, one]


def test_the_reason_names_shared_keywords_then_shared_words() -> None:
    source = paper("0", "Gaussian Splatting Avatars", keywords=("Gaussian Splatting", "avatars"))
    other = paper("1", "Relightable avatar", "Splatting-free.", keywords=("avatars",))
    terms = [Term("splat", ("splatting",), 3.0, 9.0), Term("relight", ("relightable",), 1, 1)]
    assert shared_reason(source, other, terms) == "shares: avatars, splatting"
    assert shared_reason(source, paper("2", "Nothing"), terms) == "similar wording"
