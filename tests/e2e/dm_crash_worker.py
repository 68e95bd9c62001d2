"""A DM digest run in its own process, for the DM crash test:
`python -m tests.e2e.dm_crash_worker DB_PATH PLATFORM API_URL GATEWAY_URL NOW_ISO [STEP COUNT]`.

The real PeopleRunner with the real adapter of PLATFORM (`slack`: slack_sdk's
AsyncWebClient; `discord`: discord.py) pointed at the fake API the test serves. With STEP and
COUNT the process SIGKILLs itself the COUNT-th time the runner reaches STEP (the step names
of bot/delivery/runner.py and bot/delivery/parts.py). Prints the outcomes.
"""

from __future__ import annotations

import asyncio
import json
import sys
from datetime import datetime

from adapters.discord import DiscordPlatform
from adapters.slack.platform import SlackPlatform
from bot.config.load import DeliveryConfig, DiscordConfig, SlackConfig
from bot.people.runner import PeopleRunner
from bot.ports import ChatPlatform
from bot.records.clock import FixedClock
from bot.storage.sqlite.store import SqliteStore
from tests.e2e.crash_worker import StoredListOnly, killer
from tests.fakes.pacing import discord_pacing, slack_pacing

DISCORD_TOKEN = "fake-bot-token"  # tests/fakes/discord_api.py FakeDiscord.token


async def no_sleep(_seconds: float) -> None:
    return None


def platform_for(name: str, api_url: str, gateway_url: str, clock: FixedClock) -> ChatPlatform:
    if name == "slack":
        config = SlackConfig(
            enabled=True, bot_token="xoxb-test", app_token="xapp-x", api_base_url=api_url
        )
        return SlackPlatform(
            config, clock=clock, sleep=no_sleep, timeout_s=5.0, pacing=slack_pacing()
        )
    config_d = DiscordConfig(
        enabled=True, token=DISCORD_TOKEN, api_base_url=api_url, gateway_url=gateway_url
    )
    return DiscordPlatform(config_d, sleep=no_sleep, attempts=3, pacing=discord_pacing())


async def main(argv: list[str]) -> int:
    db_path, name, api_url, gateway_url, now_text = argv[:5]
    hook = killer(argv[5], int(argv[6])) if len(argv) == 7 else None
    clock = FixedClock(datetime.fromisoformat(now_text))
    store = await SqliteStore.open(db_path)
    platform = platform_for(name, api_url, gateway_url, clock)
    config = DeliveryConfig(concurrency=3)
    runner = PeopleRunner(store, StoredListOnly(), {name: platform}, clock, config, on_step=hook)
    try:
        outcomes = await runner.run_due()
    finally:
        await platform.stop()
        await store.close()
    print(json.dumps(dict(outcomes)))
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main(sys.argv[1:])))
