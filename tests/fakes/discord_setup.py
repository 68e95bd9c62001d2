"""Helpers shared by the Discord tests: the fake running, a platform aimed at it, globals restored.

discord.py keeps its REST base (`Route.BASE`) and gateway (`DEFAULT_GATEWAY`) in class
attributes; `aimed_at` sets them from a config exactly as production does and restores them
afterwards, so no test leaks its loopback URLs into another.
"""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

from discord.gateway import DiscordWebSocket
from discord.http import Route

from adapters.discord import DiscordPlatform
from bot.config.load import DiscordConfig
from bot.ports import CommandHandler
from tests.fakes.discord_api import FakeDiscord

WAIT_S = 10.0  # an upper bound on waiting for the fake: a hang fails instead of blocking


@contextlib.contextmanager
def discord_globals_restored() -> Iterator[None]:
    base, gateway = Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY
    try:
        yield
    finally:
        Route.BASE, DiscordWebSocket.DEFAULT_GATEWAY = base, gateway


def config_for(fake: FakeDiscord, **overrides: Any) -> DiscordConfig:
    values: dict[str, Any] = {
        "enabled": True,
        "token": fake.token,
        "api_base_url": fake.base_url,
        "gateway_url": fake.gateway_url,
    }
    return DiscordConfig(**(values | overrides))


async def no_sleep(_seconds: float) -> None:
    """The injected sleep for our own retries: the tests never wait on the wall clock."""


@contextlib.asynccontextmanager
async def fake_discord(**fake_options: Any) -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord(**fake_options)
    await fake.start()
    try:
        with discord_globals_restored():
            yield fake
    finally:
        await fake.close()


@contextlib.asynccontextmanager
async def serving(platform: DiscordPlatform, handler: CommandHandler) -> AsyncIterator[None]:
    """The platform's `start` running in a task until the block ends, then `stop`ped."""
    task = asyncio.create_task(platform.start(handler))
    try:
        async with asyncio.timeout(WAIT_S):
            waiter = asyncio.create_task(platform.wait_connected())
            done, _ = await asyncio.wait({task, waiter}, return_when=asyncio.FIRST_COMPLETED)
            if task in done:
                waiter.cancel()
                task.result()  # start() ended early: raise its error here
        yield
    finally:
        await platform.stop()
        async with asyncio.timeout(WAIT_S):
            await task
