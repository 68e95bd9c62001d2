"""Weekly digest build benchmark: 2,000 subscriptions with topics, one ISO week's list, and
100,000 votes in the store.

    .venv/bin/python bench/weekly_build.py [--subscriptions 2000] [--papers 350] [--votes 100000]

`weekly`: what DeliveryRunner does for each weekly record (bot/delivery/periods.py
`PeriodDigests.digest`): the week's list (fetched once for the run; here an in-memory
source), the channel's earlier weekly papers from the store, the ranking with its topics,
then the channel's top votes of the week from the store. Timed one record after another on
a SQLite file (bench/vote_seed.py). The reference in the same run, `daily_build_same_papers`:
the daily path's build (one PreparedPapers for every channel) over the same papers and
subscriptions, with no store queries. The load average is recorded: the machine is shared.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.vote_seed import WEEK, seed, subscriptions, week_papers
from bot.delivery.periods import PeriodDigests
from bot.digest.prepared import PreparedPapers
from bot.records.delivery import Delivery
from bot.records.models import Cadence, Paper
from bot.schedule.cadence import Period, period_containing
from bot.storage.sqlite.store import SqliteStore

NOW = datetime(2026, 8, 24, 9, 0, tzinfo=UTC)  # the Monday after the week


class StaticWeek:
    """The week's list, as Hugging Face's `week=` answers it (no network)."""

    def __init__(self, papers: list[Paper]) -> None:
        self.papers = papers

    async def period(self, period: Period) -> list[Paper]:
        return list(self.papers)


async def run(count: int, paper_count: int, votes: int) -> dict[str, Any]:
    rng = random.Random(7)
    papers = week_papers(paper_count)
    subs = subscriptions(count, rng)
    period = period_containing(Cadence.WEEKLY, WEEK)
    with tempfile.TemporaryDirectory() as tmp:
        db = Path(tmp) / "weekly.db"
        await seed(db, papers, subs, votes, rng)
        store = await SqliteStore.open(db)
        try:
            load_before = os.getloadavg()
            digests = PeriodDigests(store, StaticWeek(papers))
            each: list[float] = []
            entries = with_votes = 0
            start = time.perf_counter()
            for subscription in subs:
                record = Delivery(
                    subscription.channel, WEEK, NOW, days=period.days, cadence=Cadence.WEEKLY
                )
                began = time.perf_counter()
                digest, _ = await digests.digest(record, subscription)
                each.append(time.perf_counter() - began)
                entries += len(digest.entries)
                with_votes += any("top votes" in " ".join(e.reasons) for e in digest.entries)
            weekly_s = time.perf_counter() - start
            start = time.perf_counter()
            prepared = PreparedPapers(papers)
            for subscription in subs:
                prepared.build(period.end, subscription)
            daily_s = time.perf_counter() - start
            load_after = os.getloadavg()
        finally:
            await store.close()
    cuts = statistics.quantiles(each, n=100, method="inclusive")
    return {
        "subscriptions": count,
        "papers_in_the_week": paper_count,
        "votes_stored": votes,
        "weekly_s": round(weekly_s, 2),
        "weekly_per_record_ms": {
            "p50": round(cuts[49] * 1000, 2),
            "p95": round(cuts[94] * 1000, 2),
            "p99": round(cuts[98] * 1000, 2),
        },
        "daily_build_same_papers_s": round(daily_s, 2),
        "entries_built": entries,
        "digests_with_a_top_votes_section": with_votes,
        "load_average_before": [round(x, 2) for x in load_before],
        "load_average_after": [round(x, 2) for x in load_after],
        "cpus": os.cpu_count(),
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--subscriptions", type=int, default=2_000)
    parser.add_argument("--papers", type=int, default=350)
    parser.add_argument("--votes", type=int, default=100_000)
    parser.add_argument("--out", type=Path, default=Path("bench/results/weekly_build.json"))
    args = parser.parse_args()
    result = asyncio.run(run(args.subscriptions, args.papers, args.votes))
    text = json.dumps(result, indent=2)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
