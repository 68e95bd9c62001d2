"""Fan-out on PostgreSQL with 1, 2 and 4 worker processes against a rate-limited fake.

    PAPERBOT_BENCH_POSTGRES_URL=postgresql://postgres@127.0.0.1:5432/test \
    .venv/bin/python bench/pg_fanout.py [--channels 1000] [--workers 1,2,4] [--real]

With --real, each worker runs the real DiscordPlatform (discord.py) against the loopback
fake Discord with its rate limits on (tests/fakes/discord_api.py, tests/fakes/rate_limits.py:
50 requests/s per bot with burst 10, 5 messages per 5 s per channel): a digest is a message,
its details thread and the reply in it, three requests under the global limit; each worker
paces itself at its share of the global rate (DiscordLimits.per_bot at 95% / workers), and
the fraction counts every request that passed the global limit (logins included). Without
it, the thin client below (one message per digest).

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

from adapters.discord import DiscordPlatform
from adapters.discord.pacing import PER_BOT, DiscordLimits, DiscordPacing
from bench.search import machine
from bot.chat.pacing import Limit
from bot.config.load import DeliveryConfig, DiscordConfig
from bot.delivery.runner import DeliveryRunner
from bot.records.clock import FixedClock
from bot.records.models import ChannelRef, ChannelSettings, Paper, Subscription
from bot.storage.postgres.store import PostgresStore
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.rate_limits import DISCORD, ServerLimits
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


async def seed(store: PostgresStore, channels: int, guild: str = "G") -> None:
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
            Subscription(ChannelRef("discord", channel_id(n, guild), guild), settings=settings)
        )


def channel_id(n: int, guild: str) -> str:
    """Thin client: any name; real Discord: a snowflake the fake knows."""
    return f"C{n:05}" if guild == "G" else str(FIRST_CHANNEL + n)


FIRST_CHANNEL = 300_000_000_000_000_000


async def real_worker(url: str, schema: str, api: str, gateway: str, workers: int) -> None:
    """One worker process on the real Discord adapter, pacing at its share of the bot's rate."""
    store = await PostgresStore.open(url, schema=schema, pool_size=CONCURRENCY + 2)
    share = Limit(PER_BOT.rate / workers, PER_BOT.burst)
    pacing = DiscordPacing(DiscordLimits(per_bot=share))
    config = DiscordConfig(
        enabled=True, token=FakeDiscord.token, api_base_url=api, gateway_url=gateway
    )
    platform = DiscordPlatform(config, pacing=pacing)
    runner = DeliveryRunner(
        store, StoredListOnly(), {"discord": platform}, FixedClock(NOW),
        DeliveryConfig(concurrency=CONCURRENCY),
    )  # fmt: skip
    try:
        print(json.dumps(dict(await runner.run_due())), flush=True)
    finally:
        await platform.stop()
        await store.close()


async def run_real(url: str, channels: int, workers: int) -> dict[str, Any]:
    schema = f"bench_{uuid.uuid4().hex[:10]}"
    fake = FakeDiscord(limits=ServerLimits(DISCORD), record=False)
    await fake.start()
    guild = str(fake.guild.id)
    fake.channels.update(channel_id(n, guild) for n in range(channels))
    store = await PostgresStore.open(url, schema=schema)
    await seed(store, channels, guild)
    await DeliveryRunner(store, StoredListOnly(), {"discord": HttpChatPlatform("discord", "")},
                         FixedClock(NOW), DeliveryConfig()).plan()  # fmt: skip
    await store.close()
    args = ("--real-worker", url, schema, fake.base_url, fake.gateway_url, str(workers))
    processes = [
        await asyncio.create_subprocess_exec(
            sys.executable, __file__, *args, cwd=ROOT, stdout=asyncio.subprocess.PIPE
        )
        for _ in range(workers)
    ]
    outputs = [await p.communicate() for p in processes]
    codes = [p.returncode for p in processes]
    await fake.close()
    await drop(url, schema)
    per_worker = [json.loads(out.splitlines()[-1]).get("posted", 0) if out else 0
                  for out, _ in outputs]  # fmt: skip
    return {"workers": workers, "exit_codes": codes, "posted_per_worker": per_worker,
            **real_figures(fake, channels)}  # fmt: skip


def real_figures(fake: FakeDiscord, channels: int) -> dict[str, Any]:
    limits = fake.limits
    assert limits is not None
    rate, burst = DISCORD["global"]
    elapsed = (limits.last_passed_at or 0.0) - (limits.first_passed_at or 0.0)
    keys: dict[tuple[str, str | None], int] = {}
    for message in fake.created:
        key = (message["channel_id"], message.get("nonce"))
        keys[key] = keys.get(key, 0) + 1
    tops = {m["channel_id"] for m in fake.created if m["channel_id"] not in fake.threads}
    return {
        "channels": channels,
        "messages": len(fake.created),
        "threads": len(fake.threads),
        "requests_under_global_limit": limits.passed,
        "elapsed_s": round(elapsed, 2),
        "achieved_rate_per_s": round(limits.passed / elapsed, 2) if elapsed else None,
        "fraction_of_allowed": round(limits.passed / (burst + rate * elapsed), 3),
        "rate_limited_429": limits.rate_limited,
        "duplicates": sum(n - 1 for n in keys.values() if n > 1),
        "lost": channels - len(tops),
    }


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
    parser.add_argument("--real", action="store_true", help="the real Discord adapter")
    parser.add_argument("--out", type=Path, default=Path("bench/results/pg_fanout.json"))
    args = parser.parse_args()
    url = os.environ.get(ENV) or sys.exit(f"set {ENV}=postgresql://USER@HOST:PORT/DATABASE")
    limits = DISCORD if args.real else PROFILE
    report: dict[str, Any] = {
        "machine": machine(),
        "client": "real DiscordPlatform" if args.real else "thin client",
        "profile": limits,
        "runs": [],
    }
    for count in (int(w) for w in args.workers.split(",")):
        load = [round(x, 2) for x in os.getloadavg()]
        if args.real:
            result = await run_real(url, args.channels, count)
        else:
            result = await run(url, args.channels, count)
        result["load_average_before"] = load
        print(json.dumps(result), flush=True)
        report["runs"].append(result)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(json.dumps(report, indent=2) + "\n", encoding="utf-8")
    print(f"saved {args.out}")


if __name__ == "__main__":
    if sys.argv[1:2] == ["--real-worker"]:
        db_url, db_schema, api_url, gateway_url, worker_count = sys.argv[2:7]
        asyncio.run(real_worker(db_url, db_schema, api_url, gateway_url, int(worker_count)))
    elif sys.argv[1:2] == ["--worker"]:
        db_url, db_schema, fake_url, share = sys.argv[2:6]
        asyncio.run(worker(db_url, db_schema, fake_url, float(share)))
    else:
        asyncio.run(main())
