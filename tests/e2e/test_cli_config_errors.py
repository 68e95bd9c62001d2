"""Config mistakes as a newcomer meets them, through the real CLI: every error names the
config file, lists all its problems at once, and never shows a password or a traceback."""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import pytest

SECRET_VARS = ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "SLACK_SIGNING_SECRET", "DISCORD_BOT_TOKEN")


def _paperbot(
    tmp_path: Path, config: str, *args: str, env: dict[str, str] | None = None
) -> subprocess.CompletedProcess[str]:
    path = tmp_path / "paperbot.toml"
    path.write_text(config, encoding="utf-8")
    clean = {
        k: v
        for k, v in os.environ.items()
        if not k.startswith("PAPERBOT_") and k not in SECRET_VARS
    }
    return subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(path), *args],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=clean | (env or {}),
        timeout=120,
        check=False,
    )


def _no_traceback(stderr: str) -> None:
    assert "Traceback" not in stderr, stderr


def test_both_platforms_without_tokens_name_the_file_and_every_variable(
    tmp_path: Path,
) -> None:
    result = _paperbot(tmp_path, "[slack]\nenabled = true\n[discord]\nenabled = true\n", "run")
    assert result.returncode == 2
    _no_traceback(result.stderr)
    lines = result.stderr.splitlines()
    assert lines[0] == f"paperbot: config {tmp_path / 'paperbot.toml'}: 3 problems:"
    for var in ("SLACK_BOT_TOKEN", "SLACK_APP_TOKEN", "DISCORD_BOT_TOKEN"):
        assert sum(var in line for line in lines[1:]) == 1, result.stderr


def test_swapped_slack_tokens_are_caught_at_start_with_the_fix(tmp_path: Path) -> None:
    env = {"SLACK_BOT_TOKEN": "xapp-1-A-2-s3cretapp", "SLACK_APP_TOKEN": "xoxb-1-s3cretbot"}
    result = _paperbot(tmp_path, "[slack]\nenabled = true\n", "run", env=env)
    assert result.returncode == 2
    _no_traceback(result.stderr)
    assert result.stderr.startswith(f"paperbot: config {tmp_path / 'paperbot.toml'}: [slack]")
    assert "swapped" in result.stderr
    assert "exchange their values" in result.stderr
    assert "s3cret" not in result.stderr


@pytest.mark.parametrize(
    "url",
    [
        "postgres://u:PW@[::1",  # an unclosed IPv6 bracket: a ValueError traceback before
        "postgresql://u:P/W@db/pb",  # a '/' in the password: asyncpg quoted part of it
        "postgresql://u:PW@db:port/pb",
    ],
)
def test_a_malformed_postgres_url_ends_in_one_line_without_the_password(
    tmp_path: Path, url: str
) -> None:
    result = _paperbot(tmp_path, f'[bot]\ndatabase_url = "{url}"\n', "--source", "sample", "run")
    assert result.returncode == 2
    _no_traceback(result.stderr)
    assert len(result.stderr.strip().splitlines()) == 1, result.stderr
    assert result.stderr.startswith(f"paperbot: config {tmp_path / 'paperbot.toml'}: ")
    assert "database_url" in result.stderr
    assert "PW" not in result.stderr
    assert "P/W" not in result.stderr


def test_an_sslpassword_stays_out_of_the_error(tmp_path: Path) -> None:
    url = "postgresql://u@127.0.0.1:1/pb?sslmode=bogus&sslpassword=k3yp4ss"
    result = _paperbot(tmp_path, f'[bot]\ndatabase_url = "{url}"\n', "--source", "sample", "run")
    assert result.returncode != 0
    _no_traceback(result.stderr)
    assert "sslpassword=***" in result.stderr
    assert "k3yp4ss" not in result.stderr


def test_a_config_file_that_cannot_be_read_is_named(tmp_path: Path) -> None:
    missing = tmp_path / "nowhere.toml"
    result = subprocess.run(
        [sys.executable, "-m", "bot", "--config", str(missing), "digest"],
        capture_output=True,
        text=True,
        timeout=120,
        check=False,
    )
    assert result.returncode == 2
    assert (
        result.stderr.strip()
        == f"paperbot: config {missing}: cannot read it: No such file or directory"
    )
