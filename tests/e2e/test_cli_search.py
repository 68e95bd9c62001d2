"""`paperbot search` and `show` read their input as `/papers` does: a real subprocess,
offline (the shipped sample), on a fresh SQLite file."""

from __future__ import annotations

from pathlib import Path

import pytest

from tests.e2e.test_cli import _paperbot


@pytest.mark.parametrize(
    "query", [("--", "-agents"), ("--", '-"world model"'), ("--", "-agents", "-world")]
)
def test_a_search_of_only_exclusions_is_refused(tmp_path: Path, query: tuple[str, ...]) -> None:
    # It listed exactly the papers about agents: the sample matched "-agents" as "agents".
    result = _paperbot(tmp_path, "--source", "sample", "search", *query)
    assert result.returncode == 2
    assert "add a word to search for" in result.stderr
    assert "Traceback" not in result.stderr
    assert result.stdout == ""


def test_a_search_for_an_id_or_url_answers_as_show_does(tmp_path: Path) -> None:
    shown = _paperbot(tmp_path, "--source", "sample", "show", "2608.19880")
    assert shown.returncode == 0, shown.stderr
    for given in ("2608.19880", "arxiv.org/pdf/2608.19880.pdf"):
        searched = _paperbot(tmp_path, "--source", "sample", "search", given)
        assert searched.returncode == 0, searched.stderr
        assert searched.stdout == shown.stdout
    bare_url = _paperbot(tmp_path, "--source", "sample", "show", "arxiv.org/pdf/2608.19880.pdf")
    assert bare_url.stdout == shown.stdout
