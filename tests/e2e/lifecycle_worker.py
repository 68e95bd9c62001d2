"""One scheduler sweep in its own process, for the lifecycle crash test:
`python -m tests.e2e.lifecycle_worker DB_PATH PLATFORM_URL NOW_ISO [STEP COUNT]`.

The sweep is the real one (`PaperScheduler.sweep`: the day's digests, then settling, then
follow-ups), with settling at one age, `SETTLE_AFTER_HOURS`. With STEP and COUNT the
process SIGKILLs itself the COUNT-th time any runner reaches STEP (the step names of
bot/delivery/runner.py, bot/lifecycle/settle.py and bot/lifecycle/followups.py): no cleanup, no
flush, like a machine losing power. Prints the outcomes.
"""

from __future__ import annotations

import asyncio
import json
import os
import signal
import sys
from datetime import datetime

from bot.app.scheduler import PaperScheduler
from bot.config.load import DeliveryConfig
from bot.delivery.runner import DeliveryRunner
from bot.lifecycle.followups import FollowupRunner
from bot.lifecycle.settle import SettleRunner
from bot.records.clock import FixedClock
from bot.storage.sqlite.store import SqliteStore
from tests.e2e.crash_worker import StoredListOnly
from tests.fakes.ratelimited_platform import HttpChatPlatform

SETTLE_AFTER_HOURS = 2


class Killer:
    """Counts the steps every runner reports; dies at the chosen one."""

    def __init__(self, step: str | None, count: int) -> None:
        self.step, self.count, self.seen = step, count, 0

    def __call__(self, name: str, *_: object) -> None:
        if name == self.step:
            self.seen += 1
            if self.seen == self.count:
                os.kill(os.getpid(), signal.SIGKILL)


async def main(argv: list[str]) -> int:
    db_path, url, now_text = argv[:3]
    kill = Killer(argv[3], int(argv[4])) if len(argv) == 5 else Killer(None, 0)
    clock = FixedClock(datetime.fromisoformat(now_text))
    store = await SqliteStore.open(db_path)
    platforms = {"slack": HttpChatPlatform("slack", url, now=clock.now)}
    config = DeliveryConfig(concurrency=4, settle_after_hours=(SETTLE_AFTER_HOURS,))
    source = StoredListOnly()
    runner = DeliveryRunner(store, source, platforms, clock, config, on_step=kill)
    settler = SettleRunner(store, source, platforms, clock, config, on_step=kill)
    followups = FollowupRunner(store, platforms, clock, config, on_step=kill)
    scheduler = PaperScheduler(runner, store, clock, settler=settler, followups=followups)
    try:
        await scheduler.sweep()
    finally:
        await platforms["slack"].stop()
        await store.close()
    print(json.dumps({"worker": runner.worker}))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
