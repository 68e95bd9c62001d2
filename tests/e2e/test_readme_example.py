"""The README's example digest is what its first command prints, line for line."""

from __future__ import annotations

import os
import re
import subprocess
import sys
from pathlib import Path

README = (Path(__file__).resolve().parents[2] / "README.md").read_text(encoding="utf-8")


def test_the_readme_example_is_the_sample_digest_as_printed(tmp_path: Path) -> None:
    [example] = re.findall(r"^```\n(Trending papers for .*?)^```", README, re.M | re.S)
    shown = example.rstrip("\n").splitlines()
    assert shown[-1].strip() == "…"  # the README cuts it short, and says so
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOT_")}
    done = subprocess.run(
        [sys.executable, "-m", "bot", "digest", "--source", "sample"],
        capture_output=True,
        text=True,
        cwd=tmp_path,
        env=env,
        timeout=120,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines()[: len(shown) - 1] == shown[:-1]
