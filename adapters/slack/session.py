"""One connection pool for the posts in flight, instead of a new one per Web API call.

slack_sdk's AsyncWebClient without a session opens a new aiohttp session (and a new TCP and
TLS connection) for every call: CPU spent on every post (docs/benchmarks.md, "Ten thousand
channels"), and more against Slack. `SharedSession` gives a client one session while any
caller is using it and closes it when the last one is done, so a fan-out's posts share
their connections and nothing is left open between runs (no session outlives the posts, so
no `stop()` is needed for it).
"""

from __future__ import annotations

import contextlib
from collections.abc import AsyncIterator

import aiohttp
from slack_sdk.web.async_client import AsyncWebClient


class SharedSession:
    """Lend `client` one aiohttp session for as long as calls overlap (`async with use()`)."""

    def __init__(self, client: AsyncWebClient, timeout_s: float) -> None:
        self._client = client
        self._timeout = aiohttp.ClientTimeout(total=timeout_s)
        self._users = 0

    @contextlib.asynccontextmanager
    async def use(self) -> AsyncIterator[None]:
        session = self._client.session
        if session is None or session.closed:
            self._client.session = aiohttp.ClientSession(timeout=self._timeout)
        self._users += 1
        try:
            yield
        finally:
            self._users -= 1
            if self._users == 0:
                idle, self._client.session = self._client.session, None
                if idle is not None:
                    await idle.close()
