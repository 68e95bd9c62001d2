"""Socket Mode with one failure policy: a rejected token ends the run, an unreachable Slack
is retried with backoff.

slack_sdk's aiohttp `SocketModeClient` keeps the session (pings, stale-session checks, the
receive loop) and we keep that. Its `connect()` however retries every failure, a rejected
token included, every `ping_interval` seconds, forever, logging a traceback each time; and
its `issue_new_wss_url()` logs the whole Slack answer at ERROR. So this subclass owns the
one step that fails: an attempt (check the bot token once with `auth.test`, then
`apps.connections.open` and the WebSocket handshake) inside our loop, with an injectable
backoff and sleep, one log line per failed attempt, and the state kept for `/papers status`.
Every reconnect the SDK starts (stale session, CLOSE frame, Slack's `disconnect` message)
goes through `connect_to_new_endpoint`, which we route to the same loop.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import time
from collections.abc import Callable

import aiohttp
from slack_bolt.adapter.socket_mode.async_handler import AsyncSocketModeHandler
from slack_bolt.app.async_app import AsyncApp
from slack_sdk.errors import SlackApiError
from slack_sdk.socket_mode.aiohttp import SocketModeClient
from slack_sdk.socket_mode.async_client import AsyncBaseSocketModeClient
from slack_sdk.socket_mode.request import SocketModeRequest
from slack_sdk.socket_mode.response import SocketModeResponse
from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.errors import Sleep
from adapters.slack.inbound import problem
from bot.chat.connection import Backoff, ConnectionTracker
from bot.records.errors import ConfigError

log = logging.getLogger(__name__)
# slack_sdk's client logs each session's id, ping and reconnect at INFO; we log what matters.
_SDK_LOG = log.getChild("sdk")
_SDK_LOG.setLevel(logging.WARNING)

# Slack's answers meaning "these credentials will never work": retrying cannot help.
REJECTED = frozenset(
    {
        "invalid_auth",
        "not_authed",
        "not_allowed_token_type",
        "token_revoked",
        "token_expired",
        "account_inactive",
        "missing_scope",
    }
)
# What one attempt raises when Slack cannot be reached or answers with a server error.
UNREACHABLE: tuple[type[Exception], ...] = (
    SlackApiError,
    aiohttp.ClientError,
    asyncio.TimeoutError,
    OSError,
)

OnFatal = Callable[[ConfigError], None]


class SocketClient(SocketModeClient):
    """slack_sdk's aiohttp Socket Mode client with our connect loop (see the module doc)."""

    def __init__(
        self,
        app_token: str,
        web_client: AsyncWebClient,
        *,
        tracker: ConnectionTracker,
        on_fatal: OnFatal,
        sleep: Sleep = asyncio.sleep,
        backoff: Backoff | None = None,
    ) -> None:
        super().__init__(app_token, logger=_SDK_LOG, web_client=web_client)
        self._tracker = tracker
        self._on_fatal = on_fatal
        self._sleep = sleep
        self._backoff = backoff or Backoff()
        self._bot_token_checked = False

    async def connect(self) -> None:
        """Connect, retrying an unreachable Slack with backoff. Raises ConfigError when Slack
        rejects a token (at start, or later: a revoked token)."""
        while not self.closed:
            try:
                await self._attempt()
            except SlackApiError as exc:
                if _code(exc) in REJECTED:
                    raise _rejected(exc, self._bot_token_checked) from None
                await self._failed(_describe(exc))
            except UNREACHABLE as exc:
                await self._failed(_describe(exc))
            else:
                self._tracker.connected()
                log.info("Slack: connected in Socket Mode")
                return

    async def connect_to_new_endpoint(self, force: bool = False) -> None:
        """The SDK's reconnect (stale session, CLOSE, `disconnect`): through our loop."""
        async with self.connect_operation_lock:
            if self.closed or not (force or not await self.is_connected()):
                return
            log.info("Slack: the Socket Mode session ended; reconnecting")
            try:
                await self.connect()
            except ConfigError as exc:  # in an SDK task: hand it to the platform to end the run
                self._on_fatal(exc)

    async def _attempt(self) -> None:
        """One try: the SDK's `connect()` body, minus its retry loop and its logging."""
        if not self._bot_token_checked:
            await self.web_client.auth_test()
            self._bot_token_checked = True
        old = self.current_session
        self.auto_reconnect_enabled = False  # no SDK reconnect while we replace the session
        if old is not None:
            with contextlib.suppress(Exception):  # a broken session may fail to close
                await old.close()
        if self.aiohttp_client_session.closed:
            self.aiohttp_client_session = aiohttp.ClientSession()
        opened = await self.web_client.apps_connections_open(app_token=self.app_token)
        self.wss_uri = str(opened["url"])
        self.current_session = await self.aiohttp_client_session.ws_connect(
            self.wss_uri,
            autoping=False,
            heartbeat=self.ping_interval,
            proxy=self.proxy,
            ssl=self.web_client.ssl if self.web_client.ssl is not None else True,
        )
        self.auto_reconnect_enabled = self.default_auto_reconnect_enabled
        self.stale = False
        self.last_ping_pong_time = None
        await self.current_session.ping(f"sdk-ping-pong:{time.time()}".encode())
        self._restart_session_tasks()

    def _restart_session_tasks(self) -> None:
        # A new session needs its own monitor and receiver (they watch one session each).
        if self.current_session_monitor is not None:
            self.current_session_monitor.cancel()
        self.current_session_monitor = asyncio.ensure_future(self.monitor_current_session())
        if self.message_receiver is not None:
            self.message_receiver.cancel()
        self.message_receiver = asyncio.ensure_future(self.receive_messages())

    async def _failed(self, error: str) -> None:
        if self.closed:  # stop() closed what the attempt was using: not a failure
            return
        attempt = self._tracker.failed(error)
        wait = self._backoff.delay(attempt)
        log.warning(
            "Slack: cannot connect (attempt %d: %s); next attempt in %.0f s", attempt, error, wait
        )
        await self._sleep(wait)


class SocketHandler(AsyncSocketModeHandler):
    """bolt's Socket Mode adapter, over our client instead of the one it would build."""

    def __init__(self, app: AsyncApp, client: SocketClient) -> None:
        self.app = app
        self.app_token = client.app_token
        self.client = client
        client.socket_mode_request_listeners.append(self.handle)

    async def handle(self, client: AsyncBaseSocketModeClient, req: SocketModeRequest) -> None:
        """Acknowledge and drop a payload bolt could not read (adapters/slack/inbound.py),
        in one line; pass the rest to bolt."""
        reason = problem(req.payload) if isinstance(req.payload, dict) else "not an object"
        if reason is not None:
            log.info("Slack: dropped a malformed Socket Mode payload (%s)", reason)
            await client.send_socket_mode_response(SocketModeResponse(envelope_id=req.envelope_id))
            return
        await super().handle(client, req)  # type: ignore[arg-type]  # (bolt's annotations differ)


def _code(exc: SlackApiError) -> str:
    data = exc.response.data
    error = data.get("error") if isinstance(data, dict) else None
    return str(error or f"HTTP {exc.response.status_code}")


def _rejected(exc: SlackApiError, bot_token_checked: bool) -> ConfigError:
    token = "app token" if bot_token_checked else "bot token"
    return ConfigError(f"Slack rejected the {token} ({_code(exc)})")


def _describe(exc: Exception) -> str:
    """A short cause for the log and `/papers status`: never a URL (the WebSocket URL holds
    a ticket), a token or a body."""
    if isinstance(exc, SlackApiError):
        return f"Slack answered {_code(exc)}"
    if isinstance(exc, aiohttp.ClientConnectorError):
        return f"cannot reach {exc.host}:{exc.port}"
    if isinstance(exc, aiohttp.ClientResponseError):
        return f"HTTP {exc.status}"
    if isinstance(exc, asyncio.TimeoutError):
        return "timed out"
    if isinstance(exc, OSError) and exc.strerror:
        return exc.strerror
    return type(exc).__name__
