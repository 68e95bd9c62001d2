"""`paperbot fetch` as a user runs it: a real process against a flaky loopback Hugging Face.

The process runs under libfaketime on Monday 2026-08-24 10:00 UTC (the latest closed day is
Sunday the 23rd); the fake serves real lists on the weekdays of the week before.
"""

from __future__ import annotations

import asyncio
import fcntl
import os
import pty
import socket
import struct
import sys
import termios
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from tests.e2e.run_support import bot_clock_env
from tests.fakes.feed_server import HF_PATH, FakeFeed, hf_fixture

NOW = datetime(2026, 8, 24, 10, 0, tzinfo=UTC)
WED, THU, FRI = date(2026, 8, 19), date(2026, 8, 20), date(2026, 8, 21)
TRUNCATED = b'[{"paper": {"id": "2608.19880", "tit'
WAIT_S = 60.0  # a bound on the subprocess, never a sleep


@dataclass(frozen=True, slots=True)
class Finished:
    returncode: int
    stdout: str
    stderr: str


@pytest.fixture
async def feed() -> AsyncIterator[FakeFeed]:
    async with FakeFeed(fixtures=False) as running:
        running.serve_day(WED, hf_fixture(date(2024, 6, 13)))
        running.serve_day(THU, hf_fixture(date(2026, 5, 12)))
        running.serve_day(FRI, hf_fixture(date(2026, 8, 21)))
        yield running


@pytest.fixture
def config(tmp_path: Path, feed: FakeFeed) -> Path:
    path = tmp_path / "paperbot.toml"
    # No retries: a failure is final at once, so the process never waits on a backoff.
    path.write_text(
        f"""
[bot]
database_url = "sqlite:///{tmp_path / "fetch.db"}"
[huggingface]
base_url = "{feed.url}"
retries = 0
""",
        encoding="utf-8",
    )
    return path


async def fetch(config: Path, *args: str) -> Finished:
    return await paperbot(config, "fetch", *args)


async def paperbot(config: Path, verb: str, *args: str) -> Finished:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOT_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--config", str(config), verb, *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env | bot_clock_env(NOW),
    )  # fmt: skip
    async with asyncio.timeout(WAIT_S):
        out, err = await process.communicate()
    assert process.returncode is not None
    return Finished(process.returncode, out.decode(), err.decode())


def pointed_at(config: Path, copy: Path, url: str, elsewhere: str) -> Path:
    """A copy of `config` with its Hugging Face at `elsewhere` and the default retries."""
    text = config.read_text(encoding="utf-8").replace(url, elsewhere)
    copy.write_text(text.replace("retries = 0", "retries = 4"), encoding="utf-8")
    return copy


def requested_days(feed: FakeFeed) -> list[str]:
    return sorted({r.query["date"] for r in feed.requests_to(HF_PATH)})


async def test_a_failing_day_is_named_at_the_end_and_a_rerun_fetches_only_it(
    feed: FakeFeed, config: Path
) -> None:
    feed.fail_next(1, status=200, body=TRUNCATED, day=THU)
    first = await fetch(config, "--since", "2026-08-17")
    assert first.returncode == 1
    assert "Traceback" not in first.stderr
    assert first.stdout.strip() == (
        "Fetched 38 papers over 6 days. 4 days had no list (weekends, holidays, or not listed yet)."
    )
    assert first.stderr.endswith(
        "Could not fetch 1 day; run the same command again to fetch only what is missing:\n"
        "  2026-08-20: huggingface 2026-08-20 page 0: response is not JSON after 1 attempt(s)\n"
    )
    assert "fetched 0 papers" not in first.stderr  # the empty days are in the summary only
    assert "fetched 21 papers listed on 2026-08-19" in first.stderr
    assert requested_days(feed) == [f"2026-08-{d}" for d in range(17, 24)]

    feed.requests.clear()
    again = await fetch(config, "--since", "2026-08-17")
    assert again.returncode == 0, again.stderr
    assert requested_days(feed) == ["2026-08-20"]
    assert again.stdout.strip() == (
        "Fetched 50 papers over 1 day. Skipped 6 days already fetched after they closed."
    )
    assert "Could not fetch" not in again.stderr


async def test_a_dead_host_stops_the_backfill_at_once_naming_it_and_the_days_left(
    feed: FakeFeed, config: Path, tmp_path: Path
) -> None:
    assert (await fetch(config, "--since", "2026-08-17", "--until", "2026-08-18")).returncode == 0
    with socket.socket() as probe:  # a port nobody listens on once the probe closes
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    # The default retries: each of them used to wait on the same refusal, every day.
    dead = pointed_at(config, tmp_path / "dead.toml", feed.url, f"http://127.0.0.1:{port}")
    done = await fetch(dead, "--since", "2026-08-10", "--until", "2026-08-23")
    assert done.returncode == 1
    assert "Traceback" not in done.stderr
    assert "retry" not in done.stderr  # not one wait on a host that refuses
    assert done.stdout.strip() == "Fetched 0 papers over 0 days. " + (
        "Skipped 2 days already fetched after they closed."
    )
    assert done.stderr.endswith(
        f"huggingface at 127.0.0.1:{port} is unreachable (connection refused): "
        "stopped at 2026-08-10.\n"
        "Not fetched, 12 days: 2026-08-10 to 2026-08-16, 2026-08-19 to 2026-08-23; "
        "run the same command again once it answers.\n"
    )


async def test_digest_on_a_dead_host_shows_the_newest_stored_list_and_says_so(
    feed: FakeFeed, config: Path, tmp_path: Path
) -> None:
    assert (await fetch(config, "--since", "2026-08-19", "--until", "2026-08-21")).returncode == 0
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    dead = pointed_at(config, tmp_path / "dead.toml", feed.url, f"http://127.0.0.1:{port}")
    done = await paperbot(dead, "digest")
    assert done.returncode == 0, done.stderr
    assert done.stdout.startswith("Trending papers for Friday 21 August 2026")
    assert done.stderr.strip() == (
        f"paperbot: huggingface at 127.0.0.1:{port} is unreachable (connection refused); "
        "the newest list stored follows"
    )
    dated = await paperbot(dead, "digest", "--date", "2026-08-18")  # not stored: the error
    assert dated.returncode == 1
    assert dated.stderr.startswith(f"paperbot: huggingface at 127.0.0.1:{port} is unreachable")


async def test_refetch_fetches_the_days_again(feed: FakeFeed, config: Path) -> None:
    assert (await fetch(config, "--since", "2026-08-19", "--until", "2026-08-21")).returncode == 0
    feed.requests.clear()
    again = await fetch(config, "--since", "2026-08-19", "--until", "2026-08-21", "--refetch")
    assert again.returncode == 0, again.stderr
    assert requested_days(feed) == ["2026-08-19", "2026-08-20", "2026-08-21"]


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (("--since", "2026-08-25"), "--since 2026-08-25 is in the future (today is 2026-08-24"),
        (("--since", "2026-08-19", "--until", "2026-09-01"), "--until 2026-09-01 is in the future"),
        (("--since", "2026-08-21", "--until", "2026-08-19"), "is after --until 2026-08-19"),
        (("--since", "2026-08-24"), "--since 2026-08-24 is after --until 2026-08-23"),
    ],
)
async def test_a_reversed_or_future_range_is_a_usage_error(
    feed: FakeFeed, config: Path, args: tuple[str, ...], message: str
) -> None:
    result = await fetch(config, *args)
    assert result.returncode == 2
    assert result.stderr.startswith("paperbot: ")
    assert message in result.stderr
    assert "Traceback" not in result.stderr
    assert feed.requests == []


async def test_the_help_says_what_a_rerun_does(config: Path) -> None:
    result = await fetch(config, "--help")
    assert result.returncode == 0
    assert "fetches only what is missing" in " ".join(result.stdout.split())


async def test_on_a_terminal_log_lines_print_above_the_bar_not_across_it(
    feed: FakeFeed, config: Path
) -> None:
    feed.fail_next(1, status=500, day=THU)
    terminal = await fetch_on_a_terminal(config, "--since", "2026-08-19", "--until", "2026-08-21")
    assert "%|" in terminal  # the bar was shown
    logged = [line for line in terminal.split("\n") if "fetched 21 papers" in line]
    assert len(logged) == 1
    # tqdm.write clears the bar's line ("\r   \r") before the log line; without it the
    # log line is glued to the end of the bar.
    assert logged[0].rsplit("\r", 1)[-1].startswith("2026-08-24 ")
    assert "2026-08-20: huggingface: HTTP 500 after 1 attempt(s)" in terminal


async def fetch_on_a_terminal(config: Path, *args: str) -> str:
    """Run `fetch` with stderr on a pseudo-terminal (so tqdm draws its bar); stderr's text."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOT_")}
    controller, terminal = pty.openpty()
    # A new pseudo-terminal is 0 columns wide, which tqdm draws as an empty bar.
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 120, 0, 0))
    try:
        process = await asyncio.create_subprocess_exec(
            sys.executable, "-m", "bot", "--config", str(config), "fetch", *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.DEVNULL,
            stderr=terminal,
            env=env | bot_clock_env(NOW),
        )  # fmt: skip
        os.close(terminal)
        async with asyncio.timeout(WAIT_S):
            text = await asyncio.to_thread(_read_all, controller)
            await process.wait()
    finally:
        os.close(controller)
    return text.replace("\r\n", "\n")  # the terminal turns "\n" into "\r\n"


def _read_all(fd: int) -> str:
    chunks: list[bytes] = []
    while True:
        try:
            chunk = os.read(fd, 65536)
        except OSError:  # EIO: the process closed the terminal
            break
        if not chunk:
            break
        chunks.append(chunk)
    return b"".join(chunks).decode(errors="replace")
