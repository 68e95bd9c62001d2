"""The BibTeX export read back by a real BibTeX parser (pybtex), field by field: every paper
of the archive in one export, and the edges (escapes, odd names, twin keys) on their own.

The whole archive (9,577 papers) is read from the shared fixtures beside the repository
when they are there (a developer's machine, CI); the 155-paper slice in tests/fixtures
stands in where they are not, so the suite passes without them.
"""

from __future__ import annotations

import gzip
import json
import re
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from pybtex.database import BibliographyData, Person, parse_string

from bot.export.bibtex import bibtex_name, entry_keys, escape, render_bibtex
from bot.export.formats import ExportItem
from bot.records.models import Paper
from bot.sources.hf_parse import parse_daily_papers

ROOT = Path(__file__).resolve().parents[2]
ARCHIVE_NAME = "daily_papers_archive_2024-05-27_to_2026-08-21.json.gz"
SHARED = [ROOT.parent / "shared" / "fixtures" / "hf" / ARCHIVE_NAME]
SLICE = ROOT / "tests" / "fixtures" / "hf" / "daily_papers_archive_slice.json.gz"

# What each LaTeX escape means (LaTeX's own definitions), to read a field back as text.
_MEANING = {
    r"\textbackslash{}": "\\",
    r"\textasciitilde{}": "~",
    r"\textasciicircum{}": "^",
    r"\textbraceleft{}": "{",
    r"\textbraceright{}": "}",
}
_UNLATEX = re.compile("|".join(re.escape(m) for m in _MEANING) + r"|\\[&%$#_]")


def unlatex(text: str) -> str:
    return _UNLATEX.sub(lambda m: _MEANING.get(m.group(), m.group()[1:]), text)


def archive_papers() -> list[Paper]:
    path = next((p for p in SHARED if p.exists()), SLICE)
    days = json.loads(gzip.decompress(path.read_bytes()))["days"]
    papers: dict[str, Paper] = {}
    for day, items in sorted(days.items()):
        for paper in parse_daily_papers(items, date.fromisoformat(day))[0]:
            papers.setdefault(paper.arxiv_id, paper)
    return list(papers.values())


def read_back(person: Person) -> str:
    """A parsed author as the plain name it was: its parts in order, braces and escapes off."""
    parts = [
        *person.first_names,
        *person.middle_names,
        *person.prelast_names,
        *person.last_names,
        *person.lineage_names,
    ]
    text = " ".join(parts)
    if text.startswith("{") and text.endswith("}"):
        text = text[1:-1]
    return unlatex(text)


def assert_round_trip(papers: list[Paper], parsed: BibliographyData, keys: dict[str, str]) -> None:
    for paper in papers:
        fields = parsed.entries[keys[paper.arxiv_id]]
        assert fields.type == "misc"
        assert unlatex(fields.fields["title"]) == " ".join(paper.title.split()), paper.arxiv_id
        authors = [read_back(p) for p in fields.persons.get("author", [])]
        assert authors == [" ".join(a.split()) for a in paper.authors], paper.arxiv_id
        assert fields.fields["year"] == str(paper.published_at.year)
        assert unlatex(fields.fields["eprint"]) == paper.arxiv_id
        assert fields.fields["archivePrefix"] == "arXiv"
        assert fields.fields["url"] == f"https://arxiv.org/abs/{paper.arxiv_id}"


def test_every_paper_of_the_archive_reads_back_field_by_field() -> None:
    papers = archive_papers()
    # the whole shared archive (9,577 papers) where it sits beside the checkout, else the
    # committed slice (154 papers): either way, every paper of it
    assert len(papers) >= 154
    text = render_bibtex([ExportItem(p) for p in papers])
    parsed = parse_string(text, "bibtex")  # strict: a duplicate key or stray brace raises
    keys = entry_keys(papers)
    assert len(parsed.entries) == len(papers) == len(set(keys.values()))
    assert_round_trip(papers, parsed, keys)


def paper(arxiv_id: str, title: str, *authors: str, year: int = 2026) -> Paper:
    published = datetime(year, 8, 20, tzinfo=UTC)
    return Paper(arxiv_id, title, "An abstract.", tuple(authors), published)


HOSTILE = [
    paper("2608.00001", "100% of $x_i$ & {braces} ~ ^ \\ #1 — Ünïcode 中文", "Chengsong Huang"),
    paper("2608.00002", "Unbalanced } brace { and \\end{document}", "Plato"),
    paper("2608.00003", "Names", "Martin Luther King Jr.", "Ludwig van Beethoven", "Henry II"),
    paper("2608.00004", "Commas", "Smith, John", "Tom and Jerry", "Ana {María}", "A_B Ç~d"),
    paper("hep-th/9901001", "An old-style id", "José Ñúñez-García"),
]


def test_escapes_odd_names_and_old_ids_read_back() -> None:
    keys = entry_keys(HOSTILE)
    parsed = parse_string(render_bibtex([ExportItem(p) for p in HOSTILE]), "bibtex")
    assert_round_trip(HOSTILE, parsed, keys)


def test_names_are_in_bibtex_form() -> None:
    assert bibtex_name("Chengsong Huang") == "Huang, Chengsong"
    assert bibtex_name("Martin Luther King Jr.") == "King, Jr., Martin Luther"
    assert bibtex_name("Plato") == "{Plato}"
    assert bibtex_name("Tom and Jerry") == "{Tom and Jerry}"  # never split into two authors
    assert bibtex_name("Smith, John") == "{Smith, John}"


def test_special_characters_are_escaped_and_unicode_kept() -> None:
    assert escape("a & b % c $ d # e _ f") == r"a \& b \% c \$ d \# e \_ f"
    assert escape("{ g }") == r"\textbraceleft{} g \textbraceright{}"
    assert escape("~^\\") == r"\textasciitilde{}\textasciicircum{}\textbackslash{}"
    assert escape("Ünïcode —\n 中文") == "Ünïcode — 中文"


def test_keys_are_stable_unique_and_in_arxiv_form() -> None:
    twins = [
        paper("2608.00009", "Agents that plan", "Wei Zhang"),
        paper("2608.00003", "Agents all the way", "Wei Zhang"),
        paper("2608.00005", "The Agents", "Wéi Zhāng"),
        paper("2608.00007", "Other", "Wei Zhang", year=2025),
    ]
    keys = entry_keys(twins)
    assert keys == {
        "2608.00003": "zhang2026agentsa",
        "2608.00005": "zhang2026agentsb",  # "The" is skipped; accents folded
        "2608.00009": "zhang2026agentsc",
        "2608.00007": "zhang2025other",
    }
    assert entry_keys(list(reversed(twins))) == keys  # the saved order does not matter
    text = render_bibtex([ExportItem(p) for p in twins])
    assert text.startswith("@misc{zhang2026agentsc,\n      title={Agents that plan},")


@pytest.mark.parametrize(
    ("title", "authors", "key"),
    [
        ("中文标题", ("王伟",), "anon2026"),  # nothing ASCII to make a key from
        ("A", (), "anon2026a"),
    ],
)
def test_a_key_is_never_empty_of_its_year(title: str, authors: tuple[str, ...], key: str) -> None:
    assert entry_keys([paper("2608.00001", title, *authors)]) == {"2608.00001": key}


_TEXT = st.text(
    alphabet=st.characters(
        blacklist_categories=("Cc", "Cs", "Co", "Cn", "Zl", "Zp"),
        whitelist_characters="&%$#_{}~^\\ ",
    ),
    min_size=1,
    max_size=40,
).filter(lambda text: text.strip() != "")


@settings(max_examples=60)
@given(title=_TEXT, authors=st.lists(_TEXT, min_size=1, max_size=4))
def test_any_title_and_names_read_back(title: str, authors: list[str]) -> None:
    """Whatever a title or a name holds, pybtex reads back the same text."""
    papers = [paper("2608.00001", title, *authors), paper("2608.00002", title, *authors)]
    parsed = parse_string(render_bibtex([ExportItem(p) for p in papers]), "bibtex")
    assert_round_trip(papers, parsed, entry_keys(papers))
