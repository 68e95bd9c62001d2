"""Planning: every person's due DM digests become records, as bot/delivery/plan.py does for
channels, in the same three store round trips (people, each one's newest record, one
insert), so planning costs the same whatever the number of people.
"""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, time, timedelta

from bot.delivery.cooperative import in_turns
from bot.delivery.state import record_for
from bot.ports import Store
from bot.records.delivery import Delivery
from bot.schedule.cadence import due_posts


async def plan_personal_deliveries(
    store: Store,
    platforms: Collection[str],
    now: datetime,
    *,
    grace: timedelta,
    day_cutoff_utc: time,
) -> int:
    """Create the DM records of every occurrence due by `now`; returns how many were new.
    A paused person (by them, or because the platform refused a DM) gets none: their next
    digest after `me resume` is the next one due."""
    latest = await store.latest_personal_delivery_per_person()
    records: list[Delivery] = []
    async for person in in_turns(await store.list_people()):
        if person.paused_reason or person.ref.platform not in platforms:
            continue
        settings = person.settings
        for cadence in settings.cadences:
            newest = latest.get((person.key, cadence))
            last_done = newest.post_at if newest else None
            for due in due_posts(settings, cadence, last_done, now, grace, day_cutoff_utc):
                records.append(record_for(person.ref, due, cadence))
    return await store.create_personal_deliveries(records)
