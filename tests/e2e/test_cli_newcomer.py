"""The CLI as a newcomer tries it offline (issue 20), as real processes on the shipped sample:
repeated `--topics` add up, a preview that matches nothing says nothing would be posted,
`--settled` shows rises from the sample's later snapshot, and `run --console` keeps INFO
log lines out of the conversation."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest


def _paperbot(
    tmp_path: Path, *args: str, stdin: str | None = None
) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOT_")}
    return subprocess.run(
        [sys.executable, "-m", "bot", "--db", f"sqlite:///{tmp_path / 'cli.db'}", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=tmp_path,  # no paperbot.toml here: embedded defaults
        env=env,
        timeout=120,
        check=False,
    )


def test_repeated_topics_add_up(tmp_path: Path) -> None:
    result = _paperbot(
        tmp_path, "digest", "--source", "sample", "--topics", "agents", "--topics", "-survey"
    )
    assert result.returncode == 0, result.stderr
    assert "Topics: agents, -survey" in result.stdout


@pytest.mark.parametrize("platform", ["slack", "discord"])
def test_a_preview_matching_nothing_says_nothing_would_be_posted(
    tmp_path: Path, platform: str
) -> None:
    result = _paperbot(
        tmp_path, "digest", "--source", "sample", "--topics", "zzzz", "--format", platform
    )
    assert result.returncode == 0, result.stderr
    preview = json.loads(result.stdout)
    assert preview["messages"] == []
    said = "None of the 17 papers matched your topics: nothing would be posted"
    assert preview["nothing_would_be_posted"].startswith(said)
    assert said in result.stderr


def test_settled_on_the_sample_shows_rises_offline(tmp_path: Path) -> None:
    result = _paperbot(tmp_path, "digest", "--source", "sample", "--format", "slack", "--settled")
    assert result.returncode == 0, result.stderr
    assert "no rises" not in result.stderr
    assert "▲ +40 since posted" in result.stdout  # EnvHarness: 163 upvotes, 203 a day later


def test_settled_on_a_sample_day_without_a_later_snapshot_keeps_its_papers(
    tmp_path: Path,
) -> None:
    result = _paperbot(
        tmp_path,
        "digest",
        "--source",
        "sample",
        "--format",
        "slack",
        "--settled",
        "--date",
        "2024-06-13",
    )
    assert result.returncode == 0, result.stderr
    assert "no stored list for 2024-06-13" in result.stderr  # as before: no rises to show
    assert len(json.loads(result.stdout)["edits"]) >= 1


def test_the_console_shows_warnings_only_between_the_lines(tmp_path: Path) -> None:
    result = _paperbot(
        tmp_path, "run", "--console", "--source", "sample", stdin="/papers today\nquit\n"
    )
    assert result.returncode == 0, result.stderr
    assert "EnvHarness" in result.stdout
    assert " INFO " not in result.stderr, result.stderr  # `fetched 17 papers ...`, `stopping`
