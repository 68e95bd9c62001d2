"""The CLI as a newcomer runs it: a real subprocess, offline, on a fresh SQLite file."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest


def _paperbot(tmp_path: Path, *args: str) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOT_")}
    return subprocess.run(
        [sys.executable, "-m", "bot", "--db", f"sqlite:///{tmp_path / 'cli.db'}", *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,  # no paperbot.toml here: embedded defaults
        env=env,
        timeout=120,
        check=False,
    )


def test_digest_from_the_shipped_sample_prints_the_days_top_papers(tmp_path: Path) -> None:
    result = _paperbot(tmp_path, "--source", "sample", "digest")
    assert result.returncode == 0, result.stderr
    out = result.stdout
    assert "2026" in out
    assert "21" in out
    first, second = out.index("EnvHarness"), out.index("FACET")
    assert first < second  # ordered by upvotes: 163 before 54
    assert "https://arxiv.org/abs/2608.19880" in out


def test_digest_with_topics_says_why_each_paper_matched(tmp_path: Path) -> None:
    result = _paperbot(tmp_path, "--source", "sample", "digest", "--topics", "agents")
    assert result.returncode == 0, result.stderr
    assert "EnvHarness" in result.stdout
    assert "4DAnyone" not in result.stdout  # nothing about agents
    assert "agent" in result.stdout.lower()


def test_digest_for_a_day_the_sample_lacks_says_so(tmp_path: Path) -> None:
    """Not "no papers were listed that day": the sample does not hold the day."""
    result = _paperbot(tmp_path, "--source", "sample", "digest", "--date", "2026-08-20")
    assert result.returncode == 2, result.stderr
    assert result.stdout == ""
    assert result.stderr == (
        "paperbot: 2026-08-20 is not in the offline sample; it holds the lists of 2024-06-13 "
        "and 2026-08-21.\n"
    )


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("digest", "--date", "yesterday"), "not a date"),
        (("show", "abc"), "not an arXiv id"),
        (("digest", "--topics", 'agents "unclosed'), "quote"),
        # A limit below 1 answered "No papers match 'agents'": wrong, as agents does match.
        (("search", "agents", "--limit", "0"), "not a whole number from 1"),
        (("search", "agents", "--limit", "-5"), "not a whole number from 1"),
    ],
)
def test_bad_input_is_one_short_line_and_a_nonzero_exit(
    tmp_path: Path, args: tuple[str, ...], message: str
) -> None:
    result = _paperbot(tmp_path, "--source", "sample", *args)
    assert result.returncode == 2
    assert message in result.stderr
    assert "Traceback" not in result.stderr


def test_search_and_show_work_offline_on_the_sample(tmp_path: Path) -> None:
    _paperbot(tmp_path, "--source", "sample", "digest")  # stores the sample day
    found = _paperbot(tmp_path, "--source", "sample", "search", "terminal", "task", "synthesis")
    assert found.returncode == 0, found.stderr
    assert "FACET" in found.stdout
    shown = _paperbot(tmp_path, "--source", "sample", "show", "https://arxiv.org/abs/2608.19880v2")
    assert shown.returncode == 0, shown.stderr
    assert "EnvHarness" in shown.stdout
    assert "Chengsong Huang" in shown.stdout


def test_a_broken_config_file_is_named_not_a_traceback(tmp_path: Path) -> None:
    (tmp_path / "paperbot.toml").write_text("[defaults]\ntimezone = 'Mars/Base'\n")
    result = _paperbot(tmp_path, "--source", "sample", "digest")
    assert result.returncode == 2
    assert "unknown time zone" in result.stderr
    assert "Traceback" not in result.stderr


def test_post_now_posts_a_channels_digest_once(tmp_path: Path) -> None:
    sample = ("--source", "sample")
    subscribed = subprocess.run(
        [sys.executable, "-m", "bot", "--db", f"sqlite:///{tmp_path / 'cli.db'}", *sample, "run",
         "--console"],
        input="/papers subscribe agents\nquit\n",
        capture_output=True, text=True, cwd=tmp_path, timeout=120, check=False,
    )  # fmt: skip
    assert subscribed.returncode == 0, subscribed.stderr
    first = _paperbot(tmp_path, *sample, "post-now", "--channel", "console::console")
    assert first.returncode == 0, first.stderr
    assert first.stdout.count("arxiv.org/abs/2608.19880") == 1  # printed by the console
    assert "2026-08-21: posted" in first.stdout
    again = _paperbot(tmp_path, *sample, "post-now", "--channel", "console::console")
    assert again.returncode == 0, again.stderr
    assert "EnvHarness" not in again.stdout  # that day's record exists: nothing posted twice
    assert "2026-08-21: posted" in again.stdout


def test_post_now_names_a_bad_or_unknown_channel(tmp_path: Path) -> None:
    bad = _paperbot(tmp_path, "--source", "sample", "post-now", "--channel", "nonsense")
    assert bad.returncode == 2
    assert "not a channel like slack:T123:C456" in bad.stderr
    off = _paperbot(tmp_path, "--source", "sample", "post-now", "--channel", "slack:T1:C1")
    assert off.returncode == 2
    assert "platform 'slack' is not enabled" in off.stderr


def test_the_readmes_first_command_runs_with_the_options_after_the_verb(tmp_path: Path) -> None:
    # README: `paperbot digest --source sample`; --config, --source and --db fit either side.
    result = _paperbot(tmp_path, "digest", "--source", "sample")
    assert result.returncode == 0, result.stderr
    assert "EnvHarness" in result.stdout


def test_a_reader_that_stops_early_gets_no_traceback(tmp_path: Path) -> None:
    # `paperbot digest | head -3`: the pipe closes before the digest is written out
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOT_")}
    command = [sys.executable, "-m", "bot", "--db", f"sqlite:///{tmp_path / 'cli.db'}"]
    with subprocess.Popen(
        [*command, "--source", "sample", "digest"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        cwd=tmp_path,
        env=env,
    ) as bot:
        assert bot.stdout is not None
        assert bot.stderr is not None
        bot.stdout.close()  # the reader is gone before the first line
        stderr = bot.stderr.read().decode()
        code = bot.wait(timeout=120)
    assert code == 1, stderr
    assert "Traceback" not in stderr, stderr
    assert "BrokenPipeError" not in stderr, stderr
