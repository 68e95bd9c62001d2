"""A SQLite file for the vote benchmarks (bench/clicks.py, bench/weekly_build.py): one ISO
week's papers, subscriptions with topics, and `votes` 👍 spread over them in the week.

The papers are the real Hugging Face archive slice (tests/fixtures/hf) with new arXiv ids,
listed over the seven days of WEEK; the subscriptions are bench/digest_build.py's (0 to 8
topics of every kind, drawn from the papers' own words). Votes are written in one
transaction with the sqlite3 module (a toggle each would take minutes), with the same
columns and time format as SqliteStore's toggles.
"""

from __future__ import annotations

import random
import sqlite3
import sys
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.records.models import Paper, Subscription
from bot.storage.codecs import text as codec
from bot.storage.sqlite.store import SqliteStore
from tests.unit.test_prepared_digest import PAPERS, random_subscription

WEEK = date(2026, 8, 17)  # ISO 2026-W34, Monday to Sunday
WEEK_START = datetime(2026, 8, 17, tzinfo=UTC)
USERS = 5_000


def week_papers(count: int) -> list[Paper]:
    """`count` papers listed over the week, about count / 7 a day."""
    return [
        replace(
            PAPERS[n % len(PAPERS)],
            arxiv_id=f"2608.{n:05d}",
            upvotes=(n * 37) % 400,
            listed_on=WEEK + timedelta(days=n % 7),
        )
        for n in range(count)
    ]


def subscriptions(count: int, rng: random.Random) -> list[Subscription]:
    return [random_subscription(rng, n) for n in range(count)]


async def seed(
    db: Path,
    papers: list[Paper],
    subs: list[Subscription],
    votes: int,
    rng: random.Random,
    *,
    keys: list[str] | None = None,
) -> None:
    """Papers and subscriptions through the store (its migrations make the file), then
    `votes` distinct rows on `keys` (default: the subscriptions' channel keys)."""
    store = await SqliteStore.open(db)
    try:
        await store.upsert_papers(papers)
        for subscription in subs:
            await store.save_subscription(subscription)
    finally:
        await store.close()
    keys = keys or [s.channel.key for s in subs]
    seen: set[tuple[str, str, str]] = set()
    rows: list[tuple[str, str, str, str]] = []
    while len(rows) < votes:
        row = (
            rng.choice(keys),
            rng.choice(papers).arxiv_id,
            f"slack:T:U{rng.randrange(USERS)}",
        )
        if row in seen:
            continue
        seen.add(row)
        at = WEEK_START + timedelta(seconds=rng.randrange(7 * 86_400))
        rows.append((*row, codec.instant_text(at)))
    with sqlite3.connect(db) as conn:
        conn.executemany(
            "INSERT INTO votes (subscription_key, arxiv_id, user_key, voted_at) "
            "VALUES (?, ?, ?, ?)",
            rows,
        )
