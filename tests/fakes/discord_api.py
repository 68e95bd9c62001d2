"""A fake Discord on 127.0.0.1: the REST API v10 and the gateway, on one aiohttp server.

discord.py is pointed at it through `discord.http.Route.BASE` (REST, webhooks and
interaction callbacks all build their URLs from it) and
`DiscordWebSocket.DEFAULT_GATEWAY`. Every REST request is recorded. Failures are injected
per route: 429 exactly as Discord sends it (JSON `retry_after`, `Retry-After`,
`X-RateLimit-*` and the `Via` header discord.py uses to tell Discord from Cloudflare), 5xx,
403/50013, 403/50001, 404/10003. A message body past any Discord limit (embed sizes, 10
embeds, 6,000 characters, content 2,000) is answered 400/50035, as Discord does. The
gateway speaks HELLO, heartbeat ACK, IDENTIFY -> READY + GUILD_CREATE, and pushes
INTERACTION_CREATE on demand; it answers in zlib-stream frames when the client asks for
`compress=zlib-stream` (discord.py does), as Discord does. A RESUME is answered RESUMED. A
message with files comes as multipart/form-data (`payload_json` and `files[n]`), as
discord.py sends it: the files are recorded with the request and answered as the message's
attachments. For
outages, `gateway_down` answers the WebSocket upgrade with 503 and `drop_sockets()` ends
every open session, as a Discord that goes away does.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import re
import zlib
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import BodyPartReader, WSMsgType, web

from tests.fakes.discord_checks import limit_violations
from tests.fakes.discord_payloads import (
    TIMESTAMP,
    FakeGuild,
    FakeUser,
    application_payload,
    component_click,
    in_dm,
    message_payload,
)
from tests.fakes.rate_limits import ServerLimits

API = "/api/v10"
NONCE_WINDOW_S = 300.0
EDITABLE = ("content", "embeds", "components")  # Discord honours enforce_nonce "for a few minutes"

ERRORS = {
    50001: (403, "Missing Access"),
    50013: (403, "Missing Permissions"),
    10003: (404, "Unknown Channel"),
    10008: (404, "Unknown Message"),
    160004: (400, "A thread has already been created for this message"),
    10062: (404, "Unknown interaction"),
    50035: (400, "Invalid Form Body"),
    50007: (403, "Cannot send messages to this user"),
}


@dataclass(frozen=True, slots=True)
class Recorded:
    method: str
    path: str  # below /api/v10, e.g. "/channels/1/messages"
    query: dict[str, str]
    body: Any
    headers: dict[str, str]
    at: float  # the event loop's clock
    files: tuple[Uploaded, ...] = ()  # a multipart request's files, in order


@dataclass(frozen=True, slots=True)
class Uploaded:
    """A file attached to a message: its part's name (`files[0]`), filename and bytes."""

    field: str
    filename: str
    data: bytes


@dataclass(frozen=True, slots=True)
class Failure:
    """One injected failure: an HTTP status, a Discord error code, or a 429."""

    status: int
    code: int = 0
    retry_after: float = 0.0
    is_global: bool = False

    @classmethod
    def rate_limited(cls, retry_after: float, *, is_global: bool = False) -> Failure:
        return cls(429, retry_after=retry_after, is_global=is_global)

    @classmethod
    def discord_error(cls, code: int) -> Failure:
        return cls(ERRORS[code][0], code=code)


@dataclass
class _Socket:
    ws: web.WebSocketResponse
    compressor: Any | None  # zlib compressobj when the client asked for zlib-stream
    seq: int = 0
    shard: tuple[int, int] = (0, 1)  # [id, count] from IDENTIFY (or the RESUMEd session's)

    def owns(self, guild_id: object) -> bool:
        """Discord sends a guild's events to one shard: (guild_id >> 22) % shard_count."""
        if not isinstance(guild_id, (int, str)) or not str(guild_id).isdigit():
            return True
        shard_id, count = self.shard
        return (int(guild_id) >> 22) % count == shard_id


@dataclass
class FakeDiscord:
    """The fake service. `await start()`, then read `base_url` and `gateway_url`."""

    guild: FakeGuild = field(default_factory=FakeGuild)
    token: str = "fake-bot-token"
    app_id: int = 444_444_444_444_444_444
    bot: FakeUser = field(
        default_factory=lambda: FakeUser(555_555_555_555_555_555, "paperbot", True)
    )
    clock: Callable[[], float] | None = None  # for the nonce window; the loop clock if None
    read_history: bool = True  # the bot's Read Message History permission in the channel
    create_threads: bool = True  # Create Public Threads (and Send Messages in Threads)
    threads: dict[str, str] = field(default_factory=dict)  # thread id (its message's) -> name
    requests: list[Recorded] = field(default_factory=list)
    identifies: list[dict[str, Any]] = field(default_factory=list)
    resumes: list[dict[str, Any]] = field(default_factory=list)
    gateway_down: bool = False  # the upgrade is answered 503: the gateway is unavailable
    gateway_attempts: int = 0  # upgrades asked for, answered or not
    gateway_queries: list[dict[str, str]] = field(default_factory=list)  # e.g. compress
    heartbeats: int = 0
    created: list[dict[str, Any]] = field(default_factory=list)  # channel messages made
    edits: list[str] = field(default_factory=list)  # ids of the messages edited, in order
    _clicked: dict[str, dict[str, Any]] = field(default_factory=dict)  # interaction -> message
    channels: set[str] = field(default_factory=set)  # more text channels than the guild's one
    limits: ServerLimits | None = None  # Discord's rate limits (tests/fakes/rate_limits.py)
    dms: dict[str, str] = field(default_factory=dict)  # user id -> their DM channel's id
    blocks_dms: set[str] = field(default_factory=set)  # users whose DMs answer 403/50007
    synced: dict[str, dict[str, Any]] = field(default_factory=dict)  # command name -> as synced
    record: bool = True  # False: keep no `requests` (a benchmark's ten thousand posts)
    _held: list[tuple[str, re.Pattern[str], asyncio.Event]] = field(default_factory=list)
    _failures: list[tuple[str, re.Pattern[str], Failure | None]] = field(default_factory=list)
    _nonces: dict[tuple[str, str], tuple[dict[str, Any], float]] = field(default_factory=dict)
    _sockets: list[_Socket] = field(default_factory=list)
    _ids: itertools.count[int] = field(
        default_factory=lambda: itertools.count(900_000_000_000_000_001)
    )
    _changed: asyncio.Condition | None = None
    _runner: web.AppRunner | None = None
    port: int = 0

    # ----- lifecycle -------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get("/gateway/ws", self._gateway)
        app.router.add_route("*", API + "/{tail:.*}", self._rest)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]
        self._changed = asyncio.Condition()

    async def close(self) -> None:
        for sock in list(self._sockets):
            await sock.ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}{API}"

    @property
    def gateway_url(self) -> str:
        return f"ws://127.0.0.1:{self.port}/gateway/ws"

    # ----- what tests call -------------------------------------------------------------

    def fail_next(self, method: str, path_regex: str, *failures: Failure | None) -> None:
        """The next requests matching `method` and `path_regex` get these failures, in order.

        `None` lets one request through, so a failure can be aimed at the n-th request.
        """
        pattern = re.compile(path_regex)
        self._failures.extend((method, pattern, f) for f in failures)

    def hold(self, method: str, path_regex: str) -> asyncio.Event:
        """Requests matching `method` and `path_regex` arrive (and are recorded) but are
        answered only once the returned event is set: a reply the client may never hear."""
        gate = asyncio.Event()
        self._held.append((method, re.compile(path_regex), gate))
        return gate

    def messages(self, channel_id: int | None = None) -> list[Recorded]:
        """Successful or not, every POST of a message to a channel (not interaction replies)."""
        wanted = f"/channels/{channel_id or self.guild.channel_id}/messages"
        return [r for r in self.requests if r.method == "POST" and r.path == wanted]

    def interaction_replies(self) -> list[Recorded]:
        """Interaction callbacks, follow-ups and @original edits, in order."""
        return [r for r in self.requests if r.path.startswith(("/interactions/", "/webhooks/"))]

    async def wait_for(self, predicate: Callable[[FakeDiscord], bool]) -> None:
        """Until `predicate(self)` holds; callers bound the wait with asyncio.timeout."""
        assert self._changed is not None
        async with self._changed:
            await self._changed.wait_for(lambda: predicate(self))

    async def dispatch(self, event: str, data: dict[str, Any]) -> None:
        """Send a DISPATCH (op 0) to every connected gateway session; a guild's event only
        to the shard that owns the guild, as Discord does."""
        for sock in self._sockets:
            if not sock.owns(data.get("guild_id")):
                continue
            sock.seq += 1
            await self._send(sock, {"op": 0, "t": event, "s": sock.seq, "d": data})

    async def click(self, message: dict[str, Any], custom_id: str, user: FakeUser) -> str:
        """`user` clicks the button `custom_id` on `message` (as `created` holds it, or
        forged); returns the interaction's token. An UPDATE_MESSAGE answer edits `message`."""
        interaction_id = next(self._ids)
        self._clicked[str(interaction_id)] = message
        payload = component_click(
            interaction_id=interaction_id,
            app_id=self.app_id,
            guild=self.guild,
            user=user,
            message=message,
            custom_id=custom_id,
        )
        await self.dispatch("INTERACTION_CREATE", payload)
        return str(payload["token"])

    async def dm_click(self, message: dict[str, Any], custom_id: str, user: FakeUser) -> str:
        """`user` clicks a button on `message`, a message of their DM with the bot: the
        interaction carries no guild (`in_dm`); returns its token."""
        interaction_id = next(self._ids)
        self._clicked[str(interaction_id)] = message
        payload = component_click(
            interaction_id=interaction_id,
            app_id=self.app_id,
            guild=self.guild,
            user=user,
            message=message,
            custom_id=custom_id,
        )
        await self.dispatch("INTERACTION_CREATE", in_dm(payload, user, str(message["channel_id"])))
        return str(payload["token"])

    async def command_in_dm(self, payload: dict[str, Any], user: FakeUser, channel_id: str) -> None:
        """`payload` (a slash command) typed in `user`'s DM with the bot. Discord offers a
        command there only when its synced `contexts` include 1 (BOT_DM): else it refuses."""
        command = self.synced.get(payload["data"]["name"]) or {}
        if 1 not in (command.get("contexts") or ()):
            raise AssertionError(f"/{payload['data']['name']} is not offered in DMs")
        await self.dispatch("INTERACTION_CREATE", in_dm(payload, user, channel_id))

    async def drop_sockets(self, code: int = 1001) -> None:
        """End every open gateway session (1001: going away), as an outage does."""
        for sock in list(self._sockets):
            await sock.ws.close(code=code)

    async def _notify(self) -> None:
        assert self._changed is not None
        async with self._changed:
            self._changed.notify_all()

    # ----- REST --------------------------------------------------------------------------

    async def _rest(self, request: web.Request) -> web.StreamResponse:
        path = "/" + request.match_info["tail"]
        files: tuple[Uploaded, ...] = ()
        body: Any
        if request.content_type == "multipart/form-data":
            body, files = await _multipart(request)
            body["attachments"] = [self._attachment(i, f) for i, f in enumerate(files)]
        else:
            raw = await request.text()
            body = json.loads(raw) if raw and request.content_type == "application/json" else None
        loop_time = asyncio.get_running_loop().time()
        headers = dict(request.headers)
        if self.record:
            self.requests.append(
                Recorded(request.method, path, dict(request.query), body, headers, loop_time, files)
            )
        try:
            for method, pattern, gate in self._held:
                if method == request.method and pattern.search(path):
                    await self._notify()  # a held request is seen arriving (wait_for)
                    await gate.wait()
            return await self._answer(request.method, path, body, headers, dict(request.query))
        finally:
            await self._notify()

    async def _answer(
        self, method: str, path: str, body: Any, headers: dict[str, str], query: dict[str, str]
    ) -> web.StreamResponse:
        needs_token = not path.startswith(("/webhooks/", "/interactions/"))
        if needs_token and headers.get("Authorization") != f"Bot {self.token}":
            return _json({"message": "401: Unauthorized", "code": 0}, 401)
        failure = self._take_failure(method, path)
        if failure is not None:
            return _failure_response(failure)
        limited = self._rate_limited(method, path) if needs_token else None
        if limited is not None:
            return limited
        invalid = _invalid_message(method, path, body)
        if invalid:
            errors = {"_errors": [{"code": "BASE_TYPE_MAX_LENGTH", "message": m} for m in invalid]}
            return _json({"message": "Invalid Form Body", "code": 50035, "errors": errors}, 400)
        return self._route(method, path, body, query)

    def _rate_limited(self, method: str, path: str) -> web.Response | None:
        """A 429 when `limits` refuse: every bot request counts globally; a message send
        also counts in its channel's bucket (interactions and webhooks count in neither)."""
        if self.limits is None:
            return None
        send = re.fullmatch(r"/channels/(\d+)/messages", path) if method == "POST" else None
        keys: tuple[Any, ...] = ("global",)
        if send is not None:
            keys = (("channel", send.group(1)), "global")
        wait, refused = self.limits.check(*keys)
        if not wait:
            return None
        return _failure_response(Failure.rate_limited(wait, is_global=refused == "global"))

    def _take_failure(self, method: str, path: str) -> Failure | None:
        for i, (m, pattern, failure) in enumerate(self._failures):
            if m == method and pattern.search(path):
                del self._failures[i]
                return failure  # None: this one goes through
        return None

    def _route(
        self, method: str, path: str, body: Any, query: dict[str, str]
    ) -> web.StreamResponse:
        parts = path.strip("/").split("/")
        match (method, parts):
            case ("GET", ["users", "@me"]):
                return _json(self.bot.payload())
            case ("GET", ["oauth2", "applications", "@me"]):
                return _json(application_payload(self.app_id, self.bot))
            case ("GET", ["gateway"]):
                return _json({"url": self.gateway_url})
            case ("GET", ["gateway", "bot"]):
                limit = {"total": 1000, "remaining": 999, "reset_after": 0, "max_concurrency": 1}
                return _json({"url": self.gateway_url, "shards": 1, "session_start_limit": limit})
            case ("POST", ["users", "@me", "channels"]):
                return self._open_dm(str(body.get("recipient_id", "")))
            case ("POST", ["channels", channel_id, "messages"]):
                return self._post_message(channel_id, body)
            case ("POST", ["channels", channel_id, "messages", message_id, "threads"]):
                return self._start_thread(channel_id, message_id, body)
            case ("PATCH", ["channels", channel_id, "messages", message_id]):
                return self._edit_message(channel_id, message_id, body)
            case ("GET", ["channels", channel_id, "messages"]):
                return self._recent_messages(channel_id, query)
            case (
                "PUT",
                ["applications", _, "commands"] | ["applications", _, "guilds", _, "commands"],
            ):
                self.synced.update({c["name"]: c for c in body})
                return _json([self._command(c) for c in body])
            case ("POST", ["interactions", interaction_id, _, "callback"]):
                return self._callback(interaction_id, body)
            case ("POST", ["webhooks", _, _]):
                return _json(
                    message_payload(next(self._ids), self.guild.channel_id, self.bot, body)
                )
            case ("DELETE", ["webhooks", _, _, "messages", "@original"]):
                return web.Response(status=204)
            case ("PATCH" | "GET", ["webhooks", _, _, "messages", "@original"]):
                return _json(
                    message_payload(next(self._ids), self.guild.channel_id, self.bot, body or {})
                )
        return _json({"message": "404: Not Found", "code": 0}, 404)

    def _attachment(self, index: int, file: Uploaded) -> dict[str, Any]:
        """An uploaded file as the message Discord answers with lists it."""
        attachment_id = next(self._ids)
        url = f"http://127.0.0.1:{self.port}/attachments/{attachment_id}/{file.filename}"
        return {
            "id": str(attachment_id),
            "filename": file.filename,
            "size": len(file.data),
            "url": url,
            "proxy_url": url,
        }

    def _start_thread(self, channel_id: str, message_id: str, body: dict[str, Any]) -> web.Response:
        """A public thread on a message: it takes the message's id, as on Discord."""
        if channel_id != str(self.guild.channel_id) and channel_id not in self.channels:
            return _failure_response(Failure.discord_error(10003))
        if not self.create_threads:
            return _failure_response(Failure.discord_error(50013))
        if message_id in self.threads:
            return _failure_response(Failure.discord_error(160004))
        self.threads[message_id] = str(body.get("name") or "")
        thread = {
            "id": message_id,
            "type": 11,
            "guild_id": str(self.guild.id),
            "parent_id": channel_id,
            "name": self.threads[message_id],
            "owner_id": str(self.bot.id),
            "thread_metadata": {"archived": False, "auto_archive_duration": 10080},
        }
        return _json(thread, 201)

    def thread_messages(self, thread_id: str) -> list[dict[str, Any]]:
        """The messages created in a thread, oldest first."""
        return [m for m in self.created if m["channel_id"] == thread_id]

    def _open_dm(self, user_id: str) -> web.Response:
        """The DM channel with a user (type 1), the same one each time, as Discord does."""
        if not user_id.isdigit():
            return _json({"message": "Invalid Form Body", "code": 50035}, 400)
        channel_id = self.dms.setdefault(user_id, str(next(self._ids)))
        recipient = {"id": user_id, "username": f"user{user_id[-4:]}", "discriminator": "0"}
        return _json({"id": channel_id, "type": 1, "recipients": [recipient]})

    def dm_messages(self, user_id: str) -> list[dict[str, Any]]:
        """The messages created in the user's DM, oldest first."""
        channel_id = self.dms.get(user_id)
        return [m for m in self.created if str(m["channel_id"]) == channel_id]

    def _post_message(self, channel_id: str, body: dict[str, Any]) -> web.Response:
        dm_of = {c: u for u, c in self.dms.items()}
        if dm_of.get(channel_id) in self.blocks_dms:
            return _failure_response(Failure.discord_error(50007))
        known = channel_id == str(self.guild.channel_id) or channel_id in self.channels
        known = known or channel_id in dm_of
        if not known and channel_id not in self.threads:
            return _failure_response(Failure.discord_error(10003))
        now = self.clock() if self.clock else asyncio.get_running_loop().time()
        nonce = body.get("nonce")
        if nonce is not None and body.get("enforce_nonce"):
            earlier = self._nonces.get((channel_id, nonce))
            if earlier is not None and now - earlier[1] < NONCE_WINDOW_S:
                return _json(earlier[0])
        message = message_payload(next(self._ids), int(channel_id), self.bot, body)
        self.created.append(message)
        if nonce is not None:
            self._nonces[(channel_id, nonce)] = (message, now)
        return _json(message)

    def _edit_message(self, channel_id: str, message_id: str, body: dict[str, Any]) -> web.Response:
        """PATCH a message: content, embeds and components replaced; 10008 once deleted."""
        known = channel_id == str(self.guild.channel_id) or channel_id in self.channels
        if not known and channel_id not in self.threads:
            return _failure_response(Failure.discord_error(10003))
        for message in self.created:
            if message["id"] == message_id and message["channel_id"] == channel_id:
                message.update({k: body[k] for k in EDITABLE if k in body})
                message["edited_timestamp"] = TIMESTAMP
                self.edits.append(message_id)
                return _json(message)
        return _failure_response(Failure.discord_error(10008))

    def delete_message(self, message_id: str) -> None:
        """A person deletes a message: an edit of it then answers 10008 Unknown Message."""
        self.created = [m for m in self.created if m["id"] != message_id]

    def _recent_messages(self, channel_id: str, query: dict[str, str]) -> web.Response:
        """GET messages: newest first, `limit` (default 50) and `before`, as Discord does.
        Like Discord, without `nonce` (only the create response and the gateway carry it),
        and no messages at all for a bot without Read Message History. The guild's channel
        its other text channels (`channels`), the threads started in them and the bot's DMs
        answer; any other channel is 10003 Unknown Channel."""
        known = channel_id == str(self.guild.channel_id) or channel_id in self.channels
        known = known or channel_id in self.threads
        if not known and channel_id not in self.dms.values():  # a DM's history is the bot's
            return _failure_response(Failure.discord_error(10003))
        if not self.read_history:
            return _json([])
        before = int(query.get("before") or 1 << 64)
        newest_first = [
            m
            for m in reversed(self.created)
            if int(m["id"]) < before and m["channel_id"] == channel_id
        ]
        page = newest_first[: int(query.get("limit") or 50)]
        return _json([{k: v for k, v in m.items() if k != "nonce"} for m in page])

    def _command(self, command: dict[str, Any]) -> dict[str, Any]:
        return {
            **command,
            "id": str(next(self._ids)),
            "application_id": str(self.app_id),
            "version": "1",
        }

    def _callback(self, interaction_id: str, body: dict[str, Any]) -> web.Response:
        kind = body["type"]
        data = body.get("data") or {}
        flags = data.get("flags") or 0
        clicked = self._clicked.get(interaction_id)
        interaction = {
            "id": interaction_id,
            "type": 2 if clicked is None else 3,
            "response_message_loading": kind == 5,
            "response_message_ephemeral": bool(flags & 64),
        }
        if kind == 7 and clicked is not None:  # UPDATE_MESSAGE: the clicked message, edited
            clicked.update({k: data[k] for k in EDITABLE if k in data})
            return _json({"interaction": interaction, "resource": {"type": 7, "message": clicked}})
        if kind not in (4, 5):  # autocomplete results and pongs carry no message
            return _json({"interaction": interaction})
        message = message_payload(next(self._ids), self.guild.channel_id, self.bot, data)
        interaction["response_message_id"] = message["id"]
        resource = {"type": kind, "message": message}
        return _json({"interaction": interaction, "resource": resource})

    # ----- gateway -----------------------------------------------------------------------

    async def _gateway(self, request: web.Request) -> web.StreamResponse:
        self.gateway_attempts += 1
        await self._notify()
        if self.gateway_down:
            return web.Response(status=503, text="upstream unavailable")
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self.gateway_queries.append(dict(request.query))
        zlib_stream = request.query.get("compress") == "zlib-stream"
        sock = _Socket(ws, zlib.compressobj() if zlib_stream else None)
        self._sockets.append(sock)
        await self._send(sock, {"op": 10, "d": {"heartbeat_interval": 41_250}})
        try:
            async for msg in ws:
                if msg.type is WSMsgType.TEXT:
                    await self._on_gateway_message(sock, json.loads(msg.data))
        finally:
            self._sockets.remove(sock)
            await self._notify()
        return ws

    async def _on_gateway_message(self, sock: _Socket, msg: dict[str, Any]) -> None:
        op = msg.get("op")
        if op == 1:
            self.heartbeats += 1
            await self._send(sock, {"op": 11})
        elif op == 2:
            if msg["d"].get("token") != self.token:
                await sock.ws.close(code=4004, message=b"Authentication failed.")
                return
            self.identifies.append(msg["d"])
            await self._ready(sock, msg["d"])
        elif op == 6:
            if msg["d"].get("token") != self.token:
                await sock.ws.close(code=4004, message=b"Authentication failed.")
                return
            self.resumes.append(msg["d"])
            sock.shard = _shard_of_session(str(msg["d"].get("session_id")))
            sock.seq += 1
            await self._send(sock, {"op": 0, "t": "RESUMED", "s": sock.seq, "d": {}})
        await self._notify()

    async def _ready(self, sock: _Socket, identify: dict[str, Any]) -> None:
        shard = identify.get("shard") or [0, 1]
        sock.shard = (int(shard[0]), int(shard[1]))
        owned = sock.owns(self.guild.id)
        ready = {
            "v": 10,
            "user": self.bot.payload(),
            "guilds": [{"id": str(self.guild.id), "unavailable": True}] if owned else [],
            "session_id": _session_of_shard(sock.shard),
            "resume_gateway_url": self.gateway_url,
            "application": {"id": str(self.app_id), "flags": 0},
            "shard": identify.get("shard", [0, 1]),
        }
        events = [("READY", ready)]
        if owned:
            events.append(("GUILD_CREATE", self.guild.payload(self.bot)))
        for event, data in events:
            sock.seq += 1
            await self._send(sock, {"op": 0, "t": event, "s": sock.seq, "d": data})

    async def _send(self, sock: _Socket, payload: dict[str, Any]) -> None:
        text = json.dumps(payload)
        if sock.compressor is None:
            await sock.ws.send_str(text)
            return
        # zlib-stream: one shared zlib context, each message ending with a sync flush.
        data = sock.compressor.compress(text.encode()) + sock.compressor.flush(zlib.Z_SYNC_FLUSH)
        await sock.ws.send_bytes(data)

    @property
    def connected(self) -> bool:
        return bool(self._sockets) and bool(self.identifies)


def _session_of_shard(shard: tuple[int, int]) -> str:
    return "fake-session" if shard == (0, 1) else f"fake-session-{shard[0]}-{shard[1]}"


def _shard_of_session(session_id: str) -> tuple[int, int]:
    parts = session_id.removeprefix("fake-session").split("-")
    return (int(parts[1]), int(parts[2])) if len(parts) == 3 else (0, 1)


async def _multipart(request: web.Request) -> tuple[dict[str, Any], tuple[Uploaded, ...]]:
    """discord.py's multipart message: the JSON of `payload_json`, and each file part."""
    body: dict[str, Any] = {}
    files: list[Uploaded] = []
    reader = await request.multipart()
    async for part in reader:
        if not isinstance(part, BodyPartReader):
            continue
        data = await part.read()
        if part.name == "payload_json":
            body = json.loads(data)
        else:
            files.append(Uploaded(part.name or "", part.filename or "", bytes(data)))
    return body, tuple(files)


def _json(payload: Any, status: int = 200, headers: dict[str, str] | None = None) -> web.Response:
    base = {
        "X-RateLimit-Limit": "5",
        "X-RateLimit-Remaining": "4",
        "X-RateLimit-Reset-After": "1.0",
        "X-RateLimit-Bucket": "fakebucket",
        "Via": "1.1 google",
    }
    # Exactly "application/json", as Discord sends it: discord.py compares the whole header.
    return web.Response(
        body=json.dumps(payload).encode(),
        status=status,
        headers={**base, **(headers or {}), "Content-Type": "application/json"},
    )


def _invalid_message(method: str, path: str, body: Any) -> list[str]:
    """The limits a message-creating request passes: a channel message, a follow-up, an
    interaction callback's message or an edit of one."""
    if method not in ("POST", "PATCH") or not isinstance(body, dict):
        return []
    if path.startswith("/interactions/"):
        body = body.get("data") or {}
    elif not (
        path.startswith("/webhooks/")
        or path.endswith("/messages")
        or re.search(r"/channels/\d+/messages/\d+$", path)
    ):
        return []
    return limit_violations(body)


def _failure_response(failure: Failure) -> web.Response:
    if failure.status == 429:
        body = {
            "message": "You are being rate limited.",
            "retry_after": failure.retry_after,
            "global": failure.is_global,
            "code": 0,
        }
        headers = {
            "Retry-After": str(max(1, round(failure.retry_after))),
            "X-RateLimit-Remaining": "0",
            "X-RateLimit-Reset-After": str(failure.retry_after),
            "X-RateLimit-Scope": "global" if failure.is_global else "user",
        }
        if failure.is_global:
            headers["X-RateLimit-Global"] = "true"
        return _json(body, 429, headers)
    if failure.code:
        message = ERRORS[failure.code][1]
        return _json({"message": message, "code": failure.code}, failure.status)
    return _json({"message": f"{failure.status}: Server Error", "code": 0}, failure.status)
