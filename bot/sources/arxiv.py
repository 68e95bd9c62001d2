"""arXiv's Atom API (`export.arxiv.org/api/query`) for single papers and a search fallback.

arXiv asks for at most one request every 3 seconds on a single connection, so every
attempt, retries included, passes through one `Throttle`.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable, Sequence
from datetime import datetime

from bot.config.load import ArxivConfig
from bot.records.errors import MalformedResponse, UpstreamRejected
from bot.records.models import Paper
from bot.sources.arxiv_parse import parse_feed, parse_versions
from bot.sources.breaker import CircuitBreaker, utcnow
from bot.sources.http import HttpClient, HttpReply, Params, RetryPolicy, Sleep, Throttle
from bot.storage.search.search_plan import parse_query
from bot.text.arxiv_ids import bare_id
from bot.text.words import words

MAX_RESULTS = 100
MAX_QUERY_WORDS = 12


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
        """Papers arXiv finds for `query` (`build_search_query`), most relevant first; none,
        and no request, for a query arXiv cannot answer."""
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
    """The query in arXiv's syntax, read as the stores read it (`parse_query`), or "" when
    arXiv cannot answer it (nothing to look for; an org: or kw: filter, which are Hugging
    Face's): `all:word`, `all:"a phrase"`, `au:"first last"`, then `ANDNOT (...)` for the
    exclusions.

    Every term is letters and digits only (parse_query's words), lower case, so a user
    cannot inject arXiv operators, field prefixes, quotes or parentheses.
    """
    plan = parse_query(query)
    if plan.is_empty or any(field != "author" for field, _ in plan.filters):
        return ""
    authors = [tuple(words(value)) for _, value in plan.filters]
    runs = [(w,) for w in plan.words] + list(plan.phrases)
    terms = [_term("all", run) for run in runs if run not in authors]
    terms = [*terms, *(_term("au", run) for run in dict.fromkeys(authors))][:MAX_QUERY_WORDS]
    wanted = " AND ".join(terms)
    if not plan.excluded:
        return wanted
    unwanted = " OR ".join(_term("all", run) for run in plan.excluded)
    return f"({wanted}) ANDNOT ({unwanted})"


def _term(field: str, run: tuple[str, ...]) -> str:
    text = " ".join(run)
    return f'{field}:"{text}"' if len(run) > 1 else f"{field}:{text}"


def _rejection(reply: HttpReply) -> UpstreamRejected:
    """arXiv's own error feed when it sent one (HTTP 400), else the bare status."""
    try:
        parse_feed(reply.body)
    except UpstreamRejected as exc:
        return exc
    except MalformedResponse:
        pass
    return UpstreamRejected(f"arXiv refused the request (HTTP {reply.status})")
