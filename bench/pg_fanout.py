"""Fan-out on PostgreSQL with 1, 2 and 4 worker processes against a rate-limited fake.

    PAPERBOT_BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test \
    .venv/bin/python bench/pg_fanout.py [--channels 1000] [--workers 1,2,4]

One discord-like fake platform (tests/fakes/ratelimited_platform.py: 50 msg/s global, burst
10, 5 msg/s per channel, 429 with retry-after) runs in this process. For each worker count,
a fresh schema gets the channels' subscriptions, then that many worker processes (this
script with --worker) each run the real DeliveryRunner on a PostgresStore: all of them
claim with FOR UPDATE SKIP LOCKED until nothing is due. Each process paces its client at
its share of the global rate (rate / workers), as a deployment would configure it.
Reported: elapsed (first to last accepted post: process start-up and planning are left
out, they do not depend on the platform), fraction of the allowed rate,
429s, duplicates and lost digests.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import sys
import uuid
from datetime import UTC, date, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

import asyncpg

from bench.search import machine
from bot.clock import FixedClock
from bot.config import DeliveryConfig
from bot.delivery import DeliveryRunner
from bot.models import ChannelRef, ChannelSettings, Paper, Subscription
from bot.storage.postgres import PostgresStore
from tests.fakes.ratelimited_platform import FakePlatformServer, HttpChatPlatform, serve

ROOT = Path(__file__).resolve().parents[1]
ENV = "PAPERBOT_BENCH_POSTGRES_URL"
DAY = date(2024, 5, 13)
NOW = datetime(2024, 5, 14, 7, 0, tzinfo=UTC)
PROFILE = {"global_rate": 50.0, "global_burst": 10.0, "channel_rate": 5.0}
CONCURRENCY = 16  # claimers per worker process


class StoredListOnly:
    async def refresh_day(self, day: date) -> int:
        return 0


async def seed(store: PostgresStore, channels: int) -> None:
    published = datetime.combine(DAY, clock_time(0, 0), tzinfo=UTC)
    await store.upsert_papers(
        [
            Paper(f"2405.{n:05d}", f"Paper {n}", "A sentence.", ("A. Author",), published, DAY)
            for n in range(1, 11)
        ]
    )
    settings = ChannelSettings(post_time=clock_time(7, 0), timezone="UTC")
    for n in range(channels):
        await store.save_subscription(
            Subscription(ChannelRef("discord", f"C{n:05}", "G"), settings=settings)
        )


async def worker(url: str, schema: str, platform_url: str, pace: float) -> None:
    """One worker process: post everything due, then exit."""
    store = await PostgresStore.open(url, schema=schema, pool_size=CONCURRENCY + 2)
    platform = HttpChatPlatform("discord", platform_url, pace_per_s=pace)
    config = DeliveryConfig(concurrency=CONCURRENCY)
    runner = DeliveryRunner(store, StoredListOnly(), {"discord": platform}, FixedClock(NOW), config)
    try:
        print(json.dumps(dict(await runner.run_due())), flush=True)
    finally:
        await platform.stop()
        await store.close()


async def run(url: str, channels: int, workers: int) -> dict[str, Any]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    store = await PostgresStore.open(url, schema=schema)
    await seed(store, channels)
    await DeliveryRunner(store, StoredListOnly(), {"discord": HttpChatPlatform("discord", "")},
                         FixedClock(NOW), DeliveryConfig()).plan()  # fmt: skip
    await store.close()
    server = FakePlatformServer(**PROFILE)  # type: ignore[arg-type]
    web_runner, platform_url = await serve(server)
    pace = PROFILE["global_rate"] / workers
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable, __file__, "--worker", url, schema, platform_url, str(pace), cwd=ROOT
        )
        for _ in range(workers)
    ]
    codes = [await p.wait() for p in processes]
    await web_runner.cleanup()
    await drop(url, schema)
    return {"workers": workers, "exit_codes": codes, **figures(server, channels)}


def figures(server: FakePlatformServer, channels: int) -> dict[str, Any]:
    counts: dict[str, int] = {}
    for message in server.messages:
        counts[message.channel] = counts.get(message.channel, 0) + 1
    stamps = [m.at for m in server.messages] or [0.0]
    elapsed = max(stamps) - min(stamps)
    allowed = PROFILE["global_burst"] + PROFILE["global_rate"] * elapsed
    return {
        "channels": channels,
        "posted": len(server.messages),
        "elapsed_s": round(elapsed, 2),
        "achieved_rate_per_s": round(len(server.messages) / elapsed, 2) if elapsed else None,
        "fraction_of_allowed": round(len(server.messages) / allowed, 3),
        "rate_limited_429": server.rate_limited,
        "duplicates": sum(1 for c in counts.values() if c > 1),
        "lost": channels - len(counts),
    }


async def drop(url: str, schema: str) -> None:
    conn = await asyncpg.connect(url)
    try:
        await conn.execute(f"DROP SCHEMA {schema} CASCADE")
    finally:
        await conn.close()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--channels", type=int, default=1000)
    parser.add_argument("--workers", default="1,2,4")
    parser.add_argument("--out", type=Path, default=Path("bench/results/pg_fanout.json"))
    args = parser.parse_args()
    url = os.environ.get(ENV) or sys.exit(f"set {ENV}=postgresql://USER@HOST:PORT/DATABASE")
    report: dict[str, Any] = {"machine": machine(), "profile": PROFILE, "runs": []}
    for count in (int(w) for w in args.workers.split(",")):
        result = await run(url, args.channels, count)
        print(json.dumps(result), flush=True)
        report["runs"].append(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"saved {args.out}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--worker"]:
        db_url, db_schema, fake_url, share = sys.argv[2:6]
        asyncio.run(worker(db_url, db_schema, fake_url, float(share)))
    else:
        asyncio.run(main())
