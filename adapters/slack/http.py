"""HTTP mode's front door: a request that is not a well-formed, signed Slack request is
refused here, with one short log line, before bolt sees it.

bolt's own aiohttp server answers a non-numeric `X-Slack-Request-Timestamp` or a body that
is not UTF-8 with a 500 and an ERROR traceback, and logs a refused request's whole body
(the legacy `token`, the `response_url`) at INFO; bolt itself raises on a signed payload
that is not JSON or not shaped as Slack sends it (adapters/slack/inbound.py). Here those
get a 400 or a 401 and a log line naming only the reason. Signatures are checked with
slack_sdk's `SignatureVerifier`; bolt checks them again (a request reaching it through any
other door is still verified).
"""

from __future__ import annotations

import logging
from collections.abc import Mapping
from typing import Any

from aiohttp import web
from slack_bolt.adapter.aiohttp import to_aiohttp_response
from slack_bolt.app.async_app import AsyncApp
from slack_bolt.context.async_context import AsyncBoltContext
from slack_bolt.request.async_internals import build_async_context
from slack_bolt.request.async_request import AsyncBoltRequest
from slack_sdk.signature import Clock, SignatureVerifier

from adapters.slack.inbound import parsed, problem

log = logging.getLogger(__name__)

MAX_TIMESTAMP_DIGITS = 12  # Unix seconds have 10 digits until the year 2286


def build_web_app(
    app: AsyncApp, signing_secret: str, path: str, *, clock: Clock | None = None
) -> web.Application:
    """An aiohttp application serving bolt `app` at `path` (POST only)."""
    verifier = SignatureVerifier(signing_secret, clock or Clock())

    async def handle(request: web.Request) -> web.Response:
        try:
            body: str | None = (await request.read()).decode("utf-8")
        except UnicodeDecodeError:
            body = None
        refusal = _refusal(body, request.headers, verifier)
        read = parsed(body, request.content_type) if refusal is None and body else {}
        refusal = refusal or _junk(read)
        if refusal is not None or body is None or read is None:  # (None is refused: for mypy)
            status, reason = refusal or (400, "body is not UTF-8")
            log.info("Slack HTTP: refused a request (%s)", reason)
            return web.json_response({"error": reason}, status=status)
        bolt_request = AsyncBoltRequest(
            body=body,
            query=request.query_string,
            headers=dict(request.headers),
        )
        _read_as_slack_meant(bolt_request, read)
        return await to_aiohttp_response(await app.async_dispatch(bolt_request))

    web_app = web.Application()
    web_app.router.add_post(path, handle)
    return web_app


def _refusal(
    body: str | None, headers: Mapping[str, str], verifier: SignatureVerifier
) -> tuple[int, str] | None:
    """(HTTP status, reason) for a request to refuse, or None to pass it to bolt."""
    timestamp = headers.get("X-Slack-Request-Timestamp", "")
    signature = headers.get("X-Slack-Signature", "")
    if not (timestamp.isascii() and timestamp.isdigit()) or len(timestamp) > MAX_TIMESTAMP_DIGITS:
        return 401, "invalid timestamp"
    if body is None:
        return 400, "body is not UTF-8"
    if not signature or not verifier.is_valid(body, timestamp, signature):
        return 401, "invalid signature or expired timestamp"
    return None


def _junk(read: dict[str, Any] | None) -> tuple[int, str] | None:
    """A signed body bolt could not read, or whose fields are not what Slack sends."""
    if read is None:
        return 400, "payload is not a JSON object"
    reason = problem(read)
    return None if reason is None else (400, f"malformed payload: {reason}")


def _read_as_slack_meant(bolt_request: AsyncBoltRequest, read: dict[str, Any]) -> None:
    """bolt takes a form holding the letters "payload" anywhere (`/papers search payload`)
    for a click's `payload=` field, and reads it as empty: give it the form as it is
    (its context is built from the body, so again)."""
    if bolt_request.body != read:
        bolt_request.body = read
        bolt_request.context = build_async_context(AsyncBoltContext({}), read)
