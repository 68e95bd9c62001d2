"""A request from a chat platform is handled once, however often it arrives.

Slack signs a request but gives it no nonce: a signed slash command or click replayed
within the signature window is as valid as the first, so a replayed 👍 took a vote back.
Discord may deliver an interaction again. Each adapter names what makes a request unique
on its platform (a command's `trigger_id`, a click's `action_ts` with its user and message,
an interaction id); `ReplayGuard.first_time` remembers that key in the store, which every
worker shares, for `REPLAY_HORIZON`, and says whether it is new.

The horizon covers Slack's signature window on either side of our clock (a timestamp up
to five minutes behind or ahead is accepted: ten minutes in all) and Discord's
interaction token, valid for fifteen. Older keys are pruned here, at most once per
horizon per process; a retention job may prune `handled_requests` too, past the horizon.
"""

from __future__ import annotations

import hashlib
import logging
from datetime import datetime, timedelta

from bot.ports import RequestStore
from bot.records.clock import Clock
from bot.records.errors import StoreError

log = logging.getLogger(__name__)

REPLAY_HORIZON = timedelta(minutes=15)


class ReplayGuard:
    def __init__(
        self, store: RequestStore, clock: Clock, *, horizon: timedelta = REPLAY_HORIZON
    ) -> None:
        self._store = store
        self._clock = clock
        self._horizon = horizon
        self._next_prune: datetime | None = None

    async def first_time(self, key: str) -> bool:
        """True the first time `key` is seen within the horizon, False for a replay. When
        the store cannot answer, True (the request goes on, and meets the same store)."""
        now = self._clock.now()
        stored = hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()
        try:
            fresh = await self._store.remember_request(stored, now, now - self._horizon)
        except StoreError as exc:
            log.warning("could not check a request for a replay, handling it: %s", exc)
            return True
        await self._prune(now)
        return fresh

    async def _prune(self, now: datetime) -> None:
        if self._next_prune is not None and now < self._next_prune:
            return
        self._next_prune = now + self._horizon
        try:
            await self._store.forget_requests(now - self._horizon)
        except StoreError as exc:
            log.warning("could not prune handled requests: %s", exc)
