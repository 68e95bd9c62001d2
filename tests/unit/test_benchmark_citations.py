"""Every section of docs/benchmarks.md that a comment in bot/ or adapters/ cites exists.

Comments give the reason for a choice and cite the figure behind it as
`(docs/benchmarks.md, "Section")` instead of quoting it; a renamed or dropped heading would
leave the citation pointing nowhere. A citation may wrap across comment or docstring lines,
and names a heading whole or its start (the date or issue after a comma, colon or bracket
may be left out: "Ten thousand channels" cites "Ten thousand channels: 429s retried ...").
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
BENCHMARKS = ROOT / "docs" / "benchmarks.md"
SOURCES = ("bot", "adapters")

_MENTION = "docs/benchmarks.md"
_CITATION = re.compile(r'docs/benchmarks\.md,\s*"([^"]+)"')
_COMMENT_START = re.compile(r"^[ \t]*#[ \t]?", re.MULTILINE)
_HEADING = re.compile(r"^#{1,6}[ \t]+(.+?)[ \t]*#*[ \t]*$")


def citations(text: str) -> list[str]:
    """The sections `text` (Python source) cites, whitespace collapsed, in order."""
    flat = " ".join(_COMMENT_START.sub("", text).split())
    return [" ".join(section.split()) for section in _CITATION.findall(flat)]


def headings(markdown: str) -> list[str]:
    """The headings of `markdown`, outside fenced code blocks."""
    found: list[str] = []
    fenced = False
    for line in markdown.splitlines():
        if line.lstrip().startswith(("```", "~~~")):
            fenced = not fenced
            continue
        match = None if fenced else _HEADING.match(line)
        if match:
            found.append(" ".join(match.group(1).split()))
    return found


def names(section: str, heading: str) -> bool:
    """Whether a citation of `section` names `heading`: all of it, or its start up to a
    comma, colon or bracket."""
    if not heading.startswith(section):
        return False
    rest = heading[len(section) :]
    return rest == "" or rest.startswith((",", ":", " ("))


def _sources() -> list[Path]:
    return sorted(p for root in SOURCES for p in (ROOT / root).rglob("*.py"))


def _cited() -> list[tuple[str, str]]:
    return [
        (str(path.relative_to(ROOT)), section)
        for path in _sources()
        for section in citations(path.read_text(encoding="utf-8"))
    ]


def test_every_cited_section_is_a_heading_of_docs_benchmarks() -> None:
    cited = _cited()
    assert cited, "no citation of docs/benchmarks.md found: the pattern is out of date"
    present = headings(BENCHMARKS.read_text(encoding="utf-8"))
    missing = [
        f'{path}: "{section}"'
        for path, section in cited
        if not any(names(section, heading) for heading in present)
    ]
    assert not missing, "sections cited but not in docs/benchmarks.md:\n" + "\n".join(missing)


def test_every_mention_of_docs_benchmarks_names_a_section() -> None:
    unnamed = []
    for path in _sources():
        text = path.read_text(encoding="utf-8")
        mentions = " ".join(_COMMENT_START.sub("", text).split()).count(_MENTION)
        if mentions != len(citations(text)):
            unnamed.append(str(path.relative_to(ROOT)))
    assert not unnamed, f'cite as ({_MENTION}, "Section"): ' + ", ".join(unnamed)


def test_a_citation_wrapped_across_comment_lines_is_read_whole() -> None:
    text = '  # slow (docs/benchmarks.md, "Slash-command acks\n  # through the real adapters")\n'
    assert citations(text) == ["Slash-command acks through the real adapters"]
    docstring = '"""Slow (docs/benchmarks.md,\n    "PostgreSQL typo corrections")."""\n'
    assert citations(docstring) == ["PostgreSQL typo corrections"]


@pytest.mark.parametrize(
    ("section", "heading", "named"),
    [
        ("Search", "Search", True),
        ("Ten thousand channels", "Ten thousand channels: 429s retried (issue 13)", True),
        ("Fan-out", "Fan-out store hot spots and digest build (issue 13), 2026-11-28", False),
        ("Search", "Searching", False),
        ("Search", "Search kinds, `similar` and the p95 regression", False),
        ("Fan-out store hot spots", "Fan-out store hot spots (issue 13)", True),
        ("PostgreSQL search stages", "PostgreSQL typo corrections", False),
    ],
)
def test_a_citation_names_a_whole_heading_or_its_start(
    section: str, heading: str, named: bool
) -> None:
    assert names(section, heading) is named


def test_headings_in_fenced_code_are_not_sections() -> None:
    markdown = "# Benchmarks\n\n```\n# not a heading\n```\n\n## Search\n"
    assert headings(markdown) == ["Benchmarks", "Search"]
