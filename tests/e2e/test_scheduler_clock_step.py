"""The scheduler follows the wall clock when it runs ahead of the monotonic clock.

APScheduler arms a monotonic timer from a wall-clock difference; a wall clock that steps
forward (found by the soak, bench/soak.py, whose bot runs on a fast wall clock) left a due
wake-up asleep for the whole old difference. The worker runs under libfaketime at 240
times real speed: its channel, due three wall-clock minutes ahead, is due after less than
one real second.
"""

from __future__ import annotations

import os
import subprocess
import sys
from pathlib import Path

import libfaketime
import pytest

from tests.e2e.run_support import without_faked_clock

pytestmark = pytest.mark.slow


def test_a_wake_up_made_due_by_a_fast_wall_clock_runs_at_once(tmp_path: Path) -> None:
    _, preload = libfaketime.get_reload_information()  # the monotonic clock stays real
    # 09:00 UTC on a Wednesday: the next three minutes never cross a day
    env = without_faked_clock(os.environ) | preload
    env |= {"FAKETIME": "@2031-05-14 09:00:00 x240", "TZ": "UTC"}
    done = subprocess.run(
        [sys.executable, "-m", "tests.e2e.clock_step_worker", str(tmp_path / "step.db")],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "posted", done.stderr
