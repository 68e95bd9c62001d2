"""A run shares its store reads between channels: planning takes a fixed number of round
trips, and each day's list is read once per run however many channels post it."""

from __future__ import annotations

from collections import Counter
from collections.abc import Sequence
from datetime import date
from pathlib import Path
from typing import Any

from bot.config.load import DeliveryConfig
from bot.delivery.runner import DeliveryRunner
from bot.records.clock import FixedClock
from bot.records.delivery import Delivery
from bot.records.digest import Digest
from bot.records.models import ChannelRef, Paper, PostReceipt
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.memory_platform import MemoryPlatform
from tests.integration.test_delivery import MONDAY, TUESDAY_7, FakeRefresher, paper, subscribe


class DigestKeepingPlatform(MemoryPlatform):
    def __init__(self) -> None:
        super().__init__()
        self.digests: list[Digest] = []

    async def post_digest(self, channel: ChannelRef, digest: Digest, **kwargs: Any) -> PostReceipt:
        self.digests.append(digest)
        return await super().post_digest(channel, digest, **kwargs)


class CountingStore(SqliteStore):
    """A real SQLite store that counts the calls a run makes."""

    def __init__(self, conn: Any) -> None:
        super().__init__(conn)
        self.calls: Counter[str] = Counter()

    async def papers_listed_on(self, day: date) -> list[Paper]:
        self.calls["papers_listed_on"] += 1
        return await super().papers_listed_on(day)

    async def latest_deliveries(self, *args: Any, **kwargs: Any) -> list[Delivery]:
        self.calls["latest_deliveries"] += 1
        return await super().latest_deliveries(*args, **kwargs)

    async def create_delivery(self, delivery: Delivery) -> bool:
        self.calls["create_delivery"] += 1
        return await super().create_delivery(delivery)

    async def create_deliveries(self, deliveries: Sequence[Delivery]) -> int:
        self.calls["create_deliveries"] += 1
        return await super().create_deliveries(deliveries)


async def test_thirty_channels_read_the_day_once_and_plan_in_one_insert(tmp_path: Path) -> None:
    store = await CountingStore.open(tmp_path / "count.db")
    assert isinstance(store, CountingStore)
    platform = DigestKeepingPlatform()
    runner = DeliveryRunner(
        store,
        FakeRefresher(),
        {"slack": platform},
        FixedClock(TUESDAY_7),
        DeliveryConfig(concurrency=4),
        worker="w",
    )
    try:
        await store.upsert_papers([paper(n, MONDAY) for n in range(1, 6)])
        for n in range(30):
            await subscribe(store, n, topics="agents" if n % 2 else "")
        assert await runner.run_due() == {"posted": 30}
        assert store.calls == {"papers_listed_on": 1, "create_deliveries": 1}
        assert [len(d.entries) for d in platform.digests] == [5] * 30
        await store.upsert_papers([paper(6, MONDAY, title="Late arrivals")])
        store.calls.clear()
        assert await runner.post_now(await subscribe(store, 99)) is not None
        assert store.calls["papers_listed_on"] == 1, "a new run reads the list again"
        assert len(platform.digests[-1].entries) == 6
    finally:
        await store.close()
