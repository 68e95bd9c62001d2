"""Fan-out benchmark: 2,000 channels on each of two rate-limited fake platforms, one run.

A reference only: a thin HTTP client that sends one message per digest, not the adapters
users run. bench/fanout_real.py measures the real SlackPlatform and DiscordPlatform and
runs this one beside it.

    .venv/bin/python bench/fanout.py [--channels 2000] [--out bench/results/fanout.json]

Each fake platform (tests/fakes/ratelimited_platform.py, on loopback) enforces a global rate
and a per-channel rate with token buckets and answers 429 with a retry-after, like the real
ones: "slack" (1 message/s per channel, Retry-After in whole seconds) and "discord"
(millisecond retry_after). The real DeliveryRunner posts every channel's digest from a real
SQLite store. Reported per platform:

- throughput as a fraction of the allowed rate: posts / (burst + rate x elapsed), where
  elapsed runs from the start of the fan-out to the platform's last accepted post;
- 429s seen, duplicates (channels with more than one post) and lost digests (channels
  with none) — both must be 0.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform as host
import sys
import tempfile
import time
from datetime import UTC, date, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bot.config.load import DeliveryConfig
from bot.delivery.runner import DeliveryRunner
from bot.records.clock import FixedClock
from bot.records.models import ChannelRef, ChannelSettings, Paper, Subscription
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.ratelimited_platform import (
    FakePlatformServer,
    HttpChatPlatform,
    serve,
)

DAY = date(2024, 5, 13)
NOW = datetime(2024, 5, 14, 7, 0, tzinfo=UTC)
PROFILES: dict[str, dict[str, Any]] = {
    "slack": {"global_rate": 50.0, "global_burst": 10.0, "channel_rate": 1.0,
              "whole_seconds": True},
    "discord": {"global_rate": 50.0, "global_burst": 10.0, "channel_rate": 5.0},
}  # fmt: skip


class StoredListOnly:
    async def refresh_day(self, day: date) -> int:
        return 0


async def seed(store: SqliteStore, channels: int) -> None:
    await seed_papers(store)
    settings = ChannelSettings(post_time=clock_time(7, 0), timezone="UTC")
    for name in PROFILES:
        for n in range(channels):
            ref = ChannelRef(name, f"C{n:05}", "W")
            await store.save_subscription(Subscription(ref, settings=settings))


async def seed_papers(store: SqliteStore) -> None:
    """The day's ten papers (bench/fanout_real.py posts the same digest)."""
    papers = [
        Paper(
            arxiv_id=f"2405.{n:05d}",
            title=f"Benchmark paper {n}",
            abstract="A sentence. Another one.",
            authors=("A. Author",),
            published_at=datetime.combine(DAY, clock_time(0, 0), tzinfo=UTC),
            listed_on=DAY,
            upvotes=n,
        )
        for n in range(1, 11)
    ]
    await store.upsert_papers(papers)


def figures(server: FakePlatformServer, name: str, channels: int, start: float) -> dict[str, Any]:
    profile = PROFILES[name]
    counts: dict[str, int] = {}
    for message in server.messages:
        counts[message.channel] = counts.get(message.channel, 0) + 1
    elapsed = max((m.at for m in server.messages), default=start) - start
    allowed = profile["global_burst"] + profile["global_rate"] * elapsed
    return {
        "channels": channels,
        "posted": len(server.messages),
        "elapsed_s": round(elapsed, 2),
        "allowed_rate_per_s": profile["global_rate"],
        "achieved_rate_per_s": round(len(server.messages) / elapsed, 2) if elapsed else None,
        "fraction_of_allowed": round(len(server.messages) / allowed, 3),
        "rate_limited_429": server.rate_limited,
        "duplicates": sum(1 for c in counts.values() if c > 1),
        "lost": channels - len(counts),
    }


async def run(channels: int, concurrency: int) -> dict[str, Any]:
    servers = {name: FakePlatformServer(**profile) for name, profile in PROFILES.items()}
    started = [await serve(server) for server in servers.values()]
    platforms = {
        name: HttpChatPlatform(name, url, pace_per_s=PROFILES[name]["global_rate"])
        for name, (_, url) in zip(servers, started, strict=True)
    }
    with tempfile.TemporaryDirectory() as tmp:
        store = await SqliteStore.open(Path(tmp) / "fanout.db")
        await seed(store, channels)
        config = DeliveryConfig(concurrency=concurrency)
        runner = DeliveryRunner(store, StoredListOnly(), platforms, FixedClock(NOW), config)
        start = time.monotonic()
        outcomes = await runner.run_due()
        wall = time.monotonic() - start
        await store.close()
    for platform in platforms.values():
        await platform.stop()
    for web_runner, _ in started:
        await web_runner.cleanup()
    return {
        "outcomes": dict(outcomes),
        "wall_s": round(wall, 2),
        "concurrency_per_platform": concurrency,
        "platforms": {n: figures(s, n, channels, start) for n, s in servers.items()},
        "profiles": PROFILES,
        "machine": f"{host.machine()}, {os.cpu_count()} CPUs, Python {host.python_version()}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=2000)
    parser.add_argument("--concurrency", type=int, default=16)
    parser.add_argument("--out", type=Path, default=Path("bench/results/fanout.json"))
    args = parser.parse_args()
    result = asyncio.run(run(args.channels, args.concurrency))
    text = json.dumps(result, indent=2)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
