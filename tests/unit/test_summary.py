"""Summaries: ai_summary first, else whole sentences of the abstract, never cut mid-word."""

from __future__ import annotations

from datetime import datetime

import pytest

from bot.digest.summary import ELLIPSIS, summarize
from bot.records.models import Paper

# Real abstracts (2026-08-21 and 2024-06-13 lists), the second one hard-wrapped as arXiv sends it.
ENVHARNESS = (
    "LLM agents learn by interacting with environments, yet these environments are hand-built "
    "and static: blind to an agent's weaknesses, and quickly left behind as it improves. While "
    "recent environment generation methods attempt to address this, they require "
    "domain-specific pipelines, rely on expensive or unreliable verifiers, and still produce "
    "static environments. To alleviate the engineering burden of rebuilding environments from "
    "scratch, we propose Environment Harness (EnvHarness)."
)
ENVHARNESS_1 = ENVHARNESS[: ENVHARNESS.index(" While")]
ENVHARNESS_2 = ENVHARNESS[: ENVHARNESS.index(" To alleviate")]
NARCAN = (
    "We propose a video editing framework, NaRCan, which integrates a hybrid\n"
    "deformation field and diffusion prior to generate high-quality natural\n"
    "canonical images to represent the input video. Our approach utilizes homography\n"
    "to model global motion."
)
NARCAN_1 = (
    "We propose a video editing framework, NaRCan, which integrates a hybrid deformation field "
    "and diffusion prior to generate high-quality natural canonical images to represent the "
    "input video."
)
ENVHARNESS_AI = (
    "EnvHarness and EnvRigger dynamically reshape static environments via programmable plugins "
    "to target agent weaknesses and improve reinforcement learning co-evolution."
)


def _paper(abstract: str, ai_summary: str | None = None) -> Paper:
    return Paper(
        arxiv_id="2608.19880",
        title="EnvHarness: Awakening Static Worlds for Agent Learning",
        abstract=abstract,
        authors=(),
        published_at=datetime(2026, 8, 20),
        ai_summary=ai_summary,
    )


@pytest.mark.parametrize(
    ("abstract", "ai_summary", "max_chars", "expected"),
    [
        # ai_summary wins when present
        (ENVHARNESS, ENVHARNESS_AI, 300, ENVHARNESS_AI),
        (ENVHARNESS, "  " + ENVHARNESS_AI.replace(" ", "\n", 3) + " ", 300, ENVHARNESS_AI),
        # a blank ai_summary is no summary
        (ENVHARNESS, "   ", 300, ENVHARNESS_1),
        # as many whole sentences as fit
        (ENVHARNESS, None, 300, ENVHARNESS_1),
        (ENVHARNESS, None, len(ENVHARNESS_2), ENVHARNESS_2),
        (ENVHARNESS, None, len(ENVHARNESS_2) - 1, ENVHARNESS_1),
        (ENVHARNESS, None, 1000, ENVHARNESS),
        # hard-wrapped abstracts are collapsed to single spaces
        (NARCAN, None, 200, NARCAN_1),
        (NARCAN, None, 1000, " ".join(NARCAN.split())),
        # first sentence too long: a word boundary and an ellipsis
        (ENVHARNESS, None, 40, "LLM agents learn by interacting with" + ELLIPSIS),
        (ENVHARNESS, None, 41, "LLM agents learn by interacting with" + ELLIPSIS),
        (ENVHARNESS, None, 42, "LLM agents learn by interacting with" + ELLIPSIS),
        (ENVHARNESS, None, 43, "LLM agents learn by interacting with" + ELLIPSIS),
        (ENVHARNESS, None, 56, "LLM agents learn by interacting with environments, yet" + ELLIPSIS),
        # no dangling comma before the ellipsis
        (ENVHARNESS, None, 52, "LLM agents learn by interacting with environments" + ELLIPSIS),
        # a long ai_summary is bounded too
        (
            ENVHARNESS,
            ENVHARNESS_AI,
            60,
            "EnvHarness and EnvRigger dynamically reshape static" + ELLIPSIS,
        ),
        # nothing to say
        ("", None, 300, ""),
        (" \n ", None, 300, ""),
    ],
)
def test_summarize(abstract: str, ai_summary: str | None, max_chars: int, expected: str) -> None:
    summary = summarize(_paper(abstract, ai_summary), max_chars=max_chars)
    assert summary == expected
    assert len(summary) <= max_chars


@pytest.mark.parametrize(
    ("abstract", "first"),
    [
        (
            "Prior methods (e.g. DreamFusion) optimise per scene. We amortise it.",
            "Prior methods (e.g. DreamFusion) optimise per scene.",
        ),
        (
            "Models e.g. GPT-4 fail. We fix it.",
            "Models e.g. GPT-4 fail.",
        ),
        (
            "Ho et al. (2020) showed diffusion works. We go further.",
            "Ho et al. (2020) showed diffusion works.",
        ),
        (
            "Ho et al. Showed it first. We go further.",
            "Ho et al. Showed it first.",
        ),
        (
            "Dense features, i.e. Patch tokens, matter. We show why.",
            "Dense features, i.e. Patch tokens, matter.",
        ),
        (
            "We gain a 9.0-point improvement over 9.8 baselines. It is fast.",
            "We gain a 9.0-point improvement over 9.8 baselines.",
        ),
        (
            "As Fig. 3 shows, loss falls. It is fast.",
            "As Fig. 3 shows, loss falls.",
        ),
        (
            "We follow Y. LeCun in this. It is fast.",
            "We follow Y. LeCun in this.",
        ),
        (
            "Trained on U.S. Census data, it helps. It is fast.",
            "Trained on U.S. Census data, it helps.",
        ),
        (
            'We ask "can agents plan?" It is fast.',
            'We ask "can agents plan?"',
        ),
        (
            "Does it scale? Yes. It is fast.",
            "Does it scale? Yes.",
        ),
    ],
)
def test_sentence_boundaries(abstract: str, first: str) -> None:
    """With room for just over the first sentence, exactly the first sentence comes back."""
    max_chars = len(first) + 3
    assert summarize(_paper(abstract), max_chars=max_chars) == first


def test_a_single_giant_word_is_cut_hard() -> None:
    summary = summarize(_paper("x" * 500), max_chars=50)
    assert summary == "x" * 49 + ELLIPSIS


@pytest.mark.parametrize("max_chars", [20, 50, 99, 100, 150, 299, 300])
def test_never_mid_word(max_chars: int) -> None:
    summary = summarize(_paper(ENVHARNESS), max_chars=max_chars)
    words = summary.removesuffix(ELLIPSIS).split()
    assert words
    assert all(word in ENVHARNESS.split() or word + "," in ENVHARNESS.split() for word in words)
    assert len(summary) <= max_chars


def test_tiny_budget_is_refused() -> None:
    with pytest.raises(ValueError, match="max_chars"):
        summarize(_paper(ENVHARNESS), max_chars=5)
