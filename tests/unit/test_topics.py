"""Topic parsing and matching, by tables of real titles, abstracts and authors."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest

from bot.digest.topics import (
    MAX_TOPICS,
    _tokenised,
    _words_at,
    match_paper,
    parse_topic,
    parse_topics,
    topic_key,
)
from bot.records.errors import UserInputError
from bot.records.models import Match, Paper, Topic, TopicKind
from bot.text.words import stem, words

T, P, X = TopicKind.TERM, TopicKind.PHRASE, TopicKind.EXCLUDE
A, G, K = TopicKind.AUTHOR, TopicKind.ORG, TopicKind.KEYWORD


def _paper(**fields: Any) -> Paper:
    base: dict[str, Any] = {
        "arxiv_id": "2608.00001",
        "title": "A title",
        "abstract": "An abstract.",
        "authors": ("Ada Lovelace",),
        "published_at": datetime(2026, 8, 20),
    }
    return Paper(**(base | fields))


ENVHARNESS = _paper(
    arxiv_id="2608.19880",
    title="EnvHarness: Awakening Static Worlds for Agent Learning",
    abstract=(
        "LLM agents learn by interacting with environments, yet these environments are\n"
        "hand-built and static: blind to an agent's weaknesses, and quickly left behind as it\n"
        "improves. Across five benchmarks in four domains, EnvHarness achieves up to a\n"
        "9.0-point improvement on held-out instances."
    ),
    authors=("Chengsong Huang", "Zifeng Wang", "Rujun Han"),
    ai_summary="EnvHarness and EnvRigger dynamically reshape static environments via "
    "programmable plugins to target agent weaknesses.",
    ai_keywords=("LLM agents", "Environment Harness", "reinforcement learning"),
    organization="Google",
)
FORGEWM = _paper(
    arxiv_id="2608.14022",
    title="ForgeWM: Progressive Causal Training for Few-Step Action-Conditioned Video World Models",
    abstract="Interactive world models must respond to actions within a few denoising steps.",
    ai_keywords=("action-conditioned video world models", "causal distillation"),
    organization="ForgeWM",
)
DECO = _paper(
    arxiv_id="2605.10933",
    title="DECO: Sparse Mixture-of-Experts with Dense-Comparable Performance on End-Side Devices",
    abstract=(
        "While Mixture-of-Experts (MoE) scales model capacity without proportionally "
        "increasing computation, its massive total parameter footprint creates significant "
        "storage and memory-access bottlenecks. We leverage a differentiable router."
    ),
)
CRAG = _paper(
    arxiv_id="2406.04744",
    title="CRAG -- Comprehensive RAG Benchmark",
    abstract="Retrieval-Augmented Generation (RAG) has recently emerged as a promising\n"
    "solution to alleviate Large Language Model (LLM)'s deficiency in lack of\nknowledge.",
)
RAG_BASED = _paper(title="Agent-based RAG-based pipelines", abstract="Nothing else here.")
DINO = _paper(
    arxiv_id="2405.15613",
    title="Automatic Data Curation for Self-Supervised Learning: A Clustering-Based Approach",
    authors=("Huy V. Vo", "Timothée Darcet", "Théo Moutakanni", "Hervé Jégou"),
    organization="AI at Meta",
)
ANT = _paper(
    title="4DAnyone: Create Anyone in 4D from a Casual Monocular Video", organization="Ant Research"
)


# ------------------------------------------------------------------------------ parsing


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("agents", [Topic(T, "agents")]),
        ("Agents  RAG", [Topic(T, "agents"), Topic(T, "rag")]),
        ("agents,rag , diffusion", [Topic(T, "agents"), Topic(T, "rag"), Topic(T, "diffusion")]),
        ('"World   Model"', [Topic(P, "world model")]),
        ("“world model”", [Topic(P, "world model")]),  # Slack and macOS send smart quotes
        ("-survey", [Topic(X, "survey")]),
        ('-"Position Paper"', [Topic(X, "position paper")]),
        ('author:"Yann LeCun"', [Topic(A, "Yann LeCun")]),
        ("author:LeCun", [Topic(A, "LeCun")]),
        ('Author:"Hervé  Jégou"', [Topic(A, "Hervé Jégou")]),
        ("org:Google", [Topic(G, "google")]),
        ('org:"Ant Research"', [Topic(G, "ant research")]),
        ("kw:Diffusion", [Topic(K, "diffusion")]),
        ('kw:"reinforcement learning"', [Topic(K, "reinforcement learning")]),
        ("gpt-4o", [Topic(T, "gpt-4o")]),
        ("agents AGENTS agents", [Topic(T, "agents")]),
        ('"rag" rag', [Topic(P, "rag"), Topic(T, "rag")]),  # a phrase is not a term
        ('author:"yann lecun" author:"Yann LeCun"', [Topic(A, "yann lecun")]),
        ('agents"world model"', [Topic(T, "agents"), Topic(P, "world model")]),
        ("10:1", [Topic(T, "10:1")]),  # not a prefix: digits
        ("", []),
        (" , ,, ", []),
    ],
)
def test_parse_topics(text: str, expected: list[Topic]) -> None:
    assert parse_topics(text) == tuple(expected)


@pytest.mark.parametrize(
    ("text", "complaint"),
    [
        ('"world model', "unbalanced quote"),
        ('agents -"survey', "unbalanced quote"),
        ("author:", 'empty topic "author:"'),
        ('author:""', "empty topic"),
        ("-", 'empty topic "-"'),
        ('""', "empty topic"),
        ("foo:bar", 'unknown prefix "foo:"'),
        ("https://arxiv.org", 'unknown prefix "https:"'),
        ("x" * 101, "too long"),
        (" ".join(f"w{i}" for i in range(MAX_TOPICS + 1)), "too many topics: 26"),
        ("+++", "no letters or digits"),
    ],
)
def test_parse_topics_rejects(text: str, complaint: str) -> None:
    with pytest.raises(UserInputError, match=complaint) as caught:
        parse_topics(text)
    assert len(str(caught.value)) < 120  # short enough for a chat reply


def test_unknown_prefix_hint_lists_the_prefixes() -> None:
    with pytest.raises(UserInputError) as caught:
        parse_topics("foo:bar")
    assert all(p in str(caught.value) for p in ("author:", "org:", "kw:"))


def test_exactly_max_topics_is_fine() -> None:
    assert len(parse_topics(" ".join(f"w{i}" for i in range(MAX_TOPICS)))) == MAX_TOPICS


def test_duplicates_do_not_count_towards_the_limit() -> None:
    assert parse_topics(" ".join(["agents"] * (MAX_TOPICS + 5))) == (Topic(T, "agents"),)


@pytest.mark.parametrize(
    "topic",
    [
        Topic(T, "agents"),
        Topic(P, "world model"),
        Topic(P, "rag"),
        Topic(X, "survey"),
        Topic(X, "position paper"),
        Topic(A, "Yann LeCun"),
        Topic(G, "ant research"),
        Topic(K, "diffusion"),
    ],
)
def test_str_of_a_topic_parses_back(topic: Topic) -> None:
    assert parse_topic(str(topic)) == topic


@pytest.mark.parametrize("space", ["\u00a0", "\u2003", "\u3000", "\u1680", "\u2028", "\t", "\n"])
def test_every_unicode_space_separates_topics(space: str) -> None:
    # A no-break space (from a phone or a pasted text) once joined two words into one
    # stored topic that no typed command could name again.
    assert parse_topics(f"agents{space}rag") == (Topic(T, "agents"), Topic(T, "rag"))
    assert parse_topics(f'"world{space}model"') == (Topic(P, "world model"),)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Ａｇｅｎｔｓ，ＲＡＧ", [Topic(T, "agents"), Topic(T, "rag")]),  # full-width forms
        ("ＫＷ：＂World Model＂", [Topic(K, "world model")]),
        ("Straße", [Topic(T, "strasse")]),  # case-folded, as matching folds
        ("ﬁne-tuning", [Topic(T, "fine-tuning")]),  # the fi ligature
        ("cafe\u0301", [Topic(T, "café")]),  # combining accent: composed
        ('author:"Ｙann\u00a0LeCun"', [Topic(A, "Yann LeCun")]),  # authors keep their case
    ],
)
def test_topics_are_stored_normalised(text: str, expected: list[Topic]) -> None:
    assert parse_topics(text) == tuple(expected)


@pytest.mark.parametrize(
    "text",
    ["Ａｇｅｎｔｓ", "world\u3000model", '"World\u2003Model"', "-Straße", "kw:ﬁne", "gpt-4o"],
)
def test_what_topics_shows_can_be_typed_back(text: str) -> None:
    for topic in parse_topics(text):
        assert parse_topic(str(topic)) == topic
        assert str(topic) == unicodedata.normalize("NFKC", str(topic).casefold())


@pytest.mark.parametrize("char", ["\x00", "\x07", "\x1b", "\x1f", "\x7f", "\x85", "\ud800"])
def test_control_characters_are_refused(char: str) -> None:
    with pytest.raises(UserInputError, match=f"control characters such as U[+]{ord(char):04X}"):
        parse_topics(f"agents{char}x")


@pytest.mark.parametrize(
    ("stored", "typed"),
    [
        (Topic(T, "a b"), '"a b"'),  # stored before: split on a no-break space only
        (Topic(T, "ａgents"), "agents"),  # stored before: lower-cased, not NFKC
        (Topic(T, "nul\x00x"), '"nul x"'),  # stored in SQLite before NUL was refused
        (Topic(T, "gpt-4o"), '"gpt 4o"'),  # matches exactly like the phrase
        (Topic(A, "Yann LeCun"), 'author:"yann lecun"'),
    ],
)
def test_topics_stored_before_normalisation_can_be_named(stored: Topic, typed: str) -> None:
    assert topic_key(parse_topic(typed)) == topic_key(stored)


def test_a_one_word_phrase_is_still_not_a_term() -> None:
    assert topic_key(parse_topic('"rag"')) != topic_key(parse_topic("rag"))


@pytest.mark.parametrize("text", ["", "agents rag", '"a b" c'])
def test_parse_topic_wants_exactly_one(text: str) -> None:
    with pytest.raises(UserInputError, match="exactly one topic"):
        parse_topic(text)


# ----------------------------------------------------------------------------- stemming


@pytest.mark.parametrize(
    ("words", "same"),
    [
        (("agent", "agents"), True),
        (("model", "models", "modeling", "modelling"), True),
        (("learn", "learns", "learning", "learned"), True),
        (("study", "studies"), True),
        (("approach", "approaches"), True),
        (("embed", "embedding", "embeddings", "embedded"), True),
        (("generate", "generated", "generating"), True),
        (("exceed", "exceeds"), True),
        (("rag", "rags"), True),
        (("rag", "rage"), False),
        (("rag", "raging"), False),
        (("install", "instal"), False),
        (("area", "areas"), True),
        (("dataset", "datasets"), True),
        (("process", "processes"), True),
    ],
)
def test_stem(words: tuple[str, ...], same: bool) -> None:
    assert (len({stem(w) for w in words}) == 1) is same


# ----------------------------------------------------------------------------- matching


@pytest.mark.parametrize(
    ("paper", "topics", "reasons"),
    [
        (ENVHARNESS, "agents", ['title mentions "Agent"']),
        (ENVHARNESS, "agent", ['title mentions "Agent"']),
        (RAG_BASED, "agent", ['title mentions "Agent"']),  # "Agent-based"
        (RAG_BASED, "rag", ['title mentions "RAG"']),
        (CRAG, "rag", ['title mentions "RAG"']),
        (ENVHARNESS, "learning", ['title mentions "Learning"']),
        (ENVHARNESS, "weakness", ['abstract mentions "weaknesses"']),
        (ENVHARNESS, '"9.0-point improvement"', ['abstract mentions "9.0-point improvement"']),
        (ENVHARNESS, '"quickly left behind"', ['abstract mentions "quickly left behind"']),
        (ENVHARNESS, "plugins", ['AI summary mentions "plugins"']),
        (ENVHARNESS, "harness", ['HF keyword "Environment Harness"']),
        (FORGEWM, '"world model"', ['title mentions "World Models"']),
        (FORGEWM, "world-model", ['title mentions "World Models"']),
        (FORGEWM, '"video world"', ['title mentions "Video World"']),
        (DECO, "storage", ['abstract mentions "storage"']),
        (ENVHARNESS, "agents -survey", ['title mentions "Agent"']),
        (ENVHARNESS, "agents static", ['title mentions "Agent"', 'title mentions "Static"']),
        (ENVHARNESS, 'author:"Zifeng Wang"', ["author Zifeng Wang"]),
        (ENVHARNESS, "author:Huang", ["author Chengsong Huang"]),
        (DINO, 'author:"Herve Jegou"', ["author Hervé Jégou"]),
        (DINO, 'author:"HERVÉ JÉGOU"', ["author Hervé Jégou"]),
        (DINO, 'author:"Huy V. Vo"', ["author Huy V. Vo"]),
        (ENVHARNESS, "org:google", ["from Google"]),
        (ANT, "org:AntResearch", ["from Ant Research"]),
        (ANT, 'org:"ant research"', ["from Ant Research"]),
        (DINO, "org:meta", ["from AI at Meta"]),
        (ENVHARNESS, 'kw:"reinforcement learning"', ['HF keyword "reinforcement learning"']),
        (ENVHARNESS, "kw:agent", ['HF keyword "LLM agents"']),
        (FORGEWM, "kw:distillation", ['HF keyword "causal distillation"']),
        (ENVHARNESS, "agent agents", ['title mentions "Agent"']),  # the same reason once
        (ENVHARNESS, "", []),  # no topics: the plain trending list
        (ENVHARNESS, "-survey", []),  # only excludes: still the trending list
    ],
)
def test_matches(paper: Paper, topics: str, reasons: list[str]) -> None:
    assert match_paper(paper, parse_topics(topics)) == Match(paper, tuple(reasons))


@pytest.mark.parametrize(
    ("paper", "topics"),
    [
        (DECO, "rag"),  # "leverage", "storage"
        (CRAG, "crag-benchmark"),
        (ENVHARNESS, "rage"),
        (ENVHARNESS, "env"),  # words, not substrings: "EnvHarness"
        (ENVHARNESS, '"static agent"'),  # phrase words must be adjacent and in order
        (ENVHARNESS, '"learning agent"'),
        (FORGEWM, "world -video"),  # an exclude beats any match
        (ENVHARNESS, 'agents -"LLM agents"'),
        (ENVHARNESS, "agents -plugins"),  # excludes look in the AI summary too
        (ENVHARNESS, "agents -harness"),  # and in the keywords
        (ENVHARNESS, "-static"),
        (ENVHARNESS, "author:Zifeng"),  # a single word is a last name, not a first name
        (ENVHARNESS, 'author:"Zifeng Wan"'),
        (DINO, "author:Herv"),
        (ENVHARNESS, "org:deepmind"),
        (ENVHARNESS, "org:goo"),
        (DECO, "org:google"),  # no organization at all
        (ENVHARNESS, "kw:diffusion"),
        (ENVHARNESS, "kw:weaknesses"),  # keywords, not the abstract
        (FORGEWM, "transformers diffusion"),
    ],
)
def test_does_not_match(paper: Paper, topics: str) -> None:
    assert match_paper(paper, parse_topics(topics)) is None


def test_each_paper_is_tokenised_once_for_many_channels() -> None:
    paper = _paper(arxiv_id="2608.99999", title="A paper tokenised once")
    match_paper(paper, parse_topics("agents"))
    hits = _tokenised.cache_info().hits
    for topics in ("agents", "rag", '"world model"', "kw:x"):
        match_paper(paper, parse_topics(topics))
    assert _tokenised.cache_info().hits == hits + 4


def test_changed_text_is_not_served_from_the_cache() -> None:
    before = _paper(arxiv_id="2608.99998", title="Diffusion models")
    after = _paper(arxiv_id="2608.99998", title="World models")
    assert match_paper(before, parse_topics("diffusion")) is not None
    assert match_paper(after, parse_topics("diffusion")) is None


def test_new_upvotes_do_not_tokenise_the_paper_again() -> None:
    before = _paper(arxiv_id="2608.99997", title="Tokenised once whatever its upvotes")
    match_paper(before, parse_topics("upvotes"))
    misses = _tokenised.cache_info().misses
    again = replace(before, upvotes=before.upvotes + 40, comments=3)
    assert match_paper(again, parse_topics("upvotes")) is not None
    assert _tokenised.cache_info().misses == misses


def test_ascii_text_is_split_into_the_same_words_as_any_text() -> None:
    """`_words_at` lower-cases ASCII text instead of folding each word: the same result."""
    texts = [
        "Agents' RAG-based GPT-4o: 3D Gaussians, LLMs & co_author e.g. (v2)",
        "Zero-shot  world_models\\tunder 10x compute; Ünïcode is not ASCII",
    ]
    for text in texts:
        slow = [(m.span(), w) for m in re.finditer(r"[^\W_]+", text) for w in words(m.group())]
        assert _words_at(text) == slow
    assert "ünïcode" not in [w for _, w in _words_at(texts[1])]  # folded: "unicode"
