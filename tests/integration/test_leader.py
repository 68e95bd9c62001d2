"""The scheduler role on the real PostgreSQL server: one holder, and a takeover within a few
seconds when the holder's connection (or whole process) dies. Waits are polling loops on
the monotonic clock with a deadline, never a fixed sleep."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
import time
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path

import asyncpg
import pytest

from bot.app.leader import AlwaysLeader, follow_leadership, open_leader_election
from bot.storage.postgres.leader import PostgresLeaderElection
from tests.pg_schema import PgSchema, fresh_schema, postgres_url

TAKEOVER_DEADLINE_S = 5.0
REPO = Path(__file__).resolve().parents[2]
POLL_S = 0.05

HOLDER = """
import asyncio, sys
from bot.storage.postgres.leader import PostgresLeaderElection

async def main() -> None:
    election = PostgresLeaderElection(sys.argv[1], schema=sys.argv[2])
    print("leader" if await election.acquire() else "follower", flush=True)
    await asyncio.Event().wait()

asyncio.run(main())
"""


@pytest.fixture
async def pg() -> AsyncIterator[PgSchema]:
    async with fresh_schema(postgres_url()) as schema:
        yield schema


def election(pg: PgSchema) -> PostgresLeaderElection:
    return PostgresLeaderElection(pg.url, schema=pg.schema)


async def seconds_until(condition: Callable[[], Awaitable[bool]]) -> float:
    """Poll `condition` until it holds; how long that took (fails past the deadline)."""
    started = time.monotonic()
    while not await condition():
        elapsed = time.monotonic() - started
        assert elapsed < TAKEOVER_DEADLINE_S, f"still not true after {elapsed:.1f} s"
        await asyncio.sleep(POLL_S)
    return time.monotonic() - started


@pytest.mark.postgres
async def test_one_holder_and_a_takeover_when_its_connection_dies(pg: PgSchema) -> None:
    first, second = election(pg), election(pg)
    try:
        assert await first.acquire()
        assert not await second.acquire()
        assert await first.held()
        assert await first.acquire(), "acquiring again keeps the role"
        assert not await second.acquire()
        await kill_session_of(pg, first)
        assert await seconds_until(second.acquire) < TAKEOVER_DEADLINE_S
        assert not await first.held(), "a lost connection is a lost role"
        assert not await first.acquire(), "and it does not come back while another holds it"
    finally:
        await first.release()
        await second.release()


@pytest.mark.postgres
async def test_release_hands_the_role_over_at_once(pg: PgSchema) -> None:
    first, second = election(pg), election(pg)
    try:
        assert await first.acquire()
        await first.release()
        assert not await first.held()
        assert await second.acquire()
    finally:
        await second.release()


@pytest.mark.postgres
async def test_other_schemas_have_roles_of_their_own(pg: PgSchema) -> None:
    async with fresh_schema(pg.url) as other:
        mine, theirs = election(pg), election(other)
        try:
            assert await mine.acquire()
            assert await theirs.acquire()
        finally:
            await mine.release()
            await theirs.release()


@pytest.mark.postgres
@pytest.mark.slow
async def test_a_killed_leader_process_is_replaced_within_seconds(pg: PgSchema) -> None:
    holder = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        HOLDER,
        pg.url,
        pg.schema,
        stdout=asyncio.subprocess.PIPE,
        cwd=REPO,
    )
    second = election(pg)
    try:
        assert holder.stdout is not None
        assert (await holder.stdout.readline()).strip() == b"leader"
        assert not await second.acquire()
        os.kill(holder.pid, signal.SIGKILL)
        await holder.wait()
        taken = await seconds_until(second.acquire)
        assert taken < TAKEOVER_DEADLINE_S
    finally:
        if holder.returncode is None:
            holder.kill()
            await holder.wait()
        await second.release()


@pytest.mark.postgres
async def test_an_unreachable_database_means_not_the_leader() -> None:
    postgres_url()
    lost = PostgresLeaderElection("postgresql://bot:pw@127.0.0.1:1/none")
    assert not await lost.acquire()
    assert not await lost.held()
    await lost.release()


@pytest.mark.postgres
async def test_follow_leadership_reports_gain_loss_and_hands_over_on_stop(pg: PgSchema) -> None:
    changes: list[tuple[str, bool]] = []
    gained = {"a": asyncio.Event(), "b": asyncio.Event()}
    stop = {"a": asyncio.Event(), "b": asyncio.Event()}
    b_polls = 0
    b_waited = asyncio.Event()

    async def record(name: str, leader: bool) -> None:
        changes.append((name, leader))
        if leader:
            gained[name].set()

    async def tick(_: float) -> None:  # an injected sleep: each poll yields, no wall time
        await asyncio.sleep(0)

    async def tick_b(_: float) -> None:
        nonlocal b_polls
        b_polls += 1
        if b_polls == 5:
            b_waited.set()
        await asyncio.sleep(0)

    def follow(name: str, sleep: Callable[[float], Awaitable[None]]) -> asyncio.Task[None]:
        watch = follow_leadership(
            election(pg), lambda on: record(name, on), stop=stop[name], sleep=sleep
        )
        return asyncio.create_task(watch)

    first = follow("a", tick)
    await asyncio.wait_for(gained["a"].wait(), TAKEOVER_DEADLINE_S)
    second = follow("b", tick_b)
    await asyncio.wait_for(b_waited.wait(), TAKEOVER_DEADLINE_S)
    assert changes == [("a", True)], "b polled five times and stayed a follower"
    stop["a"].set()
    await first
    await asyncio.wait_for(gained["b"].wait(), TAKEOVER_DEADLINE_S)
    stop["b"].set()
    await second
    assert changes == [("a", True), ("a", False), ("b", True), ("b", False)]


async def test_sqlite_is_always_the_leader(tmp_path: Path) -> None:
    election = await open_leader_election(f"sqlite:///{tmp_path / 'x.db'}")
    assert isinstance(election, AlwaysLeader)
    assert await election.acquire()
    assert await election.held()
    changes: list[bool] = []
    stop = asyncio.Event()

    async def record(leader: bool) -> None:
        changes.append(leader)
        stop.set()

    await follow_leadership(election, record, stop=stop)
    assert changes == [True, False]


async def test_a_postgres_url_gets_the_advisory_lock_election() -> None:
    election = await open_leader_election("postgresql://bot@127.0.0.1:1/x")
    assert isinstance(election, PostgresLeaderElection)


async def kill_session_of(pg: PgSchema, victim: PostgresLeaderElection) -> None:
    """End the victim's database session from outside, as a dead worker's session ends."""
    pid = victim._conn.get_server_pid()
    conn = await asyncpg.connect(pg.url)
    try:
        assert await conn.fetchval("SELECT pg_terminate_backend($1)", pid)
    finally:
        await conn.close()
