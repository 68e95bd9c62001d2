"""A fake Slack Web API on 127.0.0.1 (OS-picked port) for the real `AsyncWebClient`.

Point the client at `fake.base_url`. Every request is recorded (method, parsed body).
Answers can be scripted per method: a 429 with `Retry-After`, a 5xx, `{"ok": false, ...}`
or a hang (to trip the client's timeout). It also serves `response_url` endpoints and a
Socket Mode WebSocket (`apps.connections.open` hands out its URL), and Slack's external file
upload: `files.getUploadURLExternal` hands out an upload URL on this same server, the bytes
are posted there, and `files.completeUploadExternal` shares the file in one channel (or in
no channel: private to the bot); `conversations.open` opens a direct message with a user.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import math
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from aiohttp import WSMsgType, web

from tests.fakes.rate_limits import ServerLimits, slack_keys

WAIT_S = 5.0  # a bound on waiting for the app under test, never a sleep


@dataclass(frozen=True)
class Recorded:
    method: str  # "chat.postMessage", or "response_url:<name>"
    body: dict[str, Any]
    headers: dict[str, str]


@dataclass(frozen=True)
class Scripted:
    status: int = 200
    error: str | None = None  # {"ok": false, "error": error}
    retry_after: int | None = None
    hang: bool = False  # never answer (the client times out)

    @property
    def passes(self) -> bool:
        """`Scripted()` means "answer this call normally" (to fail a later one)."""
        return self.status == 200 and self.error is None and not self.hang


@dataclass
class FakeChannel:
    id: str
    name: str = "papers"
    is_member: bool = True
    is_private: bool = False
    creator: str = ""  # the user id conversations.info names as its creator ("": none)
    messages: list[dict[str, Any]] = field(default_factory=list)  # oldest first


@dataclass
class FakeFile:
    id: str
    filename: str
    length: int  # as announced by files.getUploadURLExternal
    content: bytes | None = None  # None until the upload URL received it
    title: str = ""
    completed: bool = False
    shares: list[str] = field(default_factory=list)  # channel ids it was shared in


class FakeSlackApi:
    def __init__(
        self,
        *,
        team_id: str = "T0TEAM",
        bot_user_id: str = "UBOT",
        limits: ServerLimits | None = None,
        record: bool = True,
    ) -> None:
        self.team_id = team_id
        self.bot_user_id = bot_user_id
        self.limits = limits  # Slack's rate limits (tests/fakes/rate_limits.py), None: none
        self.record = record  # False: keep no `requests` (a benchmark's ten thousand posts)
        self.requests: list[Recorded] = []
        self.held: dict[str, asyncio.Event] = {}  # method -> answered only once it is set
        self.channels: dict[str, FakeChannel] = {}
        self.users: dict[str, dict[str, Any]] = {}
        self.responses: dict[str, list[dict[str, Any]]] = {}  # response_url name -> bodies
        self.files: dict[str, FakeFile] = {}  # file id -> the file, as uploaded
        self.ims: dict[str, str] = {}  # user id -> the id of the bot's DM with them
        self.valid_tokens: set[str] | None = None  # None: any token; else others: invalid_auth
        self._scripts: dict[str, list[Scripted]] = {}
        self._ts = itertools.count(1)
        self._changed = asyncio.Condition()
        self._never = asyncio.Event()
        self._sockets: list[web.WebSocketResponse] = []
        self._acks: dict[str, asyncio.Future[dict[str, Any]]] = {}
        self._runner: web.AppRunner | None = None
        self.port = 0

    # ------------------------------------------------------------ lifecycle

    async def start(self) -> None:
        app = web.Application()
        app.router.add_route("*", "/api/{method}", self._api)
        app.router.add_post("/respond/{name}", self._respond)
        app.router.add_post("/upload/{file_id}", self._upload)
        app.router.add_get("/socket", self._socket)
        self._runner = web.AppRunner(app, handle_signals=False)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self.port = self._runner.addresses[0][1]

    async def close(self) -> None:
        self._never.set()
        for ws in self._sockets:
            await ws.close()
        if self._runner is not None:
            await self._runner.cleanup()

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}/api/"

    def response_url(self, name: str = "cmd") -> str:
        return f"http://127.0.0.1:{self.port}/respond/{name}"

    # ------------------------------------------------------------ scripting and reading

    def script(self, method: str, *answers: Scripted) -> None:
        """The next calls of `method` get these answers, in order; then normal service."""
        self._scripts.setdefault(method, []).extend(answers)

    def add_channel(self, channel_id: str, **kwargs: Any) -> FakeChannel:
        channel = FakeChannel(channel_id, **kwargs)
        self.channels[channel_id] = channel
        return channel

    def calls(self, method: str) -> list[dict[str, Any]]:
        return [r.body for r in self.requests if r.method == method]

    def top_level(self, channel_id: str) -> list[dict[str, Any]]:
        return [m for m in self.channels[channel_id].messages if "thread_ts" not in m]

    def replies(self, channel_id: str, ts: str) -> list[dict[str, Any]]:
        return [m for m in self.channels[channel_id].messages if m.get("thread_ts") == ts]

    def delete(self, channel_id: str, ts: str) -> None:
        """A person deletes a message (chat.update then answers message_not_found)."""
        channel = self.channels[channel_id]
        channel.messages = [m for m in channel.messages if m["ts"] != ts]

    async def wait_for(self, count: int, name: str = "cmd") -> None:
        """Until `count` bodies arrived at response_url `name` (no fixed sleeps)."""
        async with asyncio.timeout(WAIT_S), self._changed:
            await self._changed.wait_for(lambda: len(self.responses.get(name, [])) >= count)

    async def wait_until(self, predicate: Callable[[FakeSlackApi], object]) -> None:
        """Until `predicate(self)` holds after a call was answered (no fixed sleeps)."""
        async with asyncio.timeout(WAIT_S), self._changed:
            await self._changed.wait_for(lambda: predicate(self))

    async def wait_calls(self, method: str, count: int) -> None:
        """Until `count` calls of Web API `method` arrived (no fixed sleeps)."""
        async with asyncio.timeout(WAIT_S), self._changed:
            await self._changed.wait_for(lambda: len(self.calls(method)) >= count)

    # ------------------------------------------------------------ Web API

    async def _api(self, request: web.Request) -> web.StreamResponse:
        method = request.match_info["method"]
        body = await _parse(request)
        if self.record:
            self.requests.append(Recorded(method, body, dict(request.headers)))
        async with self._changed:
            self._changed.notify_all()  # a held call is seen arriving (wait_calls)
        gate = self.held.get(method)
        if gate is not None:
            await gate.wait()
        scripted = self._next_script(method)
        if scripted is not None and not scripted.passes:
            return await self._scripted(scripted)
        if self.limits is not None:
            wait, _ = self.limits.check(*slack_keys(method, body, self.limits.limits))
            if wait:  # Slack says Retry-After in whole seconds
                return await self._scripted(Scripted(429, retry_after=math.ceil(wait)))
        refusal = self._refused_token(method, request)
        if refusal is not None:
            return _ok({"ok": False, "error": refusal})
        handler = getattr(self, "_" + method.replace(".", "_"), None)
        if handler is None:
            return _ok({"ok": False, "error": "unknown_method"})
        result: dict[str, Any] = handler(body)
        async with self._changed:
            self._changed.notify_all()
        return _ok(result)

    def _refused_token(self, method: str, request: web.Request) -> str | None:
        """Slack's answer to a wrong token: invalid_auth; a bot token opening a socket:
        not_allowed_token_type."""
        token = request.headers.get("Authorization", "").removeprefix("Bearer ")
        if self.valid_tokens is not None and token not in self.valid_tokens:
            return "invalid_auth"
        if method == "apps.connections.open" and not token.startswith("xapp-"):
            return "not_allowed_token_type"
        return None

    def _next_script(self, method: str) -> Scripted | None:
        queue = self._scripts.get(method)
        return queue.pop(0) if queue else None

    async def _scripted(self, scripted: Scripted) -> web.StreamResponse:
        if scripted.hang:
            await self._never.wait()
        headers = {}
        if scripted.retry_after is not None:
            headers["Retry-After"] = str(scripted.retry_after)
        if scripted.status >= 500:
            return web.Response(status=scripted.status, text="upstream trouble", headers=headers)
        error = scripted.error or ("ratelimited" if scripted.status == 429 else "fake_error")
        return web.json_response(
            {"ok": False, "error": error}, status=scripted.status, headers=headers
        )

    def _auth_test(self, body: dict[str, Any]) -> dict[str, Any]:
        return {
            "ok": True,
            "url": "https://fake.slack.com/",
            "team": "Fake Team",
            "team_id": self.team_id,
            "user": "paperbot",
            "user_id": self.bot_user_id,
            "bot_id": "BBOT",
        }

    def _chat_postMessage(self, body: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels.get(body.get("channel", ""))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        ts = f"{1_700_000_000 + next(self._ts)}.000100"
        message = {"type": "message", "ts": ts, "user": self.bot_user_id, **body}
        message.pop("channel", None)
        channel.messages.append(message)
        return {"ok": True, "channel": channel.id, "ts": ts, "message": message}

    def _chat_update(self, body: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels.get(body.get("channel", ""))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        for message in channel.messages:
            if message["ts"] == body.get("ts"):
                message.update({k: v for k, v in body.items() if k not in ("channel", "ts")})
                return {"ok": True, "channel": channel.id, "ts": message["ts"]}
        return {"ok": False, "error": "message_not_found"}

    def _conversations_info(self, body: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels.get(body.get("channel", ""))
        if channel is None or (channel.is_private and not channel.is_member):
            return {"ok": False, "error": "channel_not_found"}
        info: dict[str, Any] = {"id": channel.id, "is_member": channel.is_member}
        info |= {"name": channel.name, "is_private": channel.is_private, "is_im": False}
        if channel.creator:
            info["creator"] = channel.creator
        return {"ok": True, "channel": info}

    def _conversations_history(self, body: dict[str, Any]) -> dict[str, Any]:
        channel = self.channels.get(body.get("channel", ""))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if not channel.is_member:
            return {"ok": False, "error": "not_in_channel"}
        newest_first = [m for m in reversed(channel.messages) if "thread_ts" not in m]
        start = int(body.get("cursor") or 0)
        limit = int(body.get("limit") or 100)
        page = newest_first[start : start + limit]
        with_metadata = str(body.get("include_all_metadata", "")).lower() in ("1", "true")
        if not with_metadata:
            page = [{k: v for k, v in m.items() if k != "metadata"} for m in page]
        more = start + limit < len(newest_first)
        meta = {"next_cursor": str(start + limit) if more else ""}
        return {"ok": True, "messages": page, "has_more": more, "response_metadata": meta}

    def _conversations_replies(self, body: dict[str, Any]) -> dict[str, Any]:
        """The thread's parent, then its replies, oldest first (one page)."""
        channel = self.channels.get(body.get("channel", ""))
        if channel is None:
            return {"ok": False, "error": "channel_not_found"}
        ts = body.get("ts")
        parent = [m for m in channel.messages if m["ts"] == ts]
        if not parent:
            return {"ok": False, "error": "thread_not_found"}
        thread = parent + [m for m in channel.messages if m.get("thread_ts") == ts]
        with_metadata = str(body.get("include_all_metadata", "")).lower() in ("1", "true")
        if not with_metadata:
            thread = [{k: v for k, v in m.items() if k != "metadata"} for m in thread]
        return {"ok": True, "messages": thread, "has_more": False}

    def _users_info(self, body: dict[str, Any]) -> dict[str, Any]:
        user = self.users.get(body.get("user", ""))
        if user is None:
            return {"ok": False, "error": "user_not_found"}
        return {"ok": True, "user": user}

    def _conversations_open(self, body: dict[str, Any]) -> dict[str, Any]:
        """The bot's direct message with one user (the same one each time): "D" and the
        user id. A user in `self.users` with `"deleted": True` cannot be written to."""
        users = str(body.get("users") or "").split(",")
        if len(users) != 1 or not users[0]:
            return {"ok": False, "error": "users_list_not_supplied"}
        if self.users.get(users[0], {}).get("deleted"):
            return {"ok": False, "error": "user_disabled"}
        dm = self.ims.setdefault(users[0], "D" + users[0])
        if dm not in self.channels:
            self.add_channel(dm, name=users[0], is_private=True)
        return {"ok": True, "channel": {"id": dm}}

    def _files_getUploadURLExternal(self, body: dict[str, Any]) -> dict[str, Any]:
        filename, length = str(body.get("filename") or ""), str(body.get("length") or "")
        if not filename or not length.isdigit():
            return {"ok": False, "error": "invalid_arguments"}
        file_id = f"F{len(self.files) + 1:08d}"
        self.files[file_id] = FakeFile(file_id, filename, int(length))
        url = f"http://127.0.0.1:{self.port}/upload/{file_id}"
        return {"ok": True, "upload_url": url, "file_id": file_id}

    def _files_completeUploadExternal(self, body: dict[str, Any]) -> dict[str, Any]:
        """Shares each uploaded file in `channel_id` (a message carrying it), or nowhere."""
        listed = json.loads(str(body.get("files") or "[]"))
        found = [self.files.get(str(item.get("id"))) for item in listed]
        if not found or any(f is None or f.content is None or f.completed for f in found):
            return {"ok": False, "error": "invalid_arguments"}
        channel_id = str(body.get("channel_id") or "")
        channel = self.channels.get(channel_id) if channel_id else None
        if channel_id and channel is None:
            return {"ok": False, "error": "channel_not_found"}
        if channel is not None and not channel.is_member:
            return {"ok": False, "error": "not_in_channel"}
        files = [f for f in found if f is not None]
        for file, item in zip(files, listed, strict=True):
            file.title, file.completed = str(item.get("title") or file.filename), True
            if channel is not None:
                file.shares.append(channel.id)
        if channel is not None:
            ts = f"{1_700_000_000 + next(self._ts)}.000100"
            channel.messages.append(
                {
                    "type": "message",
                    "ts": ts,
                    "user": self.bot_user_id,
                    "text": str(body.get("initial_comment") or ""),
                    "files": [{"id": f.id} for f in files],
                }
            )
        return {"ok": True, "files": [self._file_info(f) for f in files]}

    def _file_info(self, file: FakeFile) -> dict[str, Any]:
        return {
            "id": file.id,
            "name": file.filename,
            "title": file.title,
            "size": len(file.content or b""),
            "permalink": f"https://fake.slack.com/files/{self.bot_user_id}/{file.id}",
            "channels": [c for c in file.shares if not c.startswith("D")],
            "ims": [c for c in file.shares if c.startswith("D")],
        }

    def _apps_connections_open(self, body: dict[str, Any]) -> dict[str, Any]:
        return {"ok": True, "url": f"ws://127.0.0.1:{self.port}/socket"}

    # ------------------------------------------------------------ response_url

    async def _respond(self, request: web.Request) -> web.Response:
        name = request.match_info["name"]
        body = await request.json()
        self.requests.append(Recorded(f"response_url:{name}", body, dict(request.headers)))
        async with self._changed:
            self.responses.setdefault(name, []).append(body)
            self._changed.notify_all()
        return web.Response(text="ok")

    # ------------------------------------------------------------ file uploads

    async def _upload(self, request: web.Request) -> web.Response:
        """The upload URL: the file's bytes, posted once, of the length announced."""
        file = self.files.get(request.match_info["file_id"])
        data = await request.read()
        self.requests.append(Recorded("upload", {"file_id": request.match_info["file_id"]}, {}))
        if file is None or file.content is not None or len(data) != file.length:
            return web.Response(status=400, text="bad upload")
        file.content = data
        return web.Response(text="OK - " + str(len(data)))

    # ------------------------------------------------------------ Socket Mode

    async def _socket(self, request: web.Request) -> web.WebSocketResponse:
        ws = web.WebSocketResponse()
        await ws.prepare(request)
        self._sockets.append(ws)
        async with self._changed:
            self._changed.notify_all()
        await ws.send_json({"type": "hello", "num_connections": 1})
        async for message in ws:
            if message.type is WSMsgType.TEXT:
                ack = json.loads(message.data)
                future = self._acks.pop(ack.get("envelope_id", ""), None)
                if future is not None and not future.done():
                    future.set_result(ack)
        return ws

    async def drop_sockets(self) -> None:
        """Close every Socket Mode connection, as Slack does when it moves the app."""
        sockets, self._sockets = self._sockets, []
        for ws in sockets:
            await ws.close()

    @property
    def sockets_opened(self) -> int:
        """Socket Mode connections opened so far (closed ones too, until drop_sockets)."""
        return len(self._sockets)

    async def wait_sockets(self, count: int = 1) -> None:
        """Until `count` Socket Mode connections are open."""
        async with asyncio.timeout(WAIT_S), self._changed:
            await self._changed.wait_for(lambda: len(self._sockets) >= count)

    async def send_envelope(self, envelope_type: str, payload: dict[str, Any]) -> dict[str, Any]:
        """Push an envelope to the connected Socket Mode client; return its ack."""
        async with asyncio.timeout(WAIT_S):
            async with self._changed:
                await self._changed.wait_for(lambda: bool(self._sockets))
            envelope_id = f"env-{next(self._ts)}"
            future: asyncio.Future[dict[str, Any]] = asyncio.get_running_loop().create_future()
            self._acks[envelope_id] = future
            envelope = {
                "envelope_id": envelope_id,
                "type": envelope_type,
                "accepts_response_payload": True,
                "payload": payload,
            }
            await self._sockets[-1].send_json(envelope)
            return await future


async def _parse(request: web.Request) -> dict[str, Any]:
    body: dict[str, Any] = dict(request.query)
    if request.can_read_body:
        if request.content_type == "application/json":
            body.update(await request.json())
        else:
            body.update({k: v for k, v in (await request.post()).items() if isinstance(v, str)})
    return body


def _ok(result: dict[str, Any]) -> web.Response:
    return web.json_response(result)
