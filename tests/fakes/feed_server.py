"""A loopback fake of the Hugging Face Daily Papers API and the arXiv Atom API.

Real HTTP on 127.0.0.1 with an OS-picked port, serving the real fixtures in tests/fixtures/.
Point the real sources at it::

    async with FakeFeed() as feed:
        hf = HuggingFaceSource(HuggingFaceConfig(base_url=feed.url), "test-agent")
        arxiv = ArxivSource(ArxivConfig(base_url=feed.arxiv_url), "test-agent")
        feed.fail_next(1, status=500)             # the next request gets a 500
        papers = await hf.daily(date(2026, 8, 21))  # retried, then the 17 real papers
        assert feed.requests[-1].query["p"] == "0"

What it serves, ready-made (`FakeFeed(fixtures=False)` starts empty):
- `GET /api/daily_papers?date=D&limit=L&p=N`: the items of day D (the three fixture days,
  2026-08-21, 2026-05-12, 2024-06-13, plus any `serve_day`), sliced by limit (default 50)
  and page, as HF does; a day it does not know is `[]`.
- `GET /api/models|datasets|spaces?filter=arxiv:X&limit=L`: the repos `serve_artifacts`
  linked to paper X (the Hub's list items, reduced to `_id`, `id`, `likes`, `private`,
  `tags`: the fields the bot reads are `id` alone), at most L; `[]` for any other paper, and
  HTTP 400 for a filter that is not `arxiv:<id>` (the bot never sends one).
- `GET /api/query?id_list=X`: the fixture feed for X (1111.2011, astro-ph/0601001, 1707.08567),
  the empty feed for any other valid id, and arXiv's HTTP 400 error feed for a malformed one.
- `GET /api/query?search_query=Q`: the 100-entry "testing" search feed, or a body given to
  `serve_arxiv_search` (matched by a substring of Q).

Scripting failures (consumed in order by the next matching requests):
- `fail_next(n, status=..., headers=..., body=..., day=...)`: answer with this instead (500,
  429 with Retry-After, a 200 with truncated JSON or an HTML page...); with `day`, only
  requests for that day's HF list consume it (a day that fails whatever the retries).
- `stall_next(n)`: never answer until the feed closes; use a tiny client timeout.
- `drip_next(n, interval_s=...)`: send the headers and a 200 with the real answer's length,
  then its body one byte per interval (no read times out); use a tiny client deadline.
Every request is recorded in `requests` (method, path, query, lower-case headers).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date, timedelta
from pathlib import Path
from types import TracebackType
from typing import Any
from xml.sax.saxutils import escape

from aiohttp import web
from aiohttp.typedefs import Handler

from bot.text.arxiv_ids import parse_arxiv_id

FIXTURES = Path(__file__).resolve().parents[1] / "fixtures"
HF_FIXTURES = FIXTURES / "hf"
ARXIV_FIXTURES = FIXTURES / "arxiv"
HF_PATH = "/api/daily_papers"
ARXIV_PATH = "/api/query"
HUB_KINDS = ("models", "datasets", "spaces")
HF_DEFAULT_LIMIT = 50
FIXTURE_DAYS = (date(2026, 8, 21), date(2026, 5, 12), date(2024, 6, 13))
FIXTURE_IDS = {
    "1111.2011": "api_query_idlist_1111.2011v2_oldformat.xml",
    "astro-ph/0601001": "api_query_idlist_old_style_id_2026-04.xml",
    "1707.08567": "api_query_idlist_one_valid_one_unknown_id_2026-04.xml",
}
ATOM = "application/atom+xml"


def hf_fixture(day: date) -> list[dict[str, Any]]:
    """The real API items of a fixture day (tests/fixtures/hf/daily_papers_<day>.json)."""
    items: list[dict[str, Any]] = json.loads(
        (HF_FIXTURES / f"daily_papers_{day.isoformat()}.json").read_text(encoding="utf-8")
    )
    return items


def atom_versions(versions: dict[str, int]) -> bytes:
    """A minimal `id_list` answer: one entry per paper at its latest version."""
    entries = "".join(
        f"<entry><id>http://arxiv.org/abs/{arxiv_id}v{version}</id><title>T</title></entry>"
        for arxiv_id, version in versions.items()
    )
    return f'<feed xmlns="http://www.w3.org/2005/Atom">{entries}</feed>'.encode()


def arxiv_fixture(name: str) -> bytes:
    return (ARXIV_FIXTURES / name).read_bytes()


@dataclass(frozen=True, slots=True)
class RecordedRequest:
    method: str
    path: str
    query: Mapping[str, str]
    headers: Mapping[str, str]  # names lower-cased


@dataclass(frozen=True, slots=True)
class ScriptedReply:
    status: int = 500
    body: bytes = b""
    headers: Mapping[str, str] = field(default_factory=dict)
    stall: bool = False
    drip_interval_s: float | None = None  # send the real answer one byte per interval
    path: str | None = None  # only requests to this path consume it; None = any
    day: date | None = None  # only requests for this day's list (?date=) consume it


class FakeFeed:
    """The fake server. An async context manager; `start()`/`close()` for explicit control."""

    def __init__(self, *, fixtures: bool = True) -> None:
        self.requests: list[RecordedRequest] = []
        self._days: dict[date, list[Any]] = {}
        self._arxiv_ids: dict[str, tuple[int, bytes]] = {}
        self._artifacts: dict[tuple[str, str], list[str]] = {}  # (kind, arxiv id) -> repo ids
        self._arxiv_searches: list[tuple[str, int, bytes]] = []
        self._script: list[ScriptedReply] = []
        self._closing = asyncio.Event()
        self._runner: web.AppRunner | None = None
        self._port = 0
        if fixtures:
            self._load_fixtures()

    # -- configuration ------------------------------------------------------------------

    def serve_day(self, day: date, items: Sequence[Any]) -> None:
        """Serve `items` (API item objects, or anything: it is sent as JSON) for `day`."""
        self._days[day] = list(items)

    def serve_artifacts(
        self,
        arxiv_id: str,
        *,
        models: Sequence[str] = (),
        datasets: Sequence[str] = (),
        spaces: Sequence[str] = (),
    ) -> None:
        """Link these repos ("org/name") to the paper: the Hub's lists filtered by
        `arxiv:<arxiv_id>` answer them (replacing what was served before)."""
        for kind, ids in zip(HUB_KINDS, (models, datasets, spaces), strict=True):
            self._artifacts[(kind, arxiv_id)] = list(ids)

    def serve_arxiv_id(self, arxiv_id: str, body: bytes, *, status: int = 200) -> None:
        """Answer `id_list=arxiv_id` with this Atom body."""
        self._arxiv_ids[arxiv_id] = (status, body)

    def serve_arxiv_search(self, body: bytes, *, contains: str = "", status: int = 200) -> None:
        """Answer searches whose search_query contains `contains` ("" = any); newest first."""
        self._arxiv_searches.insert(0, (contains, status, body))

    def fail_next(
        self,
        n: int = 1,
        *,
        status: int = 500,
        headers: Mapping[str, str] | None = None,
        body: bytes | str = b"",
        path: str | None = None,
        day: date | None = None,
    ) -> None:
        """The next `n` requests (to `path`, for `day`, if given) get this answer instead."""
        raw = body.encode() if isinstance(body, str) else body
        headers = dict(headers or {})
        reply = ScriptedReply(status=status, body=raw, headers=headers, path=path, day=day)
        self._script.extend([reply] * n)

    def stall_next(self, n: int = 1, *, path: str | None = None) -> None:
        """The next `n` requests get no answer until the feed closes (a client timeout)."""
        self._script.extend([ScriptedReply(status=503, stall=True, path=path)] * n)

    def drip_next(self, n: int = 1, *, interval_s: float, path: str | None = None) -> None:
        """The next `n` requests get the real answer, one byte every `interval_s` seconds."""
        self._script.extend([ScriptedReply(drip_interval_s=interval_s, path=path)] * n)

    def clear_script(self) -> None:
        """Forget the scripted answers not yet taken (a test that scripted more than it used)."""
        self._script.clear()

    # -- inspection ---------------------------------------------------------------------

    @property
    def url(self) -> str:
        """The base URL, for HuggingFaceConfig(base_url=...)."""
        if self._runner is None:
            raise RuntimeError("FakeFeed is not started")
        return f"http://127.0.0.1:{self._port}"

    @property
    def host(self) -> str:
        """`127.0.0.1:<port>`: how errors and logs name it."""
        return self.url.removeprefix("http://")

    @property
    def arxiv_url(self) -> str:
        """The query endpoint, for ArxivConfig(base_url=...)."""
        return self.url + ARXIV_PATH

    def requests_to(self, path: str) -> list[RecordedRequest]:
        return [r for r in self.requests if r.path == path]

    # -- lifecycle ----------------------------------------------------------------------

    async def start(self) -> None:
        app = web.Application()
        app.router.add_get(HF_PATH, self._daily_papers)
        app.router.add_get(ARXIV_PATH, self._arxiv_query)
        for kind in HUB_KINDS:
            app.router.add_get(f"/api/{kind}", self._hub_list)
        app.middlewares.append(self._record_and_script)
        self._runner = web.AppRunner(app, access_log=None)
        await self._runner.setup()
        site = web.TCPSite(self._runner, "127.0.0.1", 0)
        await site.start()
        self._port = int(self._runner.addresses[0][1])

    async def close(self) -> None:
        self._closing.set()  # releases stalled handlers so shutdown is immediate
        if self._runner is not None:
            await self._runner.cleanup()
            self._runner = None

    async def __aenter__(self) -> FakeFeed:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.close()

    # -- handlers -----------------------------------------------------------------------

    @web.middleware
    async def _record_and_script(
        self, request: web.Request, handler: Handler
    ) -> web.StreamResponse:
        self.requests.append(
            RecordedRequest(
                method=request.method,
                path=request.path,
                query=dict(request.query),
                headers={k.lower(): v for k, v in request.headers.items()},
            )
        )
        scripted = self._take_script(request.path, request.query.get("date"))
        if scripted is None:
            return await handler(request)
        if scripted.stall:
            await self._closing.wait()
        if scripted.drip_interval_s is not None:
            return await self._drip(request, await handler(request), scripted.drip_interval_s)
        return web.Response(status=scripted.status, body=scripted.body, headers=scripted.headers)

    async def _drip(
        self, request: web.Request, answer: web.StreamResponse, interval_s: float
    ) -> web.StreamResponse:
        """Headers at once, then the body byte by byte until it ends, the client hangs up or
        the feed closes."""
        body = answer.body if isinstance(answer, web.Response) else None
        raw = body if isinstance(body, bytes) else b""
        response = web.StreamResponse(status=answer.status, headers=answer.headers)
        response.content_length = len(raw)
        await response.prepare(request)
        for index in range(len(raw)):
            try:
                await response.write(raw[index : index + 1])
            except ConnectionError:  # the client gave up, as it should
                return response
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._closing.wait(), interval_s)
            if self._closing.is_set():
                return response
        await response.write_eof()
        return response

    def _take_script(self, path: str, day: str | None) -> ScriptedReply | None:
        for index, reply in enumerate(self._script):
            if reply.path not in (None, path):
                continue
            if reply.day is None or reply.day.isoformat() == day:
                return self._script.pop(index)
        return None

    async def _daily_papers(self, request: web.Request) -> web.Response:
        try:
            days = _days_asked(request.query)
            limit = int(request.query.get("limit", HF_DEFAULT_LIMIT))
            page = int(request.query.get("p", 0))
        except (KeyError, ValueError):
            return web.json_response({"error": "Invalid query parameters"}, status=400)
        items = [item for day in sorted(self._days) if day in days for item in self._days[day]]
        return web.json_response(items[page * limit : (page + 1) * limit])

    async def _hub_list(self, request: web.Request) -> web.Response:
        kind = request.path.rsplit("/", 1)[-1]
        tag, _, arxiv_id = request.query.get("filter", "").partition(":")
        try:
            limit = int(request.query.get("limit", 1000))
        except ValueError:
            return web.json_response({"error": "Invalid limit"}, status=400)
        if tag != "arxiv" or not arxiv_id:
            return web.json_response({"error": "Invalid filter"}, status=400)
        ids = self._artifacts.get((kind, arxiv_id), [])[:limit]
        items = [
            {
                "_id": f"{n:024x}",
                "id": repo,
                "likes": 0,
                "private": False,
                "tags": [f"arxiv:{arxiv_id}"],
            }
            for n, repo in enumerate(ids, start=1)
        ]
        return web.json_response(items)

    async def _arxiv_query(self, request: web.Request) -> web.Response:
        id_list = request.query.get("id_list", "")
        if id_list:
            status, body = self._arxiv_feed_for_id(id_list)
        else:
            status, body = self._arxiv_feed_for_search(request.query.get("search_query", ""))
        return web.Response(status=status, body=body, content_type=ATOM, charset="utf-8")

    def _arxiv_feed_for_id(self, id_list: str) -> tuple[int, bytes]:
        if id_list in self._arxiv_ids:
            return self._arxiv_ids[id_list]
        try:
            parse_arxiv_id(id_list)
        except ValueError:
            # arXiv's real error feed, naming the id it could not read.
            template = arxiv_fixture("api_query_error_400_bad_id_2026-04.xml").decode()
            bad = escape(id_list)
            text = template.replace("format for abc", f"format for {bad}")
            return 400, text.replace("_for_abc", "_for_" + bad.replace(" ", "_")).encode()
        return 200, arxiv_fixture("api_query_idlist_no_results_2026-04.xml")

    def _arxiv_feed_for_search(self, query: str) -> tuple[int, bytes]:
        for contains, status, body in self._arxiv_searches:
            if contains in query:
                return status, body
        return 200, arxiv_fixture("api_query_idlist_no_results_2026-04.xml")

    def _load_fixtures(self) -> None:
        for day in FIXTURE_DAYS:
            self.serve_day(day, hf_fixture(day))
        for arxiv_id, name in FIXTURE_IDS.items():
            self.serve_arxiv_id(arxiv_id, arxiv_fixture(name))
        self.serve_arxiv_search(arxiv_fixture("api_query_search_testing_max100_2026-04.xml"))
        self.serve_arxiv_search(
            arxiv_fixture("api_query_search_au_del_maestro_2016-10_oldformat.xml"),
            contains="maestro",
        )


def _days_asked(query: Mapping[str, str]) -> set[date]:
    """The days a request's `date=`, `week=YYYY-Www` or `month=YYYY-MM` names; ValueError
    (or KeyError without any of them) for anything else, as Hugging Face answers 400."""
    if "week" in query:
        year, _, week = query["week"].partition("-W")
        monday = date.fromisocalendar(int(year), int(week), 1)
        return {monday + timedelta(days=n) for n in range(7)}
    if "month" in query:
        first = date.fromisoformat(query["month"] + "-01")
        following = (first + timedelta(days=32)).replace(day=1)
        return {first + timedelta(days=n) for n in range((following - first).days)}
    return {date.fromisoformat(query["date"])}
