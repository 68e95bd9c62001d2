"""`paperbot run --console` as a real process: it stops at once on SIGTERM or Ctrl-C while
waiting for a line, ends cleanly at end of input, and a closed stdin or a full stdout gives
one line and no traceback.
"""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from pathlib import Path
from typing import Any

import pytest

from adapters.console.platform import BANNER
from tests.e2e.run_support import WAIT_S, bot_clock_env, without_faked_clock, write_config
from tests.fakes.feed_server import FakeFeed

pytestmark = pytest.mark.slow


async def start_console(config: Path, *, shell_redirect: str = "", **streams: Any) -> Any:
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOT_")}
    if shell_redirect:  # libfaketime's preload opens a file, which would take the closed fd 0
        env = without_faked_clock(env)
    else:
        env |= bot_clock_env()
    command = [sys.executable, "-m", "bot", "--config", str(config), "run", "--console"]
    options: dict[str, Any] = {
        "stdin": asyncio.subprocess.PIPE,
        "stdout": asyncio.subprocess.PIPE,
        "stderr": asyncio.subprocess.PIPE,
        "env": env,
    }
    options |= streams
    if shell_redirect:  # e.g. "<&-": start it with stdin closed
        command = ["sh", "-c", f'exec "$@" {shell_redirect}', "sh", *command]
    return await asyncio.create_subprocess_exec(*command, **options)


def no_traceback(stderr: str) -> None:
    assert "Traceback" not in stderr, stderr
    assert "Exception ignored" not in stderr, stderr


@pytest.mark.parametrize("sig", [signal.SIGTERM, signal.SIGINT])
async def test_a_signal_stops_the_console_at_once_while_it_waits_for_a_line(
    tmp_path: Path, feed: FakeFeed, sig: signal.Signals
) -> None:
    bot = await start_console(write_config(tmp_path, feed, ""))
    assert bot.stdout is not None
    async with asyncio.timeout(WAIT_S):
        assert (await bot.stdout.readline()).decode().strip() == BANNER
    bot.send_signal(sig)  # stdin stays open: nobody presses Enter
    async with asyncio.timeout(WAIT_S):
        _, stderr = await bot.communicate()
    assert bot.returncode == 0, stderr.decode()
    no_traceback(stderr.decode())


async def test_end_of_input_ends_the_run_cleanly(tmp_path: Path, feed: FakeFeed) -> None:
    bot = await start_console(write_config(tmp_path, feed, ""))
    async with asyncio.timeout(WAIT_S):
        stdout, stderr = await bot.communicate(b"/papers status\n")
    assert bot.returncode == 0, stderr.decode()
    assert "Latest complete day: 2026-08-21" in stdout.decode()
    no_traceback(stderr.decode())


async def test_a_full_stdout_gives_one_line(tmp_path: Path, feed: FakeFeed) -> None:
    with open("/dev/full", "wb") as full:  # noqa: ASYNC230 - opening a device, not reading
        bot = await start_console(write_config(tmp_path, feed, ""), stdout=full)
        async with asyncio.timeout(WAIT_S):
            _, stderr = await bot.communicate(b"/papers help\n")
    log = stderr.decode()
    assert bot.returncode == 1, log
    assert log.count("paperbot: cannot write to the console: No space left on device") == 1, log
    no_traceback(log)


async def test_a_closed_stdin_gives_one_line(tmp_path: Path, feed: FakeFeed) -> None:
    bot = await start_console(write_config(tmp_path, feed, ""), shell_redirect="<&-")
    async with asyncio.timeout(WAIT_S):
        _, stderr = await bot.communicate()
    log = stderr.decode()
    assert bot.returncode == 1, log
    assert log.count("paperbot: cannot read the console input") == 1, log
    no_traceback(log)


async def test_votes_saves_and_top_can_be_tried_on_the_console(
    tmp_path: Path, feed: FakeFeed
) -> None:
    bot = await start_console(write_config(tmp_path, feed, ""))
    lines = ["/papers subscribe", "/papers today", "vote 1", "save 2", "/papers top", "quit"]
    async with asyncio.timeout(WAIT_S):
        stdout, stderr = await bot.communicate(("\n".join(lines) + "\n").encode())
    assert bot.returncode == 0, stderr.decode()
    out = stdout.decode()
    assert "👍 1 for 2608.19880 in this channel now." in out
    assert "Saved “FACET:" in out
    assert "This channel's most-voted papers of the last 7 days:" in out
    assert "[👍 vote <n> · 🔖 Save: save <n>]  1. 👍 1" in out  # under `top`'s list
    no_traceback(stderr.decode())
