"""Reaching Discord with one failure policy: a rejected token ends the run, an unreachable
Discord is retried with backoff.

We own the loop rather than run discord.py's `Client.connect(reconnect=True)`: that loop
logs a traceback (`_log.exception`) on every failed attempt, sleeps on the wall clock with
its own jittered backoff (nothing a test can inject), and cannot be told "log in and sync
first": a REST outage at start ended the run, and a gateway refused before the first
session even broke its resume bookkeeping (`self.ws` is still None). Running
`connect(reconnect=False)` in our loop instead is no cure, as discord.py then closes the
whole client (its REST session too) on each failure, so every retry would log in again and
could never RESUME. So `GatewayLoop.run` does what `Client.connect` does with the same
discord.py pieces (`DiscordWebSocket.from_client`, `poll_event`, RESUME after a drop), plus:
log in and sync commands inside the same retry, one WARNING line per failed attempt, the
backoff and sleep injected, the state kept in a `ConnectionTracker` for `/papers status`.

An `AutoShardedClient` keeps discord.py's own shard loop once logged in and synced.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import discord
from discord.gateway import DiscordWebSocket, ReconnectWebSocket

from adapters.discord.posting import Sleep
from bot.chat.connection import Backoff, ConnectionTracker
from bot.records.errors import ConfigError, TransientPlatformError

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 60.0  # as discord.py: the WebSocket handshake and HELLO
# Gateway close codes meaning "fix the config": reconnecting cannot help (discord.py's list).
FATAL_CLOSES = {
    4004: "Discord rejected the bot token (gateway close 4004)",
    4010: "Discord refused the shard (gateway close 4010): check [discord] shard_ids",
    4011: "Discord requires sharding for this bot (gateway close 4011): set shard_count",
    4012: "Discord refused the gateway version (gateway close 4012)",
    4013: "Discord refused the intents (gateway close 4013)",
    4014: "Discord refused the intents; paperbot needs none privileged",
}
# What an attempt raises when Discord cannot be reached, or answers with a server error.
UNREACHABLE: tuple[type[Exception], ...] = (
    OSError,
    aiohttp.ClientError,
    asyncio.TimeoutError,
    discord.DiscordServerError,
    discord.GatewayNotFound,
    discord.ConnectionClosed,
    TransientPlatformError,  # what logging in or syncing translated
)

Prepare = Callable[[], Awaitable[None]]


class GatewayLoop:
    """Holds `client`'s gateway session until the client is closed (see the module doc)."""

    def __init__(
        self,
        client: discord.Client,
        *,
        tracker: ConnectionTracker,
        sleep: Sleep = asyncio.sleep,
        backoff: Backoff | None = None,
    ) -> None:
        self._client = client
        self._tracker = tracker
        self._sleep = sleep
        self._backoff = backoff or Backoff()
        self._up = False  # READY or RESUMED came on the current socket

    def session_up(self) -> None:
        """READY or RESUMED arrived (the platform's `on_connect` / `on_resumed`)."""
        self._up = True
        self._tracker.connected()
        log.info("Discord: connected to the gateway")

    async def run(self, prepare: Prepare) -> None:
        """`prepare()` (log in, sync commands), then serve the gateway, retrying an
        unreachable Discord. Returns once the client is closed; raises ConfigError when
        Discord rejects the token or the setup (at start, or on a later reconnect)."""
        resume: dict[str, Any] = {}
        while not self._client.is_closed():
            try:
                await prepare()
                if isinstance(self._client, discord.AutoShardedClient):
                    await self._client.connect(reconnect=True)
                    return
                await self._session(resume)
            except ReconnectWebSocket as exc:
                # Discord asked for a new socket, or the socket closed: at once if the
                # session was up or Discord just refused a RESUME (it answered), else wait.
                answered = self._up or (bool(resume) and not exc.resume)
                resume = self._resume_params() if exc.resume else {}
                if not answered:
                    await self._failed("the gateway closed the connection")
            except discord.PrivilegedIntentsRequired:
                raise ConfigError(FATAL_CLOSES[4014]) from None
            except UNREACHABLE as exc:
                _raise_if_fatal(exc)
                resume = self._resume_params()
                await self._failed(_describe(exc))

    async def _session(self, resume: dict[str, Any]) -> None:
        """One socket: connect (IDENTIFY, or RESUME the last session), then read events."""
        self._up = False
        client = self._client
        initial = client.ws is None
        coro = DiscordWebSocket.from_client(
            client, initial=initial, shard_id=client.shard_id, **resume
        )
        client.ws = await asyncio.wait_for(coro, timeout=CONNECT_TIMEOUT_S)
        while True:
            await client.ws.poll_event()

    def _resume_params(self) -> dict[str, Any]:
        """RESUME the last session if there was one (Discord replays what was missed)."""
        ws = self._client.ws
        if ws is None or ws.session_id is None:
            return {}
        return {
            "resume": True,
            "session": ws.session_id,
            "sequence": ws.sequence,
            "gateway": ws.gateway,
        }

    async def _failed(self, error: str) -> None:
        if self._client.is_closed():  # stop() closed what the attempt was using
            return
        attempt = self._tracker.failed(error)
        wait = self._backoff.delay(attempt)
        log.warning(
            "Discord: cannot connect (attempt %d: %s); next attempt in %.0f s",
            attempt,
            error,
            wait,
        )
        await self._sleep(wait)


def _raise_if_fatal(exc: Exception) -> None:
    if isinstance(exc, discord.ConnectionClosed) and exc.code in FATAL_CLOSES:
        raise ConfigError(FATAL_CLOSES[exc.code]) from None


def _describe(exc: Exception) -> str:
    """A short cause for the log and `/papers status`: never a URL, a token or a body."""
    if isinstance(exc, TransientPlatformError) and isinstance(exc.__cause__, Exception):
        exc = exc.__cause__  # the error logging in or syncing met, untranslated
    if isinstance(exc, discord.HTTPException):
        return f"Discord answered HTTP {exc.status}"
    if isinstance(exc, discord.ConnectionClosed):
        return f"the gateway closed the connection (code {exc.code})"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return f"cannot reach {exc.host}:{exc.port}"
    if isinstance(exc, aiohttp.ClientResponseError):  # e.g. the WebSocket upgrade refused
        return f"the gateway answered HTTP {exc.status}"
    if isinstance(exc, asyncio.TimeoutError):
        return "timed out"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return type(exc).__name__
