"""`paperbot digest --format slack|discord --settled`: a real process prints the payloads that
would settle a post, against a loopback Hugging Face whose list moved on since it was stored.

`paperbot fetch` stores Friday's real list; then the fake's list changes as Hugging Face's
does after the cut-off (the third paper gains 120 upvotes, a paper joins the list), and the
settled preview shows the edits in the posted order with the rise marked, and the late
addition as a reply in the digest's thread.
"""

from __future__ import annotations

import asyncio
import copy
import json
import os
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from tests.e2e.run_support import bot_clock_env
from tests.fakes.feed_server import FakeFeed, hf_fixture

NOW = datetime(2026, 8, 24, 10, 0, tzinfo=UTC)
FRI = date(2026, 8, 21)
RISER = "2608.20335"  # third on Friday's list with 38 upvotes
LATE = "2605.09063"  # from another day's list, joins Friday's after it was stored
WAIT_S = 60.0  # a bound on the subprocess, never a sleep


@pytest.fixture
async def feed() -> AsyncIterator[FakeFeed]:
    async with FakeFeed(fixtures=False) as running:
        running.serve_day(FRI, hf_fixture(FRI))
        yield running


@dataclass(frozen=True, slots=True)
class Finished:
    returncode: int
    stdout: str
    stderr: str


async def paperbot(tmp_path: Path, feed: FakeFeed, *args: str) -> Finished:
    """Run the CLI without blocking the loop that serves the fake feed."""
    config = tmp_path / "paperbot.toml"
    config.write_text(
        f'[bot]\ndatabase_url = "sqlite:///{tmp_path / "cli.db"}"\n'
        f'[huggingface]\nbase_url = "{feed.url}"\nretries = 0\n',
        encoding="utf-8",
    )
    env = {k: v for k, v in os.environ.items() if not k.startswith("PAPERBOT_")}
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "bot", "--config", str(config), *args,
        stdin=asyncio.subprocess.DEVNULL,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
        env=env | bot_clock_env(NOW),
    )  # fmt: skip
    async with asyncio.timeout(WAIT_S):
        out, err = await process.communicate()
    assert process.returncode is not None
    return Finished(process.returncode, out.decode(), err.decode())


def moved_on() -> list[dict[str, Any]]:
    items = copy.deepcopy(hf_fixture(FRI))
    for item in items:
        if item["paper"]["id"] == RISER:
            item["paper"]["upvotes"] += 120
    late = next(i for i in hf_fixture(date(2026, 5, 12)) if i["paper"]["id"] == LATE)
    return [*items, late]


async def settled(tmp_path: Path, feed: FakeFeed, platform: str) -> dict[str, Any]:
    args = ("digest", "--date", FRI.isoformat(), "--format", platform, "--settled")
    result = await paperbot(tmp_path, feed, *args)
    assert result.returncode == 0, result.stderr
    payload: dict[str, Any] = json.loads(result.stdout)
    return payload


async def test_the_settled_post_shows_the_rise_in_place_and_the_late_addition(
    tmp_path: Path, feed: FakeFeed
) -> None:
    stored = await paperbot(
        tmp_path, feed, "fetch", "--since", FRI.isoformat(), "--until", FRI.isoformat()
    )
    assert stored.returncode == 0, stored.stderr
    feed.serve_day(FRI, moved_on())

    slack = await settled(tmp_path, feed, "slack")
    assert slack["method"] == "chat.update"
    [edit] = slack["edits"]
    text = json.dumps(edit["body"]["blocks"], ensure_ascii=False)
    assert "▲ +120 since posted" in text
    assert text.index("EnvHarness") < text.index("4DAnyone") < text.index("SWE-bench Science")
    assert edit["body"]["ts"] == "<ts of posted message 1>"
    assert LATE not in text  # not in the post: it came after
    late = slack["late_additions"]["body"]
    assert late["thread_ts"] == edit["body"]["ts"]
    assert "Soohak" in json.dumps(late["blocks"], ensure_ascii=False)

    discord = await settled(tmp_path, feed, "discord")
    [message] = discord["edits"]
    titles = [e["title"] for e in message["embeds"]]
    assert titles[2].startswith("3. 4DAnyone")  # the posted order, not the new one
    assert "▲ +120 since posted" in titles[2]
    assert message["allowed_mentions"] == {"parse": []}
    assert "Soohak" in json.dumps(discord["late_additions"]["embeds"], ensure_ascii=False)


async def test_without_a_stored_list_it_says_so_and_shows_no_rise(
    tmp_path: Path, feed: FakeFeed
) -> None:
    args = ("digest", "--date", FRI.isoformat(), "--format", "slack", "--settled")
    result = await paperbot(tmp_path, feed, *args)
    assert result.returncode == 0, result.stderr
    assert "no stored list" in result.stderr
    payload = json.loads(result.stdout)
    assert "since posted" not in json.dumps(payload, ensure_ascii=False)
    assert payload["late_additions"] is None
    text_only = await paperbot(tmp_path, feed, "digest", "--date", FRI.isoformat(), "--settled")
    assert text_only.returncode != 0
    assert "--format slack" in text_only.stderr
