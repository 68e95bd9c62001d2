"""`paperbot run` at start, as real processes on a real SQLite file: a damaged file refuses
to start in one line, and a second `run` on the same file refuses while one-shot commands
still work beside the running bot."""

from __future__ import annotations

import asyncio
import os
import signal
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

from adapters.console.platform import BANNER
from tests.contract.test_sqlite_integrity import assert_one_recovery_line, make_damaged_db
from tests.e2e.run_support import WAIT_S

pytestmark = pytest.mark.slow


def _env() -> dict[str, str]:
    return {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOT_")}


def _argv(db: Path, *args: str) -> list[str]:
    return [sys.executable, "-m", "bot", "--db", f"sqlite:///{db}", "--source", "sample", *args]


async def start_run(db: Path) -> Any:
    """`paperbot run --console` on the offline sample, its stdin left open."""
    return await asyncio.create_subprocess_exec(
        *_argv(db, "run", "--console"),
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=_env(),
    )


async def serving(bot: Any) -> None:
    """Wait until the console has printed its banner: the run holds its lock by then."""
    async with asyncio.timeout(WAIT_S):
        assert (await bot.stdout.readline()).decode().strip() == BANNER


def one_shot(db: Path, *args: str) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        _argv(db, *args), capture_output=True, text=True, env=_env(), timeout=WAIT_S, check=False
    )


def one_line(stderr: str) -> str:
    assert "Traceback" not in stderr, stderr
    lines = [line for line in stderr.splitlines() if line.startswith("paperbot:")]
    assert len(lines) == 1, stderr
    return lines[0]


async def test_run_refuses_a_damaged_database_in_one_line(tmp_path: Path) -> None:
    db = await make_damaged_db(tmp_path / "paperbot.db")
    result = await asyncio.to_thread(one_shot, db, "run", "--console")
    assert result.returncode == 1
    assert BANNER not in result.stdout  # refused before it served anyone
    assert_one_recovery_line(one_line(result.stderr), db)


async def test_a_second_run_on_one_sqlite_file_refuses_and_one_shots_work_beside(
    tmp_path: Path,
) -> None:
    db = tmp_path / "paperbot.db"
    first = await start_run(db)
    try:
        await serving(first)
        second = await asyncio.to_thread(one_shot, db, "run", "--console")
        assert second.returncode == 2  # a config matter: supervisors do not restart it
        line = one_line(second.stderr)
        assert str(db) in line
        assert "PostgreSQL" in line
        assert f"pid {first.pid}" in line
        beside = await asyncio.to_thread(one_shot, db, "search", "agents")
        assert beside.returncode == 0, beside.stderr
        assert "EnvHarness" in beside.stdout
    finally:
        async with asyncio.timeout(WAIT_S):
            await first.communicate(b"quit\n")
    assert first.returncode == 0


async def test_a_killed_run_leaves_no_lock_behind(tmp_path: Path) -> None:
    db = tmp_path / "paperbot.db"
    crashed = await start_run(db)
    await serving(crashed)
    crashed.send_signal(signal.SIGKILL)
    async with asyncio.timeout(WAIT_S):
        await crashed.wait()
    again = await start_run(db)
    await serving(again)  # the kernel released the crashed process's lock
    async with asyncio.timeout(WAIT_S):
        await again.communicate(b"quit\n")
    assert again.returncode == 0
