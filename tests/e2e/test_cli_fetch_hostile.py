"""`paperbot fetch` against a hostile Hugging Face: one bad paper or one unreadable day costs
itself, never the run.

A real process under libfaketime (tests/e2e/test_cli_fetch.py says when), against the
loopback fake: Wednesday's list holds one paper with 10**30 upvotes (more than any store
column holds: it once failed the whole day's write with OverflowError and ended the run with a
traceback), Thursday's answer is JSON nested 200,000 deep (once a RecursionError and a
traceback). The README promises that failed days are named, the others go on, and the exit
status is 1.
"""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import pytest

from tests.e2e.test_cli_fetch import FRI, THU, WED, fetch, requested_days
from tests.fakes.feed_server import FakeFeed, hf_fixture

DEEP = b"[" * 200_000 + b"]" * 200_000


@pytest.fixture
async def feed() -> AsyncIterator[FakeFeed]:
    async with FakeFeed(fixtures=False) as running:
        wednesday = hf_fixture(date(2024, 6, 13))  # 21 papers
        wednesday[5]["paper"]["upvotes"] = 10**30
        running.serve_day(WED, wednesday)
        running.serve_day(THU, hf_fixture(date(2026, 5, 12)))
        running.serve_day(FRI, hf_fixture(date(2026, 8, 21)))  # 17 papers
        yield running


@pytest.fixture
def config(tmp_path: Path, feed: FakeFeed) -> Path:
    path = tmp_path / "paperbot.toml"
    # One retry: the unreadable answer is retried like any malformed one (one short backoff).
    path.write_text(
        f"""
[bot]
database_url = "sqlite:///{tmp_path / "fetch.db"}"
[huggingface]
base_url = "{feed.url}"
retries = 1
""",
        encoding="utf-8",
    )
    return path


async def test_a_bad_paper_is_left_out_and_an_unreadable_day_is_named(
    feed: FakeFeed, config: Path
) -> None:
    feed.fail_next(2, status=200, body=DEEP, day=THU)
    first = await fetch(config, "--since", "2026-08-19", "--until", "2026-08-21")
    assert first.returncode == 1, first.stderr
    assert "Traceback" not in first.stderr
    assert first.stdout.strip() == (
        "Fetched 37 papers over 2 days. Left out 1 unreadable item (the log names the days)."
    )
    assert "huggingface 2026-08-19: skipped 1 malformed item(s)" in first.stderr
    assert "fetched 20 papers listed on 2026-08-19" in first.stderr
    assert "fetched 17 papers listed on 2026-08-21" in first.stderr
    assert first.stderr.endswith(
        "Could not fetch 1 day; run the same command again to fetch only what is missing:\n"
        "  2026-08-20: huggingface 2026-08-20 page 0: response is JSON nested too deep to read"
        " after 2 attempt(s)\n"
    )
    assert len([r for r in feed.requests if r.query.get("date") == "2026-08-20"]) == 2

    feed.requests.clear()
    again = await fetch(config, "--since", "2026-08-19", "--until", "2026-08-21")
    assert again.returncode == 0, again.stderr
    assert requested_days(feed) == ["2026-08-20"]
    assert again.stdout.strip() == (
        "Fetched 50 papers over 1 day. Skipped 2 days already fetched after they closed."
    )
