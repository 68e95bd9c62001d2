"""Every answer discord.py receives, shown to the pacing (adapters/discord/pacing.py).

discord.py waits out 429s and keeps each route's bucket itself, but tells nobody: an aiohttp
trace (discord.py's `http_trace` option) sees each response's status and headers, its own
retries included, so the pacing slows down with it instead of meeting the same limit again.
The trace's callback is awaited before discord.py sees the response: after a 429 it waits
for a global token there, which paces discord.py's own retry.
"""

from __future__ import annotations

from types import SimpleNamespace

import aiohttp

from adapters.discord.pacing import DiscordPacing


def pacing_trace(pacing: DiscordPacing) -> aiohttp.TraceConfig:
    """A trace config that reports each response to `pacing.answered`."""
    trace = aiohttp.TraceConfig()

    async def on_request_end(
        session: aiohttp.ClientSession,
        context: SimpleNamespace,
        params: aiohttp.TraceRequestEndParams,
    ) -> None:
        response = params.response
        await pacing.answered(params.method, params.url.path, response.status, response.headers)

    trace.on_request_end.append(on_request_end)
    return trace
