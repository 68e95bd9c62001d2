"""The reading commands keep nothing: run in a fresh folder, they leave it as they found it."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

READING = [
    ("digest",),
    ("digest", "--format", "slack"),
    ("search", "agents"),
    ("show", "2608.19880"),
]


def _paperbot(cwd: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOT_")}
    return subprocess.run(
        [sys.executable, "-m", "bot", "--source", "sample", *args],
        capture_output=True,
        text=True,
        cwd=cwd,  # no paperbot.toml here: the default database is ./paperbot.db
        env=env,
        timeout=120,
        check=False,
    )


@pytest.mark.parametrize("args", READING, ids=" ".join)
def test_a_reading_command_creates_no_database_file(tmp_path: Path, args: tuple[str, ...]) -> None:
    result = _paperbot(tmp_path, *args)
    assert result.returncode == 0, result.stderr
    assert "2608.19880" in result.stdout  # it did read: the sample's top paper
    assert sorted(p.name for p in tmp_path.iterdir()) == []


def test_a_reading_command_named_a_missing_file_leaves_it_missing(tmp_path: Path) -> None:
    db = tmp_path / "state" / "paperbot.db"
    db.parent.mkdir()
    result = _paperbot(tmp_path, "--db", f"sqlite:///{db}", "digest")
    assert result.returncode == 0, result.stderr
    assert list(db.parent.iterdir()) == []


def test_fetch_still_creates_the_file_the_reading_commands_then_read(tmp_path: Path) -> None:
    fetched = _paperbot(tmp_path, "fetch", "--since", "2026-08-21", "--until", "2026-08-21")
    assert fetched.returncode == 0, fetched.stderr
    assert (tmp_path / "paperbot.db").is_file()
    found = _paperbot(tmp_path, "search", "EnvHarness")
    assert found.returncode == 0, found.stderr
    assert "2608.19880" in found.stdout
