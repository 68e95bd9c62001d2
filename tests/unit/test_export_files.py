"""The Markdown and CSV exports: Markdown a list of linked titles with authors and the date
saved; CSV read back by the csv module as a spreadsheet would, with no cell it would run."""

from __future__ import annotations

import csv
import io
from datetime import UTC, datetime

from bot.export.formats import ExportItem
from bot.export.markdown import render_markdown
from bot.export.spreadsheet import BOM, HEADER, render_csv
from bot.records.models import Paper

SAVED = datetime(2026, 8, 21, 23, 30, tzinfo=UTC)


def paper_item(title: str, *authors: str, **kwargs: object) -> ExportItem:
    published = datetime(2026, 8, 20, tzinfo=UTC)
    paper = Paper("2608.19880", title, "An abstract.", tuple(authors), published)
    return ExportItem(paper, **kwargs)  # type: ignore[arg-type]


def test_markdown_links_each_title_with_its_authors_and_date_saved() -> None:
    item = paper_item("EnvHarness: Awakening Static Worlds", "Chengsong Huang", "Zifeng Wang")
    text = render_markdown("My saved papers (1)", [ExportItem(item.paper, saved_at=SAVED)])
    assert text == (
        "# My saved papers (1)\n\n"
        "- [EnvHarness: Awakening Static Worlds](https://arxiv.org/abs/2608.19880)"
        " — Chengsong Huang, Zifeng Wang · saved 2026-08-21\n"
    )


def test_markdown_paper_text_cannot_make_links_or_markup() -> None:
    item = paper_item("[click](https://evil.example) *bold* <img>", "A_B")
    line = render_markdown("x", [ExportItem(item.paper, votes=3)]).splitlines()[2]
    assert line == (
        r"- [\[click\](https://evil.example) \*bold\* \<img\>](https://arxiv.org/abs/2608.19880)"
        r" — A\_B · 3 👍"
    )


def test_markdown_cuts_a_long_byline() -> None:
    authors = [f"Author {n}" for n in range(12)]
    line = render_markdown("x", [paper_item("T", *authors)]).splitlines()[2]
    assert line.endswith("Author 9 et al.")


def test_csv_has_a_bom_quotes_every_field_and_reads_back() -> None:
    item = paper_item('A "quoted", title\nover two lines', "Chengsong Huang", "Zifeng Wang")
    data = render_csv([ExportItem(item.paper, saved_at=SAVED)]).encode("utf-8")
    assert data.startswith(BOM.encode("utf-8"))
    text = data.decode("utf-8-sig")
    assert all(line.startswith('"') for line in text.splitlines())
    rows = list(csv.reader(io.StringIO(text)))
    assert rows[0] == list(HEADER)
    assert rows[1] == [
        "2608.19880",
        'A "quoted", title over two lines',
        "Chengsong Huang; Zifeng Wang",
        "2026-08-20",
        "https://arxiv.org/abs/2608.19880",
        "2026-08-21",
        "",
    ]


def test_csv_guards_every_cell_a_spreadsheet_would_run_as_a_formula() -> None:
    items = [
        paper_item('=HYPERLINK("https://evil.example","x")', "+1 Author"),
        paper_item("-2+3", "@SUM(A1)"),
        paper_item("\t=cmd", "Plain Name"),  # some spreadsheets skip a leading tab
    ]
    rows = list(csv.reader(io.StringIO(render_csv(items).removeprefix(BOM))))[1:]
    cells = [cell for row in rows for cell in row[1:3]]
    assert cells == [
        '\'=HYPERLINK("https://evil.example","x")',
        "'+1 Author",
        "'-2+3",
        "'@SUM(A1)",
        "'=cmd",  # the title's tab is whitespace made one space, then stripped: a formula
        "Plain Name",
    ]
