"""Store hot spots of the fan-out: planning, claiming and one-channel look-ups at 10,000 channels.

    .venv/bin/python bench/plan_claim.py <checkout> [channels]

Imports `bot` from <checkout> (this tree, or another worktree for a before/after in the same
run) and times, on a fresh SQLite file: `DeliveryRunner.plan()` for every channel, the first
2,000 one-at-a-time claims (as the fan-out's workers claim), and 2,000 `get_subscription`.
"""

import asyncio
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, sys.argv[1])
from datetime import UTC, date, datetime, timedelta
from datetime import time as ct

from bot.config.load import DeliveryConfig
from bot.delivery.runner import DeliveryRunner
from bot.records.clock import FixedClock
from bot.records.models import ChannelRef, ChannelSettings, Subscription
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.memory_platform import MemoryPlatform

NOW = datetime(2024, 5, 14, 7, 0, tzinfo=UTC)


class StoredListOnly:
    async def refresh_day(self, day: date) -> int:
        return 0


async def main(n: int) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        store = await SqliteStore.open(Path(tmp) / "x.db")
        s = ChannelSettings(post_time=ct(7, 0), timezone="UTC")
        for i in range(n):
            await store.save_subscription(
                Subscription(ChannelRef("slack", f"C{i:05}", "W"), settings=s)
            )
        runner = DeliveryRunner(
            store, StoredListOnly(), {"slack": MemoryPlatform()}, FixedClock(NOW), DeliveryConfig()
        )
        t = time.perf_counter()
        created = await runner.plan()
        plan = time.perf_counter() - t
        t = time.perf_counter()
        k = 0
        while await store.claim_due_deliveries(
            NOW, "w", limit=1, lease=timedelta(minutes=3), platform="slack"
        ):
            k += 1
            if k == 2000:
                break
        claim = time.perf_counter() - t
        t = time.perf_counter()
        for i in range(2000):
            await store.get_subscription(ChannelRef("slack", f"C{i:05}", "W"))
        gs = time.perf_counter() - t
        print(
            sys.argv[1],
            n,
            "created",
            created,
            f"plan {plan:.2f}s; 2000 claims {claim:.2f}s; 2000 get_subscription {gs:.2f}s",
        )
        await store.close()


if __name__ == "__main__":
    asyncio.run(main(int(sys.argv[2]) if len(sys.argv) > 2 else 10_000))
