"""Hugging Face Daily Papers: `GET /api/daily_papers?date=...&limit=...&p=...`, paged; a
week's or a month's list with `week=YYYY-Www` or `month=YYYY-MM` instead of `date`."""

from __future__ import annotations

import asyncio
import json
import logging
import time
from collections.abc import Callable
from dataclasses import replace
from datetime import date, datetime

from bot.config.load import HuggingFaceConfig
from bot.records.errors import MalformedResponse, UpstreamRejected
from bot.records.models import Cadence, DayList, Paper
from bot.schedule.cadence import Period
from bot.sources.breaker import CircuitBreaker, utcnow
from bot.sources.hf_parse import parse_daily_papers
from bot.sources.http import HttpClient, HttpReply, RetryPolicy, Sleep
from bot.sources.json_body import decode_json
from bot.text.untrusted import one_line

log = logging.getLogger(__name__)

# 20 pages of 100: far more than the busiest day seen (docs/benchmarks.md, "Sources"); stops
# a server that loops.
MAX_PAGES = 20


class HuggingFaceSource:
    """The day's trending list. Implements `DailySource`; raises the SourceError tree."""

    name = "huggingface"

    def __init__(
        self,
        config: HuggingFaceConfig,
        user_agent: str,
        *,
        sleep: Sleep = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._config = config
        self._url = config.base_url.rstrip("/") + "/api/daily_papers"
        self._http = HttpClient(
            source=self.name,
            user_agent=user_agent,
            timeout_s=config.timeout_s,
            deadline_s=config.request_deadline_s,
            budget_s=config.request_budget_s,
            policy=RetryPolicy(retries=config.retries),
            sleep=sleep,
            breaker=CircuitBreaker(
                self.name, cooldown_s=config.cooldown_s, monotonic=monotonic, wall_clock=wall_clock
            ),
            monotonic=monotonic,
            wall_clock=wall_clock,
        )

    async def daily(self, day: date) -> DayList:
        """The papers listed on `day`, de-duplicated on arXiv id, in the API's order, and
        how many items were skipped as unreadable."""
        items = await self._items("date", day.isoformat())
        papers, skipped = parse_daily_papers(items, day)
        if skipped:
            log.warning("huggingface %s: skipped %d malformed item(s)", day, skipped)
        return DayList(papers, skipped)

    async def period(self, period: Period) -> list[Paper]:
        """The week's (`week=2026-W34`) or month's (`month=2026-08`) papers, with their
        counts as they are now. `listed_on` is None: the list does not say which day each
        paper was listed on, and the day lists are the source's `daily`."""
        kind = "week" if period.cadence is Cadence.WEEKLY else "month"
        items = await self._items(kind, period.label)
        papers, skipped = parse_daily_papers(items, period.start)
        if skipped:
            log.warning("huggingface %s: skipped %d malformed item(s)", period.label, skipped)
        return [replace(paper, listed_on=None) for paper in papers]

    async def _items(self, key: str, value: str) -> list[object]:
        items: list[object] = []
        for page in range(MAX_PAGES):
            batch = await self._page(key, value, page)
            items.extend(batch)
            if len(batch) < self._config.page_size:
                break
        else:
            log.warning("huggingface %s: stopped after %d full pages", value, MAX_PAGES)
        return items

    async def aclose(self) -> None:
        await self._http.aclose()

    async def _page(self, key: str, value: str, page: int) -> list[object]:
        params: dict[str, str | int] = {key: value, "limit": self._config.page_size, "p": page}
        if self._config.sort:
            params["sort"] = self._config.sort
        where = f"huggingface {value} page {page}"
        return await self._http.get_read(
            self._url, params, lambda reply: _items(reply, where), accept="application/json"
        )


def _items(reply: HttpReply, where: str) -> list[object]:
    """A page's items. Raises UpstreamRejected for a 4xx, MalformedResponse (which the HTTP
    client retries: a 200 with truncated JSON is usually a hiccup) for anything unreadable."""
    if 400 <= reply.status < 500:
        raise UpstreamRejected(_rejection(reply))
    if reply.status != 200:
        raise MalformedResponse(f"{where}: unexpected HTTP {reply.status}")
    payload = decode_json(reply.body, where)
    if not isinstance(payload, list):
        raise MalformedResponse(f"{where}: expected a JSON list, got {type(payload).__name__}")
    return payload


def _rejection(reply: HttpReply) -> str:
    """A short, chat-safe message; HF puts its reason in {"error": "..."}."""
    reason = ""
    try:
        payload = json.loads(reply.body)
    except (UnicodeDecodeError, json.JSONDecodeError, RecursionError):
        payload = None
    if isinstance(payload, dict) and isinstance(payload.get("error"), str):
        reason = ": " + one_line(payload["error"])[:160]
    return f"Hugging Face refused the request (HTTP {reply.status}){reason}"
