"""What the `paperbot run` lifecycle tests share (test_run_lifecycle.py): the day moving on
at the feed after the post, the bot's clock at each stage, and the store's view of settling
and follow-ups (read with sqlite3 while the bot runs: the tests only wait on it).

Stages, each a real `paperbot run` process under libfaketime at its own instant:

1. `BOT_NOW`: the catch-up sweep posts the digest, plans its settling (one age,
   `SETTLE_HOURS`) and records the follow-ups' baseline; then the bot is SIGKILLed.
2. The feed moves on: every paper gains 100 upvotes, the top posted paper's repository
   passes 100 stars, and a paper joins the day's list late.
3. `SETTLE_NOW`: the settle task is due; the bot is SIGKILLed as soon as the edit shows.
4. `RESTART_NOW` (the dead worker's leases ran out): everything finishes, once.
"""

from __future__ import annotations

import asyncio
import copy
import json
import sqlite3
from datetime import timedelta
from pathlib import Path
from typing import Any

from bot.delivery.worker import DEFAULT_LEASE
from tests.e2e.run_support import BOT_NOW, FIXTURE_DAY, WAIT_S
from tests.fakes.feed_server import FakeFeed, hf_fixture

SETTLE_HOURS = 2
SETTLE_NOW = BOT_NOW + timedelta(hours=SETTLE_HOURS, minutes=5)
RESTART_NOW = SETTLE_NOW + DEFAULT_LEASE + timedelta(minutes=1)
DELIVERY_SECTION = f"[delivery]\nsettle_after_hours = [{SETTLE_HOURS}]\n"
LATE_ID = "2608.29999"
LATE_TITLE = "LateComer: A Paper Submitted After the Cut-off"
STARS_LINE = "passed 100 GitHub stars"
RISE = 100


def the_day_moves_on(feed: FakeFeed, posted_first: str) -> None:
    """The fixture day's list a day later: more upvotes, more stars, one more paper."""
    items = hf_fixture(FIXTURE_DAY)
    for item in items:
        item["paper"]["upvotes"] += RISE
        if item["paper"]["id"] == posted_first:
            item["paper"]["githubStars"] = 150
    late: dict[str, Any] = copy.deepcopy(items[0])
    late["paper"]["id"] = LATE_ID
    late["paper"]["title"] = late["title"] = LATE_TITLE
    late["paper"]["githubRepo"] = None
    late["paper"]["githubStars"] = None
    feed.serve_day(FIXTURE_DAY, [*items, late])


def _query(db: Path, sql: str) -> list[tuple[Any, ...]]:
    try:
        with sqlite3.connect(f"file:{db}?mode=ro", uri=True, timeout=5) as conn:
            return conn.execute(sql).fetchall()
    except sqlite3.OperationalError:  # not created yet, or busy: ask again
        return []


def posted_paper_ids(db: Path) -> list[str]:
    rows = _query(db, "SELECT paper_ids FROM deliveries WHERE state = 'posted'")
    return [str(i) for i in json.loads(rows[0][0])] if rows else []


def baseline_recorded(db: Path) -> bool:
    """The follow-ups pass after the post has seen the posted papers."""
    return bool(_query(db, "SELECT 1 FROM followup_seen LIMIT 1"))


def settled_and_followed_up(db: Path) -> bool:
    """The settle task is done and every follow-up event is recorded as replied."""
    tasks = _query(db, "SELECT state, late_message_id FROM settle_tasks")
    events = _query(db, "SELECT message_id FROM followup_events")
    done = bool(tasks) and all(state == "done" and late for state, late in tasks)
    return done and bool(events) and all(message_id for (message_id,) in events)


async def killed(bot: asyncio.subprocess.Process) -> None:
    bot.kill()  # SIGKILL: no cleanup, nothing flushed
    async with asyncio.timeout(WAIT_S):
        await bot.communicate()
    assert bot.returncode == -9
