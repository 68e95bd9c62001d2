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

A sharded bot (an `AutoShardedClient`) runs the same loop once per shard, side by side, in
place of discord.py's shard loop (`AutoShardedClient.connect`), which logged a traceback
for every failed attempt, slept on the wall clock and kept no state for `status`. Each
shard has its own tracker ("Discord shard 3: reconnecting ..."); `status()` shows the
worst. Each shard's socket is registered where discord.py keeps its shards, so the
client's `close()` closes them (and ends their loops) as it would its own. First
IDENTIFYs are spaced `IDENTIFY_SPACING_S` apart through the injected sleep, as Discord
allows one session start per five seconds.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import aiohttp
import discord
from discord.gateway import DiscordWebSocket, ReconnectWebSocket
from discord.shard import EventItem, Shard

from adapters.discord.posting import Sleep
from bot.chat.connection import Backoff, ConnectionTracker, overall
from bot.records.chat import ConnectionStatus
from bot.records.clock import Clock
from bot.records.errors import ConfigError, TransientPlatformError

log = logging.getLogger(__name__)

CONNECT_TIMEOUT_S = 60.0  # as discord.py: the WebSocket handshake and HELLO
IDENTIFY_SPACING_S = 5.0  # Discord: one session start per 5 s (max_concurrency 1)
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


class _Link:
    """One gateway socket and its state: the client's own, or one shard's."""

    def __init__(self, shard_id: int | None, tracker: ConnectionTracker) -> None:
        self.shard_id = shard_id
        self.tracker = tracker
        self.ws: DiscordWebSocket | None = None
        self.up = False  # READY or RESUMED came on the current socket
        self.name = "Discord" if shard_id is None else f"Discord shard {shard_id}"

    def resume_params(self) -> dict[str, Any]:
        """RESUME the last session if there was one (Discord replays what was missed)."""
        ws = self.ws
        if ws is None or ws.session_id is None:
            return {}
        return {
            "resume": True,
            "session": ws.session_id,
            "sequence": ws.sequence,
            "gateway": ws.gateway,
        }


class GatewayLoop:
    """Holds `client`'s gateway sessions until the client is closed (see the module doc)."""

    def __init__(
        self,
        client: discord.Client,
        *,
        clock: Clock,
        sleep: Sleep = asyncio.sleep,
        backoff: Backoff | None = None,
    ) -> None:
        self._client = client
        self._sleep = sleep
        self._backoff = backoff or Backoff()
        self._sharded = isinstance(client, discord.AutoShardedClient)
        shard_ids: list[int | None] = [*_shard_ids(client)] if self._sharded else [None]
        self._links = {
            sid: _Link(sid, ConnectionTracker("discord" + _shard_label(sid), clock))
            for sid in shard_ids
        }

    def status(self) -> ConnectionStatus:
        """The connection for `/papers status`: with shards, the worst one's."""
        return overall([link.tracker.status for link in self._links.values()], "discord")

    def session_up(self, shard_id: int | None = None) -> None:
        """READY or RESUMED arrived (the platform's `on_connect` / `on_shard_connect`, ...)."""
        link = self._links.get(shard_id if self._sharded else None)
        if link is None:
            return
        link.up = True
        link.tracker.connected()
        log.info("%s: connected to the gateway", link.name)

    async def run(self, prepare: Prepare) -> None:
        """`prepare()` (log in, sync commands), then serve the gateway (each shard's),
        retrying an unreachable Discord. Returns once the client is closed; raises
        ConfigError when Discord rejects the token or the setup (at start, or later)."""
        if not self._sharded:
            await self._hold(self._links[None], prepare)
            return
        self._prepare_shards()
        try:
            async with asyncio.TaskGroup() as shards:
                for index, link in enumerate(self._links.values()):
                    if index:
                        await self._sleep(IDENTIFY_SPACING_S)
                    if self._client.is_closed():
                        break
                    shards.create_task(self._hold(link, prepare))
        except BaseExceptionGroup as failed:  # one shard's ConfigError ends them all
            raise _first(failed) from None

    async def _hold(self, link: _Link, prepare: Prepare) -> None:
        """One socket's loop: connect (or RESUME), read events, retry, until closed."""
        resume: dict[str, Any] = {}
        while not self._client.is_closed():
            try:
                await prepare()
                # a first IDENTIFY skips discord.py's 5 s wait: shards are spaced by `run`
                await self._session(link, resume, initial=link.ws is None)
            except ReconnectWebSocket as exc:
                # Discord asked for a new socket, or the socket closed: at once if the
                # session was up or Discord just refused a RESUME (it answered), else wait.
                answered = link.up or (bool(resume) and not exc.resume)
                resume = link.resume_params() if exc.resume else {}
                if not answered:
                    await self._failed(link, "the gateway closed the connection")
            except discord.PrivilegedIntentsRequired:
                raise ConfigError(FATAL_CLOSES[4014]) from None
            except UNREACHABLE as exc:
                _raise_if_fatal(exc)
                resume = link.resume_params()
                await self._failed(link, _describe(exc))

    async def _session(self, link: _Link, resume: dict[str, Any], *, initial: bool) -> None:
        """One socket: connect (IDENTIFY, or RESUME the last session), then read events."""
        link.up = False
        client = self._client
        shard_id = client.shard_id if link.shard_id is None else link.shard_id
        coro = DiscordWebSocket.from_client(
            client, initial=initial and not resume, shard_id=shard_id, **resume
        )
        ws = await asyncio.wait_for(coro, timeout=CONNECT_TIMEOUT_S)
        self._attach(link, ws)
        while True:
            await ws.poll_event()

    def _attach(self, link: _Link, ws: DiscordWebSocket) -> None:
        """Put the socket where discord.py looks for it (sends, `close()`)."""
        link.ws = ws
        client = self._client
        if link.shard_id is None:
            client.ws = ws
            return
        shard = Shard(ws, client, _ignore)  # type: ignore[arg-type]  # its worker never runs
        _registry(client)[link.shard_id] = shard

    def _prepare_shards(self) -> None:
        """What discord.py's `launch_shards` sets up before the first IDENTIFY."""
        client = self._client
        assert isinstance(client, discord.AutoShardedClient)
        client._reconnect = True  # read by discord.py's Shard, whose loop we replace
        client._connection.shard_count = client.shard_count
        client._connection.shard_ids = list(_shard_ids(client))

    async def _failed(self, link: _Link, error: str) -> None:
        if self._client.is_closed():  # stop() closed what the attempt was using
            return
        attempt = link.tracker.failed(error)
        wait = self._backoff.delay(attempt)
        log.warning(
            "%s: cannot connect (attempt %d: %s); next attempt in %.0f s",
            link.name,
            attempt,
            error,
            wait,
        )
        await self._sleep(wait)


def _shard_ids(client: discord.Client) -> list[int]:
    if not isinstance(client, discord.AutoShardedClient) or client.shard_count is None:
        raise ConfigError("[discord] a sharded bot needs shard_count")
    return list(client.shard_ids or range(client.shard_count))


def _shard_label(shard_id: int | None) -> str:
    return "" if shard_id is None else f" shard {shard_id}"


def _registry(client: discord.Client) -> dict[int, Shard]:
    """discord.py's own map of an AutoShardedClient's shards (read by `close()`)."""
    shards: dict[int, Shard] = getattr(client, "_AutoShardedClient__shards")  # noqa: B009
    return shards


def _ignore(item: EventItem) -> None:
    """discord.py's Shard reports to its loop's queue; ours is not listening."""


def _first(failed: BaseExceptionGroup[BaseException]) -> BaseException:
    """The error that ended a group of shard loops: a ConfigError first, if any."""
    leaves = list(_leaves(failed))
    return next((e for e in leaves if isinstance(e, ConfigError)), leaves[0])


def _leaves(group: BaseExceptionGroup[BaseException]) -> list[BaseException]:
    found: list[BaseException] = []
    for exc in group.exceptions:
        found.extend(_leaves(exc) if isinstance(exc, BaseExceptionGroup) else [exc])
    return found


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
