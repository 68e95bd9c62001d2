"""How long `paperbot fetch` takes to fail on a dead host, before and after the breaker.

    .venv/bin/python bench/dead_host.py [--before main] [--since 2026-08-01]
        [--until 2026-08-08] [--out bench/results/dead_host.json]

`base_url` points at a loopback port nobody listens on (a socket bound, then closed: the
connection is refused at once, as with `http://127.0.0.1:9`), with the default retries and
timeouts. The same command runs as a real process, from a fresh SQLite file, over the same
range, first on the `--before` revision (exported with `git archive` into a temporary
directory, so no checkout is touched), then on this checkout, with the same interpreter.
Reported per revision: the wall time to exit, the exit status, and stderr's line count and
last lines (what a user reads).
"""

from __future__ import annotations

import argparse
import json
import os
import platform as host
import socket
import subprocess
import sys
import tarfile
import tempfile
import time
from io import BytesIO
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parents[1]


def refused_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port: int = probe.getsockname()[1]
    return port


def export(revision: str, into: Path) -> Path:
    """The tree of `revision` (bot/ and adapters/ are all a run needs), under `into`."""
    archive = subprocess.run(
        ["git", "-C", str(HERE), "archive", revision, "bot", "adapters"],
        check=True,
        capture_output=True,
    ).stdout
    with tarfile.open(fileobj=BytesIO(archive)) as tar:
        tar.extractall(into, filter="data")
    return into


def run_fetch(tree: Path, work: Path, since: str, until: str) -> dict[str, Any]:
    config = work / "paperbot.toml"
    config.write_text(
        f'[bot]\ndatabase_url = "sqlite:///{work / "fetch.db"}"\n'
        f'[huggingface]\nbase_url = "http://127.0.0.1:{refused_port()}"\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOT_")}
    env |= {"PYTHONPATH": str(tree), "PYTHONDONTWRITEBYTECODE": "1"}
    command = [sys.executable, "-m", "bot", "--config", str(config), "fetch"]
    started = time.monotonic()
    done = subprocess.run(
        [*command, "--since", since, "--until", until],
        cwd=tree,
        env=env,
        capture_output=True,
        text=True,
        stdin=subprocess.DEVNULL,
        check=False,
    )
    elapsed = time.monotonic() - started
    lines = done.stderr.splitlines()
    return {
        "seconds": round(elapsed, 2),
        "exit": done.returncode,
        "stderr_lines": len(lines),
        "stderr_last": lines[-3:],
        "stdout": done.stdout.strip(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--before", default="main")
    parser.add_argument("--since", default="2026-08-01")
    parser.add_argument("--until", default="2026-08-08")
    parser.add_argument("--out", type=Path, default=HERE / "bench/results/dead_host.json")
    args = parser.parse_args()
    results: dict[str, Any] = {
        "machine": f"{host.machine()}, {os.cpu_count()} CPUs, Python {host.python_version()}",
        "load_average": os.getloadavg(),
        "range": [args.since, args.until],
    }
    with tempfile.TemporaryDirectory() as tmp:
        before_tree = export(args.before, Path(tmp) / "before")
        for name, tree in ((f"before ({args.before})", before_tree), ("after", HERE)):
            work = Path(tmp) / name.split()[0]
            work.mkdir(exist_ok=True)
            results[name] = run_fetch(tree, work, args.since, args.until)
            figure = results[name]
            print(f"{name}: {figure['seconds']} s, exit {figure['exit']}, ", end="")
            print(f"{figure['stderr_lines']} stderr lines; last:")
            for line in figure["stderr_last"]:
                print(f"    {line}")
    results["load_average_after"] = os.getloadavg()
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(results, indent=2), encoding="utf-8")
    print(f"written to {args.out}")


if __name__ == "__main__":
    main()
