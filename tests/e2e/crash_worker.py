"""A delivery run in its own process, for the crash test: `python -m tests.e2e.crash_worker`.

Arguments: DB_PATH PLATFORM_URL NOW_ISO [STEP COUNT]. With STEP and COUNT, the process
SIGKILLs itself the COUNT-th time the runner reaches STEP (see bot.delivery.runner.StepHook):
no cleanup, no flush, exactly like a machine losing power mid-run. Prints the outcomes.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from datetime import date, datetime

from bot.config.load import DeliveryConfig
from bot.delivery.runner import DeliveryRunner, StepHook
from bot.records.clock import FixedClock
from bot.records.delivery import Delivery
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.ratelimited_platform import HttpChatPlatform


class StoredListOnly:
    """The lists are already in the store (the test seeded them)."""

    async def refresh_day(self, day: date) -> int:
        return 0


def killer(step: str, count: int) -> StepHook:
    seen = 0

    def hook(name: str, delivery: Delivery | None) -> None:
        nonlocal seen
        if name == step:
            seen += 1
            if seen == count:
                os.kill(os.getpid(), signal.SIGKILL)

    return hook


async def main(argv: list[str]) -> int:
    db_path, url, now_text = argv[:3]
    hook = killer(argv[3], int(argv[4])) if len(argv) == 5 else None
    store = await SqliteStore.open(db_path)
    platform = HttpChatPlatform("slack", url)
    config = DeliveryConfig(concurrency=4)
    clock = FixedClock(datetime.fromisoformat(now_text))
    runner = DeliveryRunner(
        store, StoredListOnly(), {"slack": platform}, clock, config, on_step=hook
    )
    try:
        outcomes = await runner.run_due()
    finally:
        await platform.stop()
        await store.close()
    print(json.dumps(dict(outcomes)))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
