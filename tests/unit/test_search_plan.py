"""Table tests for bot.storage.search.search_plan: query reading, corrections and title order."""

from __future__ import annotations

import pytest

from bot.storage.search.search_plan import (
    ParsedQuery,
    holds_most,
    names_a_title,
    needs_run_lookup,
    parse_query,
    plan_order,
    rarest_positions,
    same_stem,
    stem_prefix,
    title_holds_all,
    title_order,
)
from bot.storage.search.typo_plan import choose_corrections


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("world models", ParsedQuery(("world", "models"), (), (), ("world", "models"))),
        (
            '"world models" -video',
            ParsedQuery((), (("world", "models"),), (("video",),), ("world", "models")),
        ),
        (
            'agents -"video generation"',
            ParsedQuery(("agents",), (), (("video", "generation"),), ("agents",)),
        ),
        (
            "mixture of experts",
            ParsedQuery(("mixture", "experts"), (), (), ("mixture", "of", "experts")),
        ),
        ("of", ParsedQuery(("of",), (), (), ("of",))),
        ('"single"', ParsedQuery(("single",), (), (), ("single",))),
        (
            '"unbalanced quote',
            ParsedQuery((), (("unbalanced", "quote"),), (), ("unbalanced", "quote")),
        ),
        ("Zürich", ParsedQuery(("zurich",), (), (), ("zurich",))),
        ("-", ParsedQuery((), (), (), ())),
        ("AND OR NOT", ParsedQuery(("not",), (), (), ("and", "or", "not"))),
    ],
)
def test_parse_query(text: str, expected: ParsedQuery) -> None:
    assert parse_query(text) == expected


@pytest.mark.parametrize(
    ("question", "words"),
    [
        (
            "how do I make LLMs reason better with reinforcement learning",
            ("llms", "reason", "reinforcement", "learning"),
        ),
        ("what is speculative decoding?", ("speculative", "decoding")),
        ("papers about world models?", ("world", "models")),
        ("is there any work?", ("there", "any", "work")),  # nothing but filler: keep it
        ("use of tools", ("use", "tools")),  # not a question: "use" is a word here
    ],
)
def test_a_question_requires_only_its_content_words(question: str, words: tuple[str, ...]) -> None:
    assert parse_query(question).words == words


def test_accents_are_kept_when_asked() -> None:
    assert parse_query("Zürich", keep_accents=True).words == ("zürich",)


def test_only_exclusions_is_an_empty_query() -> None:
    assert parse_query("-video -audio").is_empty


@pytest.mark.parametrize(
    ("word", "prefix"),
    [("worlds", "world"), ("studies", "stud"), ("study", "stud"), ("ai", None), ("3d", None)],
)
def test_stem_prefix_covers_every_form(word: str, prefix: str | None) -> None:
    assert stem_prefix(word) == prefix


def test_same_stem_keeps_the_forms_topics_match() -> None:
    assert same_stem("world", ["world", "worlds", "worldwide"]) == ["world", "worlds"]
    assert same_stem("study", ["studies", "studio"]) == ["study", "studies"]


@pytest.mark.parametrize(
    ("token", "counts", "expected"),
    [
        ("difusion", {"diffusion": 900, "diusion": 1}, ["diffusion"]),  # a paper's own typo
        ("modle", {"model": 5000, "mode": 40, "module": 30}, ["model"]),  # the common one
        ("modle", {"model": 500, "mode": 400}, ["model", "mode"]),  # both common: both kept
        ("speculatve", {"speculative": 20, "speculation": 5}, ["speculative"]),  # nearest
        ("agnets", {"agents": 0}, []),  # a word no paper holds is no correction
        # the nearest common word, even when a rare word is nearer ("techinical", one paper)
        ("tcehinical", {"techinical": 1, "technical": 300}, ["technical"]),
    ],
)
def test_choose_corrections(token: str, counts: dict[str, int], expected: list[str]) -> None:
    assert choose_corrections(token, counts) == expected


@pytest.mark.parametrize(
    ("titles", "query", "expected"),
    [
        # every word in the title beats some words (the abstract matched the rest)
        (
            ["Video Generation Survey", "Long Video Generation with Memory"],
            "long video generation",
            [1, 0],
        ),
        # side by side beats scattered
        (["Speech Recognition from Text", "Text-to-Speech with Flow"], "text to speech", [1, 0]),
        # forms of a word count: "Worlds" holds "world"
        (["Agents", "Awakening Static Worlds"], "static world", [1, 0]),
        # otherwise the index's order stands
        (["A", "B", "C"], "zebra", [0, 1, 2]),
        # a title lacking fewer words beats one lacking more (a relaxed stage's answers)
        (
            ["Scaling Image Training", "How Far Can RLVR Scale LLM Training"],
            "far rlr scale llm training",
            [1, 0],
        ),
        # the run as typed, small words included, beats the same words with others between
        (
            ["Reasoning with Reinforcement Learning", "Reasoning via Reinforcement Learning"],
            "reasoning via reinforcement learning",
            [1, 0],
        ),
        # the forms typed beat other forms of the same words
        (
            ["A World Model for Robotic Manipulation", "Value Models for Robotic Manipulation"],
            "models for robotic manipulation",
            [1, 0],
        ),
        # among titles holding the run as typed, the one the query covers most
        (
            ["A Long Survey of Large Language Models", "Fingerprints of Large Language Models"],
            "of large language models",
            [1, 0],
        ),
        # among those, a title that starts (or its part after a colon starts) or ends with it
        (
            [
                "RLFR: Extending Reinforcement Learning for LLMs with Flows",
                "QeRL: Beyond Efficiency, Quantization-enhanced Reinforcement Learning for LLMs",
            ],
            "reinforcement learning for llms",
            [1, 0],
        ),
    ],
)
def test_title_order(titles: list[str], query: str, expected: list[int]) -> None:
    plan = parse_query(query)
    groups = [[w] for w in plan.words]
    assert title_order(titles, groups, plan.run, plan.typed) == expected


def test_title_holds_all_takes_any_alternative() -> None:
    assert title_holds_all("Latent Diffusion Models", [["difusion", "diffusion"], ["model"]])
    assert not title_holds_all("Latent Diffusion", [["diffusion"], ["model"]])
    assert not title_holds_all("Anything", [])


@pytest.mark.parametrize(
    ("request_text", "words"),
    [
        ("papers about latent implicit visual reasoning", ("latent", "implicit", "visual")),
        ("find me world models", ("world", "models")),
        ("make a video", ("make", "video")),  # a title's words, not a request
    ],
)
def test_a_request_is_read_as_a_question(request_text: str, words: tuple[str, ...]) -> None:
    assert parse_query(request_text).words[:3] == words


def test_a_title_holding_the_words_exactly_as_typed_comes_first() -> None:
    titles = [
        "Visual Reasoning with Reinforcement Learning",
        "Concise Reasoning via Reinforcement Learning",
    ]
    plan = parse_query("Reasoning via Reinforcement Learning")
    groups = [[w] for w in plan.words]
    assert title_order(titles, groups, plan.run, plan.typed) == [1, 0]
    assert title_order(titles, groups, plan.run) == [0, 1]  # without the words as typed


@pytest.mark.parametrize(
    ("text", "as_typed"),
    [
        ("how do I use scaling laws for video?", ("scaling", "laws", "for", "video")),
        ("papers about world models", ("world", "models")),
        ("is there work on world models?", ("world", "models")),  # "on" follows the opening
        ("how do I use a world model", ("world", "model")),
        ("of large language models", ("of", "large", "language", "models")),  # kept
        ("make a video", ("make", "a", "video")),  # a title's words, not a question's
    ],
)
def test_as_typed_leaves_out_a_questions_opening_words(
    text: str, as_typed: tuple[str, ...]
) -> None:
    assert parse_query(text).as_typed == as_typed


def test_a_whole_title_held_word_for_word_names_its_paper_a_fragment_does_not() -> None:
    title = "Scaling Laws for Diffusion Transformers in Video Generation"
    assert names_a_title(parse_query(title), ["Other Paper", title])
    assert names_a_title(parse_query("is there work on " + title.lower() + "?"), [title])
    assert not names_a_title(parse_query(title), ["Scaling Laws for Diffusion Transformers"])
    assert not names_a_title(parse_query("for Diffusion Transformers"), [title])  # a fragment


def test_a_fragment_always_looks_up_title_runs_a_long_query_only_when_none_holds_it() -> None:
    fragment = parse_query("of large language models")
    assert needs_run_lookup(fragment, ["Of Large Language Models"])
    title = parse_query("Scaling Laws for Diffusion Transformers in Video Generation")
    assert not needs_run_lookup(
        title, ["Scaling Laws for Diffusion Transformers in Video Generation"]
    )
    assert needs_run_lookup(title, ["Video Generation: Scaling Laws for Diffusion Transformers"])
    assert not needs_run_lookup(parse_query("diffusion"), [])  # one word: no run


@pytest.mark.parametrize(
    ("text", "runs"),
    [
        ("how good are mllms", (("how", "good", "are", "mllms"),)),  # a title's own words
        ("what is a survey", (("what", "is", "a", "survey"),)),
        ("what is world modeling", (("world", "modeling"), ("what", "is", "world", "modeling"))),
        ("is there work on world models?", (("world", "models"),)),  # six words: a question
        ("of large language models", (("of", "large", "language", "models"),)),
        ("how do I use scaling laws?", (("scaling", "laws"),)),
        ("diffusion", ()),
    ],
)
def test_a_short_question_is_also_looked_up_as_typed_since_titles_ask_questions(
    text: str, runs: tuple[tuple[str, ...], ...]
) -> None:
    assert parse_query(text).title_runs == runs


def test_the_rarest_held_words_are_looked_up_first_and_unheld_ones_never() -> None:
    assert rarest_positions([900, 0, 3, 40, 7]) == [2, 4, 3]
    assert rarest_positions([0, 0]) == []


def test_a_close_match_by_most_words_holds_more_than_half_of_them() -> None:
    groups = [["nanoknow"], ["knw"], ["waht"], ["language"], ["model"], ["knows"]]
    assert holds_most("NanoKnow: How to Know What Your Language Model Knows", groups)
    assert not holds_most("Language Model Scaling", groups)  # 2 of 6
    assert not holds_most("Language Model Knows", groups)  # 3 of 6: half is not most


def test_a_request_names_the_title_holding_its_words_after_the_opening_exactly() -> None:
    titles = [
        "Robotics-0: An Open-Sourced Vision-Language-Action Model with Real-Time Execution",
        "OpenVLA: An Open-Source Vision-Language-Action Model",
    ]
    plan = parse_query("papers about An Open-Source Vision-Language-Action Model")
    groups = [[w] for w in plan.words]
    assert plan_order(plan, titles, groups) == [1, 0]
    assert title_order(titles, groups, plan.run, plan.typed) == [0, 1]  # the whole run only
