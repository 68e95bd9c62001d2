"""The README promises what the code does: its first screen and its command table."""

from __future__ import annotations

from pathlib import Path

from bot.commands.verbs import VERBS

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_the_first_screen_has_the_install_and_run_and_the_test_commands() -> None:
    first_screen = "\n".join(README.splitlines()[:15])
    assert "pip install -e . && .venv/bin/paperbot digest --source sample" in first_screen
    assert "python -m pytest" in first_screen


def test_every_verb_is_in_the_command_table() -> None:
    for verb in VERBS:
        assert f"| `/papers {verb}" in README, verb
