"""arXiv's Atom API (`export.arxiv.org/api/query`) for single papers and a search fallback.

arXiv asks for at most one request every 3 seconds on a single connection, so every
attempt, retries included, passes through one `Throttle`.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Sequence
from datetime import datetime

from bot.config.load import ArxivConfig
from bot.records.errors import MalformedResponse, UpstreamRejected
from bot.records.models import Paper
from bot.sources.arxiv_parse import parse_feed, parse_versions
from bot.sources.breaker import CircuitBreaker, utcnow
from bot.sources.http import HttpClient, HttpReply, Params, RetryPolicy, Sleep, Throttle
from bot.text.arxiv_ids import bare_id

MAX_RESULTS = 100
MAX_QUERY_WORDS = 12
_WORD = re.compile(r"[\w][\w.\-]*")
_OPERATORS = {"AND", "OR", "ANDNOT"}


class ArxivSource:
    """Implements `LookupSource`; raises the SourceError tree."""

    name = "arxiv"

    def __init__(
        self,
        config: ArxivConfig,
        user_agent: str,
        *,
        sleep: Sleep = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._url = config.base_url
        throttle = Throttle(config.min_interval_s, monotonic=monotonic, sleep=sleep)
        self._http = HttpClient(
            source=self.name,
            user_agent=user_agent,
            timeout_s=config.timeout_s,
            budget_s=config.request_budget_s,
            policy=RetryPolicy(retries=config.retries),
            sleep=sleep,
            throttle=throttle,
            breaker=CircuitBreaker(
                self.name, cooldown_s=config.cooldown_s, monotonic=monotonic, wall_clock=wall_clock
            ),
            monotonic=monotonic,
            wall_clock=wall_clock,
        )

    async def get(self, arxiv_id: str) -> Paper | None:
        """One paper by arXiv id (a version suffix is ignored), or None if arXiv has none."""
        wanted = bare_id(arxiv_id.strip())
        papers = await self._query({"id_list": wanted, "start": 0, "max_results": 10})
        return next((p for p in papers if p.arxiv_id == wanted), None)

    async def search(self, query: str, limit: int = 10) -> list[Paper]:
        """Papers with every word of `query` in any field, most relevant first."""
        search_query = build_search_query(query)
        if not search_query or limit < 1:
            return []
        params: Params = {
            "search_query": search_query,
            "sortBy": "relevance",
            "sortOrder": "descending",
            "start": 0,
            "max_results": min(limit, MAX_RESULTS),
        }
        return (await self._query(params))[:limit]

    async def versions(self, arxiv_ids: Sequence[str]) -> dict[str, int]:
        """The latest version of each paper arXiv knows, by bare id: one `id_list` query per
        100 ids, each through the throttle (one request every 3 s). Raises SourceError."""
        ids = sorted({bare_id(i) for i in arxiv_ids})
        found: dict[str, int] = {}
        for start in range(0, len(ids), MAX_RESULTS):
            batch = ids[start : start + MAX_RESULTS]
            params: Params = {"id_list": ",".join(batch), "start": 0, "max_results": len(batch)}
            found |= await self._http.get_read(
                self._url, params, _versions, accept="application/atom+xml"
            )
        return found

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _query(self, params: Params) -> list[Paper]:
        return await self._http.get_read(self._url, params, _papers, accept="application/atom+xml")


def _papers(reply: HttpReply) -> list[Paper]:
    """The feed's papers. Raises UpstreamRejected for a 4xx, MalformedResponse (which the
    HTTP client retries: a maintenance page or a cut-off feed is usually a hiccup) for
    anything unreadable."""
    if 400 <= reply.status < 500:
        raise _rejection(reply)
    if reply.status != 200:
        raise MalformedResponse(f"arxiv: unexpected HTTP {reply.status}")
    return parse_feed(reply.body)


def _versions(reply: HttpReply) -> dict[str, int]:
    if 400 <= reply.status < 500:
        raise _rejection(reply)
    if reply.status != 200:
        raise MalformedResponse(f"arxiv: unexpected HTTP {reply.status}")
    return parse_versions(reply.body)


def build_search_query(query: str) -> str:
    """Free text to arXiv syntax: `all:word AND all:word ...`.

    Only word characters survive, so a user cannot inject arXiv operators, field prefixes,
    quotes or parentheses; the words AND/OR/ANDNOT are lower-cased so they stay words.
    """
    words = _WORD.findall(query)[:MAX_QUERY_WORDS]
    terms = (w.lower() if w in _OPERATORS else w for w in words)
    return " AND ".join(f"all:{term}" for term in terms)


def _rejection(reply: HttpReply) -> UpstreamRejected:
    """arXiv's own error feed when it sent one (HTTP 400), else the bare status."""
    try:
        parse_feed(reply.body)
    except UpstreamRejected as exc:
        return exc
    except MalformedResponse:
        pass
    return UpstreamRejected(f"arXiv refused the request (HTTP {reply.status})")
