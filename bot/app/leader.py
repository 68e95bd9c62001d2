"""Who runs the scheduler: one process at a time, however many workers share the database.

APScheduler 3.x cannot share a job store between processes, so exactly one process (the
leader) plans the deliveries; every worker claims and posts them (the store's claim never
hands one record to two workers). On PostgreSQL the role is a session advisory lock
(bot/storage/postgres/leader.py): when the leader dies, another worker's next poll takes
it over. On SQLite there is one process (a second `run` on the same file refuses to
start: bot/storage/sqlite/worker_lock.py), so the role is always held.

Wiring in `paperbot run`:

    election = await open_leader_election(config.database_url)
    stop = asyncio.Event()
    await follow_leadership(election, on_change=start_or_stop_scheduler, stop=stop)
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Awaitable, Callable
from typing import Protocol

from bot.storage import POSTGRES_SCHEMES

log = logging.getLogger(__name__)

POLL_S = 1.0  # a dead leader is replaced within about one poll

Sleep = Callable[[float], Awaitable[None]]
OnChange = Callable[[bool], Awaitable[None]]


class LeaderElection(Protocol):
    """The scheduler role. Never raises: an unreachable database means "not the leader"."""

    async def acquire(self) -> bool:
        """Take the role if nobody holds it (without waiting); True if held now."""
        ...

    async def held(self) -> bool:
        """Whether this process still holds the role (False once its connection is lost)."""
        ...

    async def release(self) -> None:
        """Give the role up so another worker may take it at once."""
        ...


class AlwaysLeader:
    """One process owns the database (SQLite): it is always the leader."""

    async def acquire(self) -> bool:
        return True

    async def held(self) -> bool:
        return True

    async def release(self) -> None:
        return None


async def open_leader_election(database_url: str, *, name: str = "scheduler") -> LeaderElection:
    """The election that fits the store's URL: PostgreSQL's advisory lock, else always-leader."""
    if database_url.split(":", 1)[0] in POSTGRES_SCHEMES:
        from bot.storage.postgres.leader import PostgresLeaderElection

        return PostgresLeaderElection(database_url, name=name)
    return AlwaysLeader()


async def follow_leadership(
    election: LeaderElection,
    on_change: OnChange,
    *,
    stop: asyncio.Event,
    poll_s: float = POLL_S,
    sleep: Sleep | None = None,
) -> None:
    """Poll the election until `stop` is set, calling `on_change(True/False)` on each change.

    Followers try to acquire on every poll; the leader checks it still holds the role. On
    the way out the role is released (after `on_change(False)` if it was held), so a worker
    shutting down hands the scheduler over without waiting for its session to end.
    """
    pause = sleep or _until_stopped(stop)
    leader = False
    try:
        while not stop.is_set():
            now_leader = await (election.held() if leader else election.acquire())
            if now_leader != leader:
                leader = now_leader
                log.info("scheduler role %s", "taken" if leader else "lost")
                await on_change(leader)
            await pause(poll_s)
    finally:
        if leader:
            await on_change(False)
        await election.release()


def _until_stopped(stop: asyncio.Event) -> Sleep:
    """A sleep that ends early when `stop` is set, so shutdown does not wait for a poll."""

    async def pause(seconds: float) -> None:
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stop.wait(), seconds)

    return pause
