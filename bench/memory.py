"""Memory benchmark: peak RSS of the bot's path with 100k papers and 10,000 subscriptions.

    .venv/bin/python bench/memory.py [--papers 100000] [--subscriptions 10000]

A first child process fills a SQLite file: 100,000 papers (recombined from the real archive
slice, tests/fixtures/hf, 500 a weekday over 200 weekdays, like the synthetic corpus of
bench/search.py) and 10,000 Slack channels with the realistic topic mix of
bench/digest_build.py. A second, fresh process then does what the bot does on a morning and
reads its own peak resident set (VmHWM in /proc/self/status) after each step:

1. imports (the reference: the interpreter and the bot's modules, no data);
2. opens the store;
3. `DeliveryRunner.run_due()`: plans every channel's delivery, refreshes the day's list
   through `PaperService` (the source answers with the stored list), builds each channel's
   digest and posts it to an in-memory platform (tests/fakes/memory_platform.py: no HTTP,
   so the whole run is CPU and store work);
4. `/papers search diffusion models` and `/papers today` through `Commands`.

Printed and written to bench/results/memory.json: the peak after each step, the target
(150 MB) and the machine's load.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import random
import subprocess
import sys
import tempfile
import time
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from datetime import time as clock_time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

TARGET_MB = 150
DAY = date(2024, 5, 13)  # a Monday
NOW = datetime(2024, 5, 14, 7, 30, tzinfo=UTC)
PER_DAY = 500


def status_mb(field: str) -> float:
    """A /proc/self/status figure (VmHWM: peak resident set; VmRSS: now), in MB."""
    for line in Path("/proc/self/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return round(int(line.split()[1]) / 1024, 1)
    raise LookupError(field)


def weekdays_until(day: date, count: int) -> list[date]:
    days: list[date] = []
    while len(days) < count:
        if day.weekday() < 5:
            days.append(day)
        day -= timedelta(days=1)
    return days[::-1]


async def seed(path: Path, papers: int, subscriptions: int) -> dict[str, Any]:
    from bench.digest_build import realistic_subscription, topic_pool
    from bot.records.models import ChannelSettings
    from bot.storage.sqlite.store import SqliteStore
    from tests.unit.test_prepared_digest import PAPERS

    started = time.perf_counter()
    rng = random.Random(20261128)
    store = await SqliteStore.open(path)
    try:
        days = weekdays_until(DAY, -(-papers // PER_DAY))
        for d, day in enumerate(days):
            batch = []
            for k in range(min(PER_DAY, papers - d * PER_DAY)):
                a, b = rng.choice(PAPERS), rng.choice(PAPERS)
                head, tail = a.title.split(), b.title.split()
                batch.append(
                    replace(
                        a,
                        arxiv_id=f"syn.{d:03d}{k:04d}",
                        title=" ".join(head[: max(1, len(head) // 2)] + tail[len(tail) // 2 :]),
                        authors=b.authors,
                        ai_keywords=b.ai_keywords,
                        upvotes=rng.randint(0, 300),
                        listed_on=day,
                    )
                )
            await store.upsert_papers(batch)
        pool = topic_pool()
        for n in range(subscriptions):
            drawn = realistic_subscription(rng, n, pool)
            settings = ChannelSettings(
                post_time=clock_time(7, 0),
                timezone="UTC",
                min_upvotes=drawn.settings.min_upvotes,
                max_papers=drawn.settings.max_papers,
            )
            await store.save_subscription(replace(drawn, settings=settings))
    finally:
        await store.close()
    return {"seed_s": round(time.perf_counter() - started, 1)}


class StoredDaily:
    """The daily source, answering with the list the store already has (as HF would)."""

    name = "stored"

    def __init__(self, store: Any) -> None:
        self._store = store

    async def daily(self, day: date) -> Any:
        from bot.records.models import DayList  # lazily, as every bot import here

        return DayList(await self._store.papers_listed_on(day))

    async def aclose(self) -> None:
        return None


class NoLookup:
    name = "none"

    async def get(self, arxiv_id: str) -> None:
        return None

    async def search(self, query: str, limit: int = 10) -> list[Any]:
        return []

    async def aclose(self) -> None:
        return None


async def measure(path: Path) -> dict[str, Any]:
    from bot.commands.handler import Commands
    from bot.config.load import DeliveryConfig
    from bot.delivery.runner import DeliveryRunner
    from bot.digest.service import PaperService
    from bot.records.chat import CommandContext
    from bot.records.clock import FixedClock
    from bot.records.models import ChannelRef, ChannelSettings
    from bot.storage.sqlite.store import SqliteStore
    from tests.fakes.memory_platform import MemoryPlatform

    peaks: dict[str, float] = {"imports_mb": status_mb("VmHWM")}
    clock = FixedClock(NOW)
    store = await SqliteStore.open(path)
    peaks["store_open_mb"] = status_mb("VmHWM")
    try:
        service = PaperService(
            store, StoredDaily(store), NoLookup(), clock, defaults=ChannelSettings()
        )
        platform = MemoryPlatform("slack", clock=clock)
        runner = DeliveryRunner(store, service, {"slack": platform}, clock, DeliveryConfig())
        started = time.perf_counter()
        outcomes = await runner.run_due()
        run_s = time.perf_counter() - started
        peaks["run_due_mb"] = status_mb("VmHWM")
        commands = Commands(service)
        ctx = CommandContext(ChannelRef("slack", "C1", "T"), "U1")
        searched = await commands.handle(ctx, "search diffusion models")
        peaks["search_mb"] = status_mb("VmHWM")
        today = await commands.handle(ctx, "today")
        peaks["today_mb"] = status_mb("VmHWM")
    finally:
        await store.close()
    return {
        "peak_mb": peaks,
        "rss_end_mb": status_mb("VmRSS"),
        "run_due_s": round(run_s, 1),
        "outcomes": dict(outcomes),
        "posted": len(platform.posted),
        "search_found": bool(searched.papers) or bool(searched.text),
        "today_entries": len(today.digest.entries) if today.digest else 0,
    }


def child(mode: str, path: Path, *extra: str) -> dict[str, Any]:
    found = subprocess.run(
        [sys.executable, __file__, mode, str(path), *extra],
        check=True,
        capture_output=True,
        text=True,
    )
    result: dict[str, Any] = json.loads(found.stdout.strip().splitlines()[-1])
    return result


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--papers", type=int, default=100_000)
    parser.add_argument("--subscriptions", type=int, default=10_000)
    parser.add_argument("--out", type=Path, default=Path("bench/results/memory.json"))
    parser.add_argument("--seed-only", type=Path, help=argparse.SUPPRESS)
    parser.add_argument("--measure-only", type=Path, help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.seed_only:
        print(json.dumps(asyncio.run(seed(args.seed_only, args.papers, args.subscriptions))))
        return
    if args.measure_only:
        print(json.dumps(asyncio.run(measure(args.measure_only))))
        return
    report: dict[str, Any] = {
        "papers": args.papers,
        "subscriptions": args.subscriptions,
        "target_mb": TARGET_MB,
        "load_before": [round(x, 2) for x in os.getloadavg()],
    }
    with tempfile.TemporaryDirectory() as scratch:
        db = Path(scratch) / "memory.db"
        sizes = ["--papers", str(args.papers), "--subscriptions", str(args.subscriptions)]
        report |= child("--seed-only", db, *sizes)
        report["db_mb"] = round(sum(f.stat().st_size for f in db.parent.iterdir()) / 2**20)
        report |= child("--measure-only", db)
    report["load_after"] = [round(x, 2) for x in os.getloadavg()]
    report["meets_target"] = max(report["peak_mb"].values()) <= TARGET_MB
    text = json.dumps(report, indent=2)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
