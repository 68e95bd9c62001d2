"""What looking up Hugging Face artifacts before a digest run costs the run.

    .venv/bin/python bench/artifacts_before.py [--channels 400] [--repeats 3]
        [--out bench/results/artifacts_before.json]

One DeliveryRunner run posts the day's digest (ten papers) to every channel on an in-memory
platform (no rate limits: the run is as short as it gets, so the look-ups weigh the most),
from a fresh SQLite store (a cold artifacts cache) each time, in three settings:

- reference: no artifacts hook (the run as before this feature);
- answering: the real HfArtifactsSource against the fake Hub lists on loopback (FakeFeed),
  each paper linked to a model, a dataset and a Space;
- stalled: the same, but the Hub never answers: the run waits out the 2 s `before_s`
  deadline, once, and posts without artifacts.

Reported per setting: the median wall time of a run, its ratio to the reference (same
process, same run; noisy on a loaded machine), the median time spent in the look-ups before
the digests (what a run waits for them: the figure that matters), the Hub requests made
per run (a run's channels share one look-up of the day's top papers: 10 papers x 3 lists),
and posts/duplicates.
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import platform as host
import statistics
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from datetime import UTC, date, datetime
from datetime import time as clock_time
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))

from bench.fanout import seed_papers
from bot.config.load import DEFAULT_USER_AGENT, DeliveryConfig, HuggingFaceConfig
from bot.delivery.runner import DeliveryRunner
from bot.digest.run_papers import LoadArtifacts
from bot.lifecycle.artifacts import ArtifactsRunner
from bot.records.clock import FixedClock
from bot.records.models import ChannelRef, ChannelSettings, Paper, PaperArtifacts, Subscription
from bot.sources.hf_artifacts import HfArtifactsSource
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.feed_server import FakeFeed
from tests.fakes.memory_platform import MemoryPlatform

DAY = date(2024, 5, 13)
NOW = datetime(2024, 5, 14, 7, 0, tzinfo=UTC)
SETTINGS = ("reference", "answering", "stalled")


class StoredListOnly:
    async def refresh_day(self, day: date) -> int:
        return 0


async def one_run(setting: str, channels: int) -> dict[str, Any]:
    async with FakeFeed(fixtures=False) as feed:  # a fresh one: no stall is left over
        for n in range(1, 11):
            arxiv_id = f"2405.{n:05d}"
            feed.serve_artifacts(
                arxiv_id, models=[f"org/m{n}"], datasets=[f"org/d{n}"], spaces=[f"org/s{n}"]
            )
        return await run_on(setting, channels, feed)


async def run_on(setting: str, channels: int, feed: FakeFeed) -> dict[str, Any]:
    clock = FixedClock(NOW)
    with tempfile.TemporaryDirectory() as tmp:
        store = await SqliteStore.open(Path(tmp) / "bench.db")
        await seed_papers(store)
        settings = ChannelSettings(post_time=clock_time(7, 0), timezone="UTC")
        for n in range(channels):
            ref = ChannelRef("slack", f"C{n:05}", "W")
            await store.save_subscription(Subscription(ref, settings=settings))
        source = HfArtifactsSource(HuggingFaceConfig(base_url=feed.url), DEFAULT_USER_AGENT)
        hook: LoadArtifacts | None = None
        in_hook: list[float] = []
        if setting != "reference":
            lookups = ArtifactsRunner(store, source, clock, DeliveryConfig())

            async def timed(papers: Sequence[Paper]) -> Mapping[str, PaperArtifacts]:
                began = time.perf_counter()
                found = await lookups.for_papers(papers)
                in_hook.append(time.perf_counter() - began)
                return found

            hook = timed

        if setting == "stalled":
            feed.stall_next(10, path="/api/models")  # every paper's first request
        platform = MemoryPlatform(clock=clock)
        runner = DeliveryRunner(
            store,
            StoredListOnly(),
            {"slack": platform},
            clock,
            DeliveryConfig(concurrency=16),
            artifacts=hook,
        )
        asked = len(feed.requests)
        start = time.perf_counter()
        outcomes = await runner.run_due()
        wall = time.perf_counter() - start
        await source.aclose()
        await store.close()
    keys = platform.posted
    return {
        "wall_s": wall,
        "hook_s": sum(in_hook),
        "posted": outcomes.get("posted", 0),
        "duplicates": len(keys) - len(set(keys)),
        "hub_requests": len(feed.requests) - asked,
    }


async def run(channels: int, repeats: int) -> dict[str, Any]:
    results: dict[str, list[dict[str, Any]]] = {s: [] for s in SETTINGS}
    for _ in range(repeats):  # interleaved, so that load changes hit every setting alike
        for setting in SETTINGS:
            results[setting].append(await one_run(setting, channels))
    reference = statistics.median(r["wall_s"] for r in results["reference"])
    figures = {}
    for setting, runs in results.items():
        median = statistics.median(r["wall_s"] for r in runs)
        figures[setting] = {
            "median_wall_s": round(median, 3),
            "ratio_to_reference": round(median / reference, 2),
            "median_before_lookups_s": round(statistics.median(r["hook_s"] for r in runs), 3),
            "hub_requests_per_run": max(r["hub_requests"] for r in runs),
            "posted": min(r["posted"] for r in runs),
            "duplicates": max(r["duplicates"] for r in runs),
        }
    return {
        "channels": channels,
        "repeats": repeats,
        "settings": figures,
        "load_average": os.getloadavg(),
        "machine": f"{host.machine()}, {os.cpu_count()} CPUs, Python {host.python_version()}",
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--channels", type=int, default=400)
    parser.add_argument("--repeats", type=int, default=3)
    parser.add_argument("--out", type=Path, default=Path("bench/results/artifacts_before.json"))
    args = parser.parse_args()
    result = asyncio.run(run(args.channels, args.repeats))
    text = json.dumps(result, indent=2)
    print(text)
    args.out.parent.mkdir(parents=True, exist_ok=True)
    args.out.write_text(text + "\n", encoding="utf-8")


if __name__ == "__main__":
    main()
