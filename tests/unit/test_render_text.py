"""Plain-text rendering for the terminal: exact output for one digest, then properties."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime

import pytest

from bot.digest.text import authors_text, render_paper_text, render_papers_list_text, render_text
from bot.records.digest import Digest, DigestEntry
from bot.records.models import Paper, Topic, TopicKind
from tests.hostile_text import HOSTILE, unsafe_chars

DAY = date(2026, 8, 21)
ENV = Paper(
    arxiv_id="2608.19880",
    title="EnvHarness: Awakening Static Worlds for Agent Learning",
    abstract=(
        "LLM agents learn by interacting with environments, yet these environments are\n"
        "hand-built and static: blind to an agent's weaknesses, and quickly left behind as it\n"
        "improves. While recent environment generation methods attempt to address this, they\n"
        "require domain-specific pipelines."
    ),
    authors=(
        "Chengsong Huang",
        "Zifeng Wang",
        "Rujun Han",
        "Jun Yan",
        "Yanfei Chen",
        "Zoey CuiZhu",
        "Ke Jiang",
        "Peng Xia",
        "Han Yu",
        "Yufan Zhuang",
        "Yifei Ming",
        "Jiaqi Pan",
    ),
    published_at=datetime(2026, 8, 20),
    listed_on=DAY,
    upvotes=163,
    comments=1,
    github_repo="https://github.com/google-research/envharness",
    github_stars=8,
    project_page="https://envharness.com/",
    ai_keywords=("LLM agents", "Environment Harness"),
    organization="Google",
)
EXIMO = Paper(
    arxiv_id="2608.19891",
    title="EXIMO: VLM Guided Exploration of VLA Policies",
    abstract="Vision-language-action models are trained by behaviour cloning.",
    authors=("Ada Lovelace",),
    published_at=datetime(2026, 8, 20),
    listed_on=DAY,
    upvotes=1,
    comments=0,
)
ENV_SUMMARY = (
    "EnvHarness and EnvRigger dynamically reshape static environments via programmable plugins "
    "to target agent weaknesses and improve reinforcement learning co-evolution."
)
DIGEST = Digest(
    day=DAY,
    entries=(
        DigestEntry(1, ENV, ENV_SUMMARY, ('title mentions "Agent"', "from Google")),
        DigestEntry(2, EXIMO, "Vision-language-action models are trained by behaviour cloning."),
    ),
    topics=(Topic(TopicKind.TERM, "agents"), Topic(TopicKind.PHRASE, "world model")),
    total_candidates=17,
)

EXPECTED = """\
Trending papers for Friday 21 August 2026
Trending = the day's Hugging Face Daily Papers ordered by upvotes (ties: comments, then GitHub
stars)
Topics: agents, "world model"
Showing 2 of the 17 papers listed that day.

1. EnvHarness: Awakening Static Worlds for Agent Learning
   163 upvotes · 1 comment · 8 GitHub stars
   EnvHarness and EnvRigger dynamically reshape static environments via programmable plugins to
   target agent weaknesses and improve reinforcement learning co-evolution.
   why: title mentions "Agent"; from Google
   arXiv:   https://arxiv.org/abs/2608.19880
   PDF:     https://arxiv.org/pdf/2608.19880
   HF:      https://huggingface.co/papers/2608.19880
   code:    https://github.com/google-research/envharness
   project: https://envharness.com/

2. EXIMO: VLM Guided Exploration of VLA Policies
   1 upvote · 0 comments
   Vision-language-action models are trained by behaviour cloning.
   arXiv:   https://arxiv.org/abs/2608.19891
   PDF:     https://arxiv.org/pdf/2608.19891
   HF:      https://huggingface.co/papers/2608.19891"""


def test_render_text_exactly() -> None:
    assert render_text(DIGEST) == EXPECTED


@pytest.mark.parametrize("width", [40, 60, 100])
def test_lines_fit_the_width_except_urls(width: int) -> None:
    for text in (render_text(DIGEST, width=width), render_paper_text(ENV, width=width)):
        for line in text.splitlines():
            assert len(line) <= width or "https://" in line, line


def test_ten_or_more_entries_keep_their_text_aligned() -> None:
    entry = DigestEntry(10, EXIMO, "Short.")
    lines = render_text(Digest(DAY, (entry,), total_candidates=10)).splitlines()
    assert "10. EXIMO: VLM Guided Exploration of VLA Policies" in lines
    assert "    1 upvote · 0 comments" in lines


@pytest.mark.parametrize(
    "reason",
    ["No papers were listed for that day.", "None of the 17 papers matched your topics."],
)
def test_empty_digest_says_why(reason: str) -> None:
    text = render_text(Digest(DAY, (), empty_reason=reason, total_candidates=17))
    assert text.splitlines()[0] == "Trending papers for Friday 21 August 2026"
    assert text.endswith("\n\n" + reason)
    assert "Showing" not in text


def test_render_paper_text_is_the_full_card() -> None:
    text = render_paper_text(ENV)
    lines = text.splitlines()
    assert lines[0] == ENV.title
    assert "Yufan Zhuang and 2 more" in text
    assert "Yifei Ming" not in text
    assert "arXiv 2026-08-20 · on Hugging Face Daily Papers 2026-08-21 · from Google" in lines
    assert "163 upvotes · 1 comment · 8 GitHub stars" in lines
    assert "HF keywords: LLM agents, Environment Harness" in lines
    assert "hand-built and static: blind to an agent's weaknesses" in " ".join(lines)
    assert "are\nhand-built" not in text  # the hard wrap is gone
    assert lines[-5:] == [
        "arXiv:   https://arxiv.org/abs/2608.19880",
        "PDF:     https://arxiv.org/pdf/2608.19880",
        "HF:      https://huggingface.co/papers/2608.19880",
        "code:    https://github.com/google-research/envharness",
        "project: https://envharness.com/",
    ]


def test_an_arxiv_only_paper_has_no_hf_stats_or_link() -> None:
    paper = Paper(
        arxiv_id="1706.03762",
        title="Attention Is All You Need",
        abstract="The dominant sequence transduction models are based on recurrent networks.",
        authors=("Ashish Vaswani", "Noam Shazeer"),
        published_at=datetime(2017, 6, 12),
        source="arxiv",
    )
    text = render_paper_text(paper)
    assert "upvote" not in text
    assert "huggingface.co" not in text
    assert "by Ashish Vaswani, Noam Shazeer" in text.splitlines()
    assert "arXiv 2017-06-12" in text.splitlines()
    assert "upvote" not in render_papers_list_text([paper])


@pytest.mark.parametrize(
    ("count", "expected"),
    [
        (1, "A1"),
        (3, "A1, A2, A3"),
        (10, ", ".join(f"A{i}" for i in range(1, 11))),
        (11, ", ".join(f"A{i}" for i in range(1, 11)) + " and 1 more"),
        (25, ", ".join(f"A{i}" for i in range(1, 11)) + " and 15 more"),
    ],
)
def test_authors_text(count: int, expected: str) -> None:
    assert authors_text([f"A{i}" for i in range(1, count + 1)]) == expected


def test_papers_list() -> None:
    assert render_papers_list_text([ENV, EXIMO]) == (
        "1. EnvHarness: Awakening Static Worlds for Agent Learning\n"
        "   2608.19880 · 2026-08-20 · 163 upvotes\n"
        "   https://arxiv.org/abs/2608.19880\n"
        "\n"
        "2. EXIMO: VLM Guided Exploration of VLA Policies\n"
        "   2608.19891 · 2026-08-20 · 1 upvote\n"
        "   https://arxiv.org/abs/2608.19891"
    )


def test_empty_papers_list() -> None:
    assert render_papers_list_text([]) == "No papers found."


def _hostile_paper(hostile: str) -> Paper:
    """Every text field hostile, as a store row from before the parse boundary cleaned it."""
    return replace(
        ENV,
        title=f"Title {hostile}",
        abstract=f"Abstract {hostile}",
        authors=(f"Author {hostile}", "Ada Lovelace"),
        ai_keywords=(f"kw {hostile}",),
        organization=f"Org {hostile}",
        github_repo="https://github.com/x\x1b]8;;https://evil.example\x07",
    )


@pytest.mark.parametrize("name", sorted(HOSTILE))
def test_no_escape_control_or_bidi_character_reaches_the_terminal(name: str) -> None:
    hostile = HOSTILE[name]
    paper = _hostile_paper(hostile)
    topics = (Topic(TopicKind.PHRASE, f"topic {hostile}"),)
    entry = DigestEntry(rank=1, paper=paper, summary=f"Sum {hostile}", reasons=(f"why {hostile}",))
    outputs = [
        render_text(Digest(day=DAY, entries=(entry,), topics=topics, total_candidates=1)),
        render_paper_text(paper),
        render_papers_list_text([paper, paper]),
    ]
    for output in outputs:
        assert unsafe_chars(output) == [], name
        assert "\r" not in output


def test_a_crlf_title_is_printed_on_one_line() -> None:
    paper = replace(ENV, title="Title\r\nwith CRLF\rand CR\nand LF")
    assert render_paper_text(paper).splitlines()[0] == "Title with CRLF and CR and LF"
    listed = render_papers_list_text([paper]).splitlines()[0]
    assert listed == "1. Title with CRLF and CR and LF"
