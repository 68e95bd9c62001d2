"""The CLI where trust is won or lost: exit codes, days not closed yet, a locked database,
no network. Real processes on real SQLite files; the live source is a loopback fake."""

from __future__ import annotations

import asyncio
import logging
import os
import socket
import sqlite3
import subprocess
import sys
from collections.abc import Iterator
from pathlib import Path

import pytest

from bot.__main__ import main
from bot.digest.topics import parse_topics
from bot.records.models import ChannelRef, ChannelSettings, Subscription
from bot.storage.sqlite.store import SqliteStore
from tests.e2e.run_support import WAIT_S, start_paperbot
from tests.fakes.feed_server import FakeFeed

CONSOLE = ChannelRef.parse("console::console")
SAMPLE = ("--source", "sample")


def _paperbot(db: Path, *args: str, stdin: str | None = None) -> subprocess.CompletedProcess[str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOT_")}
    return subprocess.run(
        [sys.executable, "-m", "bot", "--db", f"sqlite:///{db}", *args],
        input=stdin,
        capture_output=True,
        text=True,
        cwd=db.parent,  # no paperbot.toml here: embedded defaults
        env=env,
        timeout=120,
        check=False,
    )


async def _subscribe(db: Path, topics: str = "", paused_reason: str | None = None) -> None:
    store = await SqliteStore.open(db)
    try:
        subscription = Subscription(
            CONSOLE, parse_topics(topics), ChannelSettings(), paused_reason=paused_reason
        )
        await store.save_subscription(subscription)
    finally:
        await store.close()


# -- post-now ------------------------------------------------------------------------------


async def test_post_now_on_a_paused_channel_exits_nonzero_and_says_why(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    await _subscribe(db, paused_reason="not_in_channel")
    result = _paperbot(db, *SAMPLE, "post-now", "--channel", "console::console")
    assert result.returncode == 1
    assert "paused: not_in_channel" in result.stderr
    assert "EnvHarness" not in result.stdout


async def test_post_now_whose_post_failed_exits_nonzero(tmp_path: Path, feed: FakeFeed) -> None:
    db = tmp_path / "run.db"
    config = tmp_path / "paperbot.toml"
    config.write_text(
        f'[bot]\ndatabase_url = "sqlite:///{db}"\n'
        f'[huggingface]\nbase_url = "{feed.url}"\nretries = 0\n',
        encoding="utf-8",
    )
    await _subscribe(db)
    feed.fail_next(5, status=503)  # the day's list cannot be fetched: a retryable failure
    process = await start_paperbot(config, {}, "post-now", "--channel", "console::console")
    async with asyncio.timeout(WAIT_S):
        out, err = await process.communicate()
    assert process.returncode == 1, err.decode()
    assert "2026-08-21: failed 1x, retrying" in err.decode()
    assert b"EnvHarness" not in out


async def test_post_now_evaluates_an_empty_day_again_but_never_reposts(tmp_path: Path) -> None:
    db = tmp_path / "cli.db"
    await _subscribe(db, topics="zebrafish")
    post_now = (*SAMPLE, "post-now", "--channel", "console::console")
    empty = _paperbot(db, *post_now)
    assert empty.returncode == 0, empty.stderr
    assert "2026-08-21: nothing posted (None of the 17 papers matched" in empty.stdout
    await _subscribe(db, topics="agents")  # the topics changed: the same day now has papers
    posted = _paperbot(db, *post_now)
    assert posted.returncode == 0, posted.stderr
    assert posted.stdout.count("arxiv.org/abs/2608.19880") == 1  # EnvHarness, by the console
    assert "2026-08-21: posted" in posted.stdout
    again = _paperbot(db, *post_now)
    assert again.returncode == 0, again.stderr
    assert "EnvHarness" not in again.stdout  # exactly once: a posted record stays posted
    assert "2026-08-21: posted" in again.stdout


# -- digest --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("day", "says"),
    [
        ("2026-08-22", "The list for 2026-08-22 is not complete yet; the latest complete day"),
        ("2026-08-23", "2026-08-23 is in the future."),
    ],
)
def test_digest_of_an_open_day_answers_as_papers_today_does(
    tmp_path: Path, day: str, says: str
) -> None:
    db = tmp_path / "cli.db"
    digest = _paperbot(db, *SAMPLE, "digest", "--date", day)
    assert digest.returncode == 2
    assert digest.stdout == ""
    [line] = digest.stderr.splitlines()
    assert says in line
    console = _paperbot(db, *SAMPLE, "run", "--console", stdin=f"/papers today {day}\nquit\n")
    assert line.removeprefix("paperbot: ") in console.stdout  # the very same sentence


@pytest.mark.parametrize("form", [("--topics", "-agents"), ("--topics=-agents",)])
def test_topics_may_start_with_an_exclusion_in_either_form(
    tmp_path: Path, form: tuple[str, ...]
) -> None:
    result = _paperbot(tmp_path / "cli.db", *SAMPLE, "digest", *form)
    assert result.returncode == 0, result.stderr
    assert "Topics: -agents" in result.stdout
    assert "EnvHarness" not in result.stdout  # an agents paper, excluded
    assert "4DAnyone" in result.stdout


def test_topics_after_the_option_still_parse_the_rest(tmp_path: Path) -> None:
    args = ("digest", "--topics", "-agents video", "--source", "sample")
    result = _paperbot(tmp_path / "cli.db", *args)
    assert result.returncode == 0, result.stderr
    assert "4DAnyone" in result.stdout


# -- show ----------------------------------------------------------------------------------


def test_show_of_an_unknown_id_on_the_sample_does_not_blame_arxiv(tmp_path: Path) -> None:
    result = _paperbot(tmp_path / "cli.db", *SAMPLE, "show", "2608.99999")
    assert result.returncode == 1
    assert result.stderr.strip() == (
        "No paper 2608.99999 in the offline sample (arXiv was not asked)."
    )


# -- no network ----------------------------------------------------------------------------


def test_no_network_is_one_line_with_the_cause_and_the_offline_hint(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    # In-process, so the suite's guard answers every non-loopback look-up as a resolver
    # failure would (socket.gaierror): nothing leaves the machine, not even a DNS query.
    config = tmp_path / "paperbot.toml"
    config.write_text('[huggingface]\nbase_url = "http://papers.invalid"\n', encoding="utf-8")
    args = ["--config", str(config), "--db", f"sqlite:///{tmp_path / 'cli.db'}", "digest"]
    with caplog.at_level(logging.WARNING):
        code = main([*args, "--date", "2024-06-13"])
    assert code == 1
    [line] = capsys.readouterr().err.splitlines()
    assert "huggingface at papers.invalid is unreachable (cannot resolve the host name)" in line
    assert "`--source sample` works offline" in line
    assert not [r for r in caplog.records if "retry" in r.getMessage()]  # no retries at all


def test_a_host_that_refuses_is_one_line_at_once_naming_it(
    tmp_path: Path, capsys: pytest.CaptureFixture[str], caplog: pytest.LogCaptureFixture
) -> None:
    with socket.socket() as probe:  # a port nobody listens on once the probe closes
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    config = tmp_path / "paperbot.toml"
    config.write_text(f'[huggingface]\nbase_url = "http://127.0.0.1:{port}"\n', encoding="utf-8")
    args = ["--config", str(config), "--db", f"sqlite:///{tmp_path / 'cli.db'}", "digest"]
    with caplog.at_level(logging.WARNING):
        code = main([*args, "--date", "2024-06-13"])
    assert code == 1
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith(
        f"paperbot: huggingface at 127.0.0.1:{port} is unreachable (connection refused); "
    )
    # Each of the four retries used to wait on the same refusal: 12.5 s to say so.
    assert not [r for r in caplog.records if "retry" in r.getMessage()]


# -- a locked database ---------------------------------------------------------------------


@pytest.fixture
def writer_holding_the_lock(tmp_path: Path) -> Iterator[Path]:
    """A migrated database (WAL) whose write lock another connection holds throughout."""
    db = tmp_path / "cli.db"
    asyncio.run(_subscribe(db))
    holder = sqlite3.connect(db, isolation_level=None)
    holder.execute("BEGIN EXCLUSIVE")
    holder.execute("UPDATE subscriptions SET updated_at = updated_at")
    try:
        yield db
    finally:
        holder.execute("ROLLBACK")
        holder.close()


@pytest.mark.parametrize(
    ("args", "prints"),
    [
        (("digest",), "EnvHarness"),
        (("search", "terminal", "task", "synthesis"), "FACET"),
        (("show", "2608.19880"), "EnvHarness"),
    ],
)
def test_reading_commands_do_not_wait_for_a_writer(
    writer_holding_the_lock: Path, args: tuple[str, ...], prints: str
) -> None:
    result = _paperbot(writer_holding_the_lock, *SAMPLE, *args)
    assert result.returncode == 0, result.stderr
    assert prints in result.stdout
