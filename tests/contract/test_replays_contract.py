"""The RequestStore half of every Store, on SQLite and PostgreSQL: a request key is new once
within the horizon, again after it, workers racing on one key get one True between them,
and old keys are pruned."""

from __future__ import annotations

import asyncio
from datetime import UTC, datetime, timedelta

from bot.chat.replays import REPLAY_HORIZON, ReplayGuard
from bot.ports import Store
from bot.records.clock import FixedClock
from tests.contract.conftest import StoreFactory

NOW = datetime(2026, 8, 22, 9, 0, tzinfo=UTC)
SINCE = NOW - REPLAY_HORIZON


async def test_a_key_is_new_once_within_the_horizon(store: Store) -> None:
    assert await store.remember_request("k1", NOW, SINCE) is True
    assert await store.remember_request("k1", NOW + timedelta(seconds=1), SINCE) is False
    assert await store.remember_request("k2", NOW, SINCE) is True


async def test_a_key_older_than_the_horizon_is_new_again_and_renewed(store: Store) -> None:
    assert await store.remember_request("k1", NOW, SINCE) is True
    later = NOW + REPLAY_HORIZON + timedelta(seconds=1)
    assert await store.remember_request("k1", later, later - REPLAY_HORIZON) is True
    assert await store.remember_request("k1", later, later - REPLAY_HORIZON) is False


async def test_forgetting_drops_only_keys_handled_before_the_cut(store: Store) -> None:
    await store.remember_request("old", NOW - timedelta(hours=1), SINCE - timedelta(hours=1))
    await store.remember_request("new", NOW, SINCE)
    assert await store.forget_requests(NOW - timedelta(minutes=1)) == 1
    assert await store.forget_requests(NOW - timedelta(minutes=1)) == 0
    # the forgotten key is new, the kept one still a replay, even asked with no horizon
    assert await store.remember_request("old", NOW, NOW - timedelta(days=9)) is True
    assert await store.remember_request("new", NOW, NOW - timedelta(days=9)) is False


async def test_two_workers_racing_on_one_key_get_one_true(store_factory: StoreFactory) -> None:
    first, second = await store_factory(), await store_factory()
    for n in range(10):
        key = f"race-{n}"
        answers = await asyncio.gather(
            first.remember_request(key, NOW, SINCE), second.remember_request(key, NOW, SINCE)
        )
        assert sorted(answers) == [False, True]


async def test_the_guard_hashes_keys_and_prunes_once_per_horizon(store: Store) -> None:
    clock = FixedClock(NOW)
    guard = ReplayGuard(store, clock)
    assert await guard.first_time("slack-command T1 " + "9" * 5000) is True
    assert await guard.first_time("slack-command T1 " + "9" * 5000) is False
    assert await guard.first_time("\ud800 lone surrogate") is True
    clock.advance(REPLAY_HORIZON + timedelta(minutes=1))  # past the horizon: pruned, new
    assert await guard.first_time("another") is True
    assert await store.forget_requests(clock.now() + timedelta(seconds=1)) == 1, "the rest went"
    assert await guard.first_time("slack-command T1 " + "9" * 5000) is True
