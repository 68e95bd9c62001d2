"""The retention plan (bot/retention/plan.py): each kind's cut-off from its horizon, never
inside the window the bot still reads that kind in; 0 keeps a kind forever."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from hypothesis import given
from hypothesis import strategies as st

from bot.config.load import DeliveryConfig, RetentionConfig, load_config
from bot.records.errors import ConfigError
from bot.records.retention import PruneKind
from bot.retention.plan import MARGIN, cutoffs

NOW = datetime(2026, 3, 29, 1, 30, tzinfo=UTC)


def cut(retention: RetentionConfig, delivery: DeliveryConfig | None = None) -> dict[str, datetime]:
    found = cutoffs(retention, delivery or DeliveryConfig(), NOW)
    return {c.kind.value: c.before for c in found}


def test_the_defaults_prune_every_kind_at_its_horizon() -> None:
    days = timedelta(days=1)
    assert cut(RetentionConfig()) == {
        "settle_tasks": NOW - 14 * days,
        "deliveries": NOW - 90 * days,
        "personal_deliveries": NOW - 90 * days,
        "followup_events": NOW - 30 * days,
        "followup_seen": NOW - 30 * days,
        "handled_requests": NOW - timedelta(hours=24),
        "link_codes": NOW - 7 * days,
        "link_failures": NOW - 7 * days,
        "link_guards": NOW - 7 * days,
        "artifacts": NOW - 90 * days,
        "fetches": NOW - 30 * days,
    }


def test_a_short_horizon_is_stretched_to_the_window_still_read() -> None:
    shortest = RetentionConfig(
        deliveries_days=1,
        settle_days=1,
        followups_days=1,
        requests_hours=0,
        links_days=1,
    )
    delivery = DeliveryConfig(settle_after_hours=(24, 168, 720), followup_days=45)
    found = cut(shortest, delivery)
    assert found["settle_tasks"] == NOW - timedelta(days=30) - MARGIN  # the 720 h settle
    assert found["deliveries"] == NOW - timedelta(days=45) - MARGIN  # follow-ups read longer
    assert found["followup_events"] == NOW - timedelta(days=45) - MARGIN
    assert "handled_requests" not in found  # 0: kept forever


def test_with_settling_and_follow_ups_off_a_delivery_still_keeps_a_day() -> None:
    found = cut(
        RetentionConfig(deliveries_days=1),
        DeliveryConfig(settle_after_hours=(), followup_days=0),
    )
    assert found["deliveries"] == NOW - timedelta(days=1)


def test_a_wrong_link_code_outlives_its_counting_window() -> None:
    assert cut(RetentionConfig(links_days=0)).get("link_failures") is None
    assert cut(RetentionConfig(requests_hours=1))["handled_requests"] == NOW - timedelta(hours=1)


@given(
    horizon=st.integers(0, 3650),
    ages=st.lists(st.integers(1, 2160), max_size=4),
    followup=st.integers(0, 90),
)
def test_no_cutoff_ever_reaches_into_pending_work(
    horizon: int, ages: list[int], followup: int
) -> None:
    retention = RetentionConfig(
        deliveries_days=horizon, settle_days=horizon, followups_days=horizon
    )
    delivery = DeliveryConfig(settle_after_hours=tuple(sorted(set(ages))), followup_days=followup)
    for c in cutoffs(retention, delivery, NOW):
        if c.kind is PruneKind.SETTLE_TASKS or c.kind is PruneKind.DELIVERIES:
            assert c.before <= NOW - timedelta(hours=max(ages, default=0)) - MARGIN
        if c.kind in (PruneKind.DELIVERIES, PruneKind.FOLLOWUP_EVENTS, PruneKind.FOLLOWUP_SEEN):
            assert c.before <= NOW - timedelta(days=followup) - MARGIN


def test_the_config_table_reads_every_key_and_refuses_out_of_range_values() -> None:
    text = "[retention]\nenabled = false\nevery_hours = 6\nbatch_size = 500\ndeliveries_days = 0"
    loaded = load_config(text, {}).retention
    assert loaded == RetentionConfig(
        enabled=False, every_hours=6, batch_size=500, deliveries_days=0
    )
    with pytest.raises(ConfigError, match=r"\[retention\] batch_size must be an integer"):
        load_config("[retention]\nbatch_size = 5", {})
    with pytest.raises(ConfigError, match="did you mean deliveries_days"):
        load_config("[retention]\ndelivery_days = 5", {})
