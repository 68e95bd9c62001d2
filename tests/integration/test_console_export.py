"""`/papers saved export` and `top ... export` on the console, through the same command
chain as the chat platforms (bot/app/bootstrap.py), on the shipped sample and a real SQLite
file: the file is written to the working directory, the answer names it, and it reads back.
"""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from pybtex.database import parse_string

from adapters.console import ConsolePlatform
from adapters.console.files import write_attachment
from bot.app.bootstrap import App, build_app, make_platforms
from bot.config.load import Config
from bot.records.chat import Attachment

FIRST, SECOND = "2608.19880", "2608.18580"  # the sample's newest day, papers 1 and 2
WRITTEN = re.compile(r"Written to (\S+) \(")


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    config = Config(database_url=f"sqlite:///{tmp_path / 'console.db'}", source="sample")
    built = await build_app(config)  # the sample's own frozen clock
    try:
        yield built
    finally:
        await built.aclose()


async def session(app: App, *lines: str) -> str:
    out = io.StringIO()
    made = make_platforms(app, console_out=out, console_in=io.StringIO("\n".join(lines) + "\n"))
    platform = made["console"]
    assert isinstance(platform, ConsolePlatform)
    await platform.start(app.handle)
    return out.getvalue()


async def test_saved_export_is_written_to_a_file_the_answer_names(
    app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    printed = await session(
        app,
        "/papers saved export bibtex",  # nothing saved yet: no file
        "/papers today",
        "save 1",
        "save 2",
        "/papers saved export bibtex",
        "/papers saved export bibtex",  # again: a second file, the first one kept
        "/papers saved export csv",
        "/papers saved export pdf",
    )
    assert "You have no saved papers to export." in printed
    paths = [Path(p) for p in WRITTEN.findall(printed)]
    day = paths[0].name.removeprefix("paperbot-saved-").removesuffix(".bib")
    assert [p.name for p in paths] == [
        f"paperbot-saved-{day}.bib",
        f"paperbot-saved-{day}-2.bib",
        f"paperbot-saved-{day}.csv",
    ]
    assert all(p.parent == tmp_path for p in paths)
    assert "Your 2 papers saved, as BibTeX: " in printed
    parsed = parse_string(paths[0].read_text(encoding="utf-8"), "bibtex")
    assert sorted(e.fields["eprint"] for e in parsed.entries.values()) == [SECOND, FIRST]
    assert paths[0].read_bytes() == paths[1].read_bytes()
    rows = list(csv.reader(io.StringIO(paths[2].read_text(encoding="utf-8-sig"))))
    assert [r[0] for r in rows] == ["arxiv_id", SECOND, FIRST]  # the latest saved first
    assert "Unknown format `pdf`: bibtex, markdown or csv." in printed


async def test_top_export_in_markdown_lists_the_voted_papers(
    app: App, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.chdir(tmp_path)
    printed = await session(
        app,
        "/papers top week export markdown",
        "/papers subscribe",
        "/papers today",
        "vote 2",
        "/papers top week export md",
    )
    assert "No votes in this channel of the last 7 days: nothing to export." in printed
    (path,) = (Path(p) for p in WRITTEN.findall(printed))
    assert path.name.startswith("paperbot-top-week-")
    assert path.suffix == ".md"
    lines = path.read_text(encoding="utf-8").splitlines()
    assert lines[0] == "# Most-voted papers of the last 7 days"
    assert lines[2].startswith("- [")
    assert f"](https://arxiv.org/abs/{SECOND})" in lines[2]
    assert lines[2].endswith(" · 1 👍")


def test_a_file_that_cannot_be_written_is_said_in_one_line(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    missing = tmp_path / "gone"
    attachment = Attachment("../../paperbot-saved-2026-08-21.bib", b"@misc{x,}\n", "text/plain")
    line = write_attachment(attachment, missing)
    assert (
        line
        == f"Could not write paperbot-saved-2026-08-21.bib in {missing}: No such file or directory."
    )
    assert [r.levelname for r in caplog.records] == ["WARNING"]
    assert write_attachment(attachment, tmp_path).startswith(
        f"Written to {tmp_path / 'paperbot-saved-2026-08-21.bib'} ("
    )  # a name with a path in it lands in the folder asked, never above it
