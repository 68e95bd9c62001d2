"""Run the test suite with the wall clock faked to the instants where time-dependent code
breaks: a weekend at year end and two DST-change nights (`make faketime`, run by CI).

No test may depend on the wall-clock date, weekday, hour or zone; this proves it. The
process and its children run under libfaketime (LD_PRELOAD), with the clock starting at
each instant and ticking from there; monotonic time is left alone, so asyncio timeouts
keep their real length. Extra arguments go to pytest (e.g. a test path).

    .venv/bin/python -m tests.faketime_suite [pytest args]
"""

from __future__ import annotations

import os
import subprocess
import sys
from dataclasses import dataclass

import libfaketime


@dataclass(frozen=True)
class Instant:
    why: str
    local: str  # when the wall clock starts, in `zone`
    zone: str


# The failover test's workers run on a fast clock of their own, built on the monotonic clock
# (which libfaketime leaves alone), so the wall clock cannot reach them; three more runs of
# its three-process fan-out would only add minutes and load-dependent timing to CI. The soak
# sets its bot's wall clock itself (its own FAKETIME, from a simulated start): the same holds.
NOT_WALL_CLOCK = ("--ignore=tests/e2e/test_failover.py", "--ignore=tests/e2e/test_soak.py")

INSTANTS = (
    Instant("a Sunday night at year end", "2028-12-31 23:58:00", "UTC"),
    Instant("Paris springs forward (02:00 is skipped)", "2027-03-28 01:58:00", "Europe/Paris"),
    Instant("New York falls back (01:00 comes twice)", "2026-11-01 01:58:00", "America/New_York"),
)


def faked_env(instant: Instant) -> dict[str, str]:
    _, preload = libfaketime.get_reload_information()
    return {**os.environ, **preload, "FAKETIME": f"@{instant.local}", "TZ": instant.zone}


def wall_clock_under(env: dict[str, str]) -> str:
    """What a child process sees as now: proof the fake is in effect."""
    probe = "import datetime; print(datetime.datetime.now().astimezone().isoformat())"
    done = subprocess.run(
        [sys.executable, "-c", probe], env=env, capture_output=True, text=True, check=True
    )
    return done.stdout.strip()


def main(pytest_args: list[str]) -> int:
    for instant in INSTANTS:
        env = faked_env(instant)
        seen = wall_clock_under(env)
        if not seen.startswith(instant.local[:16].replace(" ", "T")):
            print(f"faketime is not in effect: wanted {instant.local}, saw {seen}")
            return 2
        print(f"== {instant.why}: the wall clock reads {seen}", flush=True)
        command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider"]
        command += [*NOT_WALL_CLOCK, *pytest_args]
        code = subprocess.run(command, env=env, check=False).returncode
        if code != 0:
            print(f"== the suite failed at {instant.local} {instant.zone} (exit {code})")
            return code
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
