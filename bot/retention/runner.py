"""The retention job: the I/O shell around bot/retention/plan.py.

`RetentionRunner.run_due()` is called after each sweep's settling and follow-ups (by the
scheduler, so on PostgreSQL by the leader only) and runs once every `every_hours` of the
injected clock. A run first warns about tables autovacuum left bloated since the last run,
then deletes each kind in batches of `batch_size` rows (one short transaction each,
yielding to the event loop in between) until a batch comes back short, then asks the store
to give the space back. A run is idempotent: a second one, or one on another worker, finds
nothing left. A store error ends the run with a warning; the next one starts over.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from datetime import datetime, timedelta

from bot.config.load import DeliveryConfig, RetentionConfig
from bot.ports import RetentionStore
from bot.records.clock import Clock
from bot.records.errors import StoreError
from bot.records.retention import TableBloat
from bot.retention.plan import Cutoff, cutoffs

log = logging.getLogger(__name__)


class RetentionRunner:
    def __init__(
        self,
        store: RetentionStore,
        clock: Clock,
        retention: RetentionConfig,
        delivery: DeliveryConfig,
    ) -> None:
        self.store = store
        self.clock = clock
        self.retention = retention
        self.delivery = delivery
        self._next_at: datetime | None = None  # memory: a restarted worker runs at once
        self._stopping = False

    def request_stop(self) -> None:
        """End the run in flight after its current batch (the rest waits for the next)."""
        self._stopping = True

    async def run_due(self) -> Counter[str]:
        """A run if one is due by the clock; how many rows of each kind went."""
        now = self.clock.now()
        if self._next_at is not None and now < self._next_at:
            return Counter()
        self._next_at = now + timedelta(hours=self.retention.every_hours)
        return await self.run(now)

    async def run(self, now: datetime) -> Counter[str]:
        """One run at `now`: every kind past its cut-off, then the space given back."""
        pruned: Counter[str] = Counter()
        try:
            # before deleting: dead rows left since the last run are autovacuum's, not ours
            self._warn(await self.store.bloated_tables())
            for cutoff in cutoffs(self.retention, self.delivery, now):
                if self._stopping:
                    break
                pruned[cutoff.kind.value] += await self._prune(cutoff)
            if not self._stopping:
                self._warn(await self.store.reclaim_space())
        except StoreError as exc:
            log.warning("retention stopped for this run; the next one goes on: %s", exc)
        if pruned:
            log.info("retention run: %s", dict(+pruned))
        return +pruned

    async def _prune(self, cutoff: Cutoff) -> int:
        """Batches of `cutoff.kind` until one comes back short."""
        size, total = self.retention.batch_size, 0
        while not self._stopping:
            deleted = await self.store.prune(cutoff.kind, cutoff.before, size)
            total += deleted
            if deleted < size:
                break
            await asyncio.sleep(0)  # commands and digests get their turn between batches
        return total

    def _warn(self, bloated: list[TableBloat]) -> None:
        for bloat in bloated:
            log.warning(
                "retention: %s holds %d dead %s beside %d live (%.0f%%): space is not being "
                "reused (docs/operations.md, Retention)",
                bloat.table,
                bloat.dead,
                bloat.unit,
                bloat.live,
                100 * bloat.dead_share,
            )
