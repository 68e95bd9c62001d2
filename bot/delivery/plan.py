"""Planning: turn every active subscription's due occurrences into delivery records.

Three store round trips whatever the number of channels: the subscriptions, each channel's
newest record, and one transaction that inserts every new record (a record that exists is
left alone, so a re-run or a second planner creates nothing twice). Planning used to take
two round trips and one transaction per subscription, a cost in the store's single worker
thread that grew with the channels and came before the first post (docs/benchmarks.md,
"Fan-out store hot spots and digest build").
"""

from __future__ import annotations

import logging
from collections.abc import Collection
from datetime import datetime, time, timedelta

from bot.delivery.cooperative import in_turns
from bot.delivery.state import record_for
from bot.ports import Store
from bot.records.delivery import Delivery, DeliveryState
from bot.schedule.cadence import due_posts

log = logging.getLogger(__name__)


async def plan_deliveries(
    store: Store,
    platforms: Collection[str],
    now: datetime,
    *,
    grace: timedelta,
    day_cutoff_utc: time,
) -> int:
    """Create the records of every occurrence due by `now`; returns how many were new."""
    latest = await store.latest_delivery_per_channel()
    records: list[Delivery] = []
    # in turns: schedule arithmetic over every subscription in one stretch, during which no
    # slash command would be acknowledged (docs/benchmarks.md, "Slash-command acks through
    # the real adapters")
    async for subscription in in_turns(await store.list_subscriptions()):
        channel = subscription.channel
        if subscription.paused_reason or channel.platform not in platforms:
            continue
        for cadence in subscription.settings.cadences:  # each cadence has records of its own
            newest = latest.get((channel.key, cadence))
            if newest is not None:
                await reopen_if_resumed(store, newest, now, grace)
            last_done = newest.post_at if newest else None
            settings = subscription.settings
            for due in due_posts(settings, cadence, last_done, now, grace, day_cutoff_utc):
                records.append(record_for(channel, due, cadence))
    return await store.create_deliveries(records)


async def reopen_if_resumed(
    store: Store, latest: Delivery, now: datetime, grace: timedelta
) -> None:
    """The channel was paused on this record and is active again (a user resumed it):
    post it now if its time is within the grace window, like any other catch-up."""
    if latest.state is not DeliveryState.PAUSED or now - latest.post_at > grace:
        return
    if await store.reopen_delivery(latest.channel, latest.day, now, latest.cadence):
        log.info("%s resumed: posting its digest for %s", latest.channel.key, latest.day)
