"""Hugging Face artifacts of posted papers: the I/O shell around bot/lifecycle/artifacts_plan.py.

A digest renders what the store has cached (`cached`) and never waits long for Hugging Face:

- before: when a run prepares a day's list for its digests (`for_papers`, the hook of
  bot/digest/run_papers.py), the day's top papers that were never looked up are looked up,
  all within `before_s` (2 s), then whatever the cache holds is attached;
- after: each sweep, after the day's digests and before settling and follow-ups
  (`run_due`), the papers of digests posted within the follow-up window whose look-up is
  missing or older than `fresh_for` are looked up, at most `per_pass` of them, within
  `after_s`; settled posts then show them, and follow-ups see a first model appear.

Only papers that are in a digest (or about to be: the day's top) are ever looked up. A
failure or a missed deadline keeps what was cached, saves what did complete, and makes the
next `cooldown` skip look-ups altogether, so a Hugging Face outage costs one deadline, not
one per sweep.
"""

from __future__ import annotations

import asyncio
import logging
from collections import Counter
from collections.abc import Collection, Sequence
from datetime import datetime, timedelta
from typing import Protocol

from bot.config.load import DeliveryConfig
from bot.lifecycle.artifacts_plan import before_ids, due
from bot.ports import Store
from bot.records.clock import Clock
from bot.records.errors import SourceError, StoreError
from bot.records.models import Paper, PaperArtifacts

log = logging.getLogger(__name__)

FRESH_FOR = timedelta(hours=6)  # a look-up younger than this is not repeated
COOLDOWN = timedelta(minutes=15)  # after a failure, no look-ups for this long
BEFORE_S = 2.0  # the most a day's digests wait for look-ups, in seconds
AFTER_S = 30.0  # the most one sweep's after-pass takes, in seconds
BEFORE_TOP = 10  # the day's top papers looked up before its digests
PER_PASS = 200  # look-ups per after-pass (three requests each)
CONCURRENCY = 4  # look-ups at once


class ArtifactLookup(Protocol):
    """One paper's linked repos (bot/sources/hf_artifacts.py `HfArtifactsSource`)."""

    async def artifacts(self, arxiv_id: str) -> PaperArtifacts:
        """Raises SourceError."""
        ...


class ArtifactsRunner:
    def __init__(
        self,
        store: Store,
        lookup: ArtifactLookup,
        clock: Clock,
        config: DeliveryConfig,
        *,
        before_s: float = BEFORE_S,
        after_s: float = AFTER_S,
        fresh_for: timedelta = FRESH_FOR,
        cooldown: timedelta = COOLDOWN,
        before_top: int = BEFORE_TOP,
        per_pass: int = PER_PASS,
    ) -> None:
        self.store = store
        self.lookup = lookup
        self.clock = clock
        self.config = config
        self.before_s = before_s
        self.after_s = after_s
        self.fresh_for = fresh_for
        self.cooldown = cooldown
        self.before_top = before_top
        self.per_pass = per_pass
        self._quiet_until: datetime | None = None

    async def cached(self, arxiv_ids: Collection[str]) -> dict[str, PaperArtifacts]:
        """What the store holds for these papers; {} if the store cannot say."""
        try:
            found = await self.store.hf_artifacts(arxiv_ids)
        except StoreError as exc:
            log.warning("artifacts not shown: the store failed: %s", exc)
            return {}
        return {arxiv_id: c.artifacts for arxiv_id, c in found.items()}

    async def for_papers(self, papers: Sequence[Paper]) -> dict[str, PaperArtifacts]:
        """Before a day's digests: look up the top papers never looked up (within
        `before_s`), then what the store holds for every paper of the list."""
        ids = [p.arxiv_id for p in papers]
        top = before_ids(papers, self.before_top)
        cached = await self.cached(top)
        missing = [i for i in top if i not in cached]
        if missing:
            await self.refresh(missing, self.before_s)
        return await self.cached(ids)

    async def run_due(self) -> Counter[str]:
        """After the digests: refresh the posted papers' look-ups that are due."""
        outcomes: Counter[str] = Counter()
        window = self.config.followup_days or max(self.config.settle_after_hours, default=0) / 24
        if not window or self._quiet():
            return outcomes
        now = self.clock.now()
        try:
            posted = await self.store.deliveries_posted_since(now - timedelta(days=window))
            ids = list(dict.fromkeys(i for d in posted for i in d.paper_ids))
            cached = await self.store.hf_artifacts(ids)
        except StoreError as exc:
            log.warning("artifacts not refreshed this pass: %s", exc)
            return outcomes
        todo = due(ids, cached, now, self.fresh_for)[: self.per_pass]
        outcomes["looked_up"] += await self.refresh(todo, self.after_s)
        return +outcomes

    async def refresh(self, arxiv_ids: Sequence[str], deadline_s: float) -> int:
        """Look these papers up, at most CONCURRENCY at once and all within `deadline_s`;
        save what completed; how many were saved. Never raises."""
        if not arxiv_ids or self._quiet():
            return 0
        found: list[PaperArtifacts] = []
        failures: list[str] = []
        slots = asyncio.Semaphore(CONCURRENCY)

        async def one(arxiv_id: str) -> None:
            async with slots:
                if failures:  # the source is failing: the rest waits for the next pass
                    return
                try:
                    found.append(await self.lookup.artifacts(arxiv_id))
                except SourceError as exc:
                    failures.append(str(exc))

        try:
            async with asyncio.timeout(deadline_s):
                await asyncio.gather(*(one(i) for i in arxiv_ids))
        except TimeoutError:
            failures.append(f"no answer within {deadline_s:g} s")
        if failures:
            self._quiet_until = self.clock.now() + self.cooldown
            log.warning("Hugging Face artifacts: %s; none asked for %s", failures[0], self.cooldown)
        try:
            await self.store.save_hf_artifacts(found, self.clock.now())
        except StoreError as exc:
            log.warning("artifacts looked up but not saved: %s", exc)
            return 0
        return len(found)

    def _quiet(self) -> bool:
        return self._quiet_until is not None and self.clock.now() < self._quiet_until
