"""The artifact half of the Store contract (bot/lifecycle/artifacts.py, migration 15), on every
backend of the shared `store` fixture (SQLite, and PostgreSQL when PAPERBOT_TEST_POSTGRES_URL is
set)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from bot.ports import Store
from bot.records.followups import Seen
from bot.records.models import PaperArtifacts

AT = datetime(2024, 5, 10, 9, 0, tzinfo=UTC)
LINKED = PaperArtifacts(
    "2405.00001",
    models=("org/planner-7b", "gpt2"),
    datasets=("org/traces",),
    spaces=("org/démo",),
    more=True,
)


async def test_a_lookup_round_trips_and_the_next_one_replaces_it(store: Store) -> None:
    assert await store.hf_artifacts([]) == {}
    await store.save_hf_artifacts([LINKED, PaperArtifacts("2405.00002")], AT)
    await store.save_hf_artifacts([], AT)  # nothing to save: nothing changes
    found = await store.hf_artifacts(["2405.00001", "2405.00002", "2405.00003"])
    assert set(found) == {"2405.00001", "2405.00002"}
    assert found["2405.00001"].artifacts == LINKED
    assert found["2405.00001"].fetched_at == AT
    assert found["2405.00002"].artifacts.is_empty  # looked up, none linked: not "unknown"

    later = PaperArtifacts("2405.00002", spaces=("org/demo",))
    await store.save_hf_artifacts([later], AT + timedelta(hours=6))
    again = await store.hf_artifacts(["2405.00002"])
    assert again["2405.00002"].artifacts == later
    assert again["2405.00002"].fetched_at == AT + timedelta(hours=6)


async def test_what_follow_ups_saw_of_a_papers_artifacts_is_kept_unknown_apart_from_none(
    store: Store,
) -> None:
    await store.save_followups_seen([Seen("2405.00001", hf=(0, 2, None)), Seen("2405.00002")], AT)
    found = await store.followups_seen(["2405.00001", "2405.00002"])
    assert found["2405.00001"].hf == (0, 2, None)
    assert found["2405.00002"].hf == (None, None, None)
