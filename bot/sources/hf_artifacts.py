"""Hugging Face artifacts of a paper: `GET /api/{models,datasets,spaces}?filter=arxiv:<id>`.

The Hub tags a repo `arxiv:<id>` when its card cites the paper, and these three list
endpoints filter on the tag (bot/lifecycle/artifacts_plan.py says why not `/api/papers/{id}`). One
look-up is three short requests; a failure raises the SourceError tree, and the caller
(bot/lifecycle/artifacts.py) keeps what it had.
"""

from __future__ import annotations

import asyncio
import re
import time
from collections.abc import Callable, Mapping, Sequence
from datetime import datetime
from functools import partial

from bot.config.load import HuggingFaceConfig
from bot.records.errors import MalformedResponse, UpstreamRejected
from bot.records.models import PaperArtifacts
from bot.sources.breaker import CircuitBreaker, utcnow
from bot.sources.http import HttpClient, HttpReply, RetryPolicy, Sleep
from bot.sources.json_body import decode_json

TIMEOUT_S = 5.0  # a look-up is never worth waiting long for: the next pass tries again
PAGE = 50  # repos asked per kind and look-up
KINDS = ("models", "datasets", "spaces")  # the Hub's API paths, in PaperArtifacts' order
# "org/name" (or a legacy top-level model "name"): what a repo id may be; anything else in an
# answer is dropped, since ids become links in chat.
_REPO_ID = re.compile(r"^(?:[A-Za-z0-9][A-Za-z0-9_.-]{0,95}/)?[A-Za-z0-9][A-Za-z0-9_.-]{0,95}$")


class HfArtifactsSource:
    """Implements `ArtifactLookup` (bot/lifecycle/artifacts.py)."""

    name = "huggingface-artifacts"

    def __init__(
        self,
        config: HuggingFaceConfig,
        user_agent: str,
        *,
        page: int = PAGE,
        sleep: Sleep = asyncio.sleep,
        monotonic: Callable[[], float] = time.monotonic,
        wall_clock: Callable[[], datetime] = utcnow,
    ) -> None:
        self._base = config.base_url.rstrip("/") + "/api/"
        self._page = page
        self._http = HttpClient(
            source=self.name,
            user_agent=user_agent,
            timeout_s=min(config.timeout_s, TIMEOUT_S),
            deadline_s=min(config.request_deadline_s, 2 * TIMEOUT_S),
            budget_s=min(config.request_budget_s, 4 * TIMEOUT_S),
            policy=RetryPolicy(retries=1),
            sleep=sleep,
            breaker=CircuitBreaker(
                self.name, cooldown_s=config.cooldown_s, monotonic=monotonic, wall_clock=wall_clock
            ),
            monotonic=monotonic,
            wall_clock=wall_clock,
        )

    async def artifacts(self, arxiv_id: str) -> PaperArtifacts:
        """The models, datasets and Spaces linked to the paper (up to a page of each)."""
        found: dict[str, tuple[str, ...]] = {}
        for kind in KINDS:
            where = f"huggingface {kind} of {arxiv_id}"
            params: dict[str, str | int] = {"filter": f"arxiv:{arxiv_id}", "limit": self._page}
            found[kind] = await self._http.get_read(
                self._base + kind,
                params,
                partial(_ids, where=where),
                accept="application/json",
            )
        return artifacts_of(arxiv_id, found, self._page)

    async def aclose(self) -> None:
        await self._http.aclose()


def _ids(reply: HttpReply, where: str) -> tuple[str, ...]:
    if 400 <= reply.status < 500:
        raise UpstreamRejected(f"{where}: Hugging Face refused it (HTTP {reply.status})")
    if reply.status != 200:
        raise MalformedResponse(f"{where}: unexpected HTTP {reply.status}")
    ids = repo_ids(decode_json(reply.body, where))
    if ids is None:
        raise MalformedResponse(f"{where}: expected a JSON list of repos")
    return ids


def repo_ids(payload: object) -> tuple[str, ...] | None:
    """The repo ids of a list answer (`[{"id": "org/name", ...}, ...]`), in its order,
    de-duplicated; None if the answer is not such a list."""
    if not isinstance(payload, list):
        return None
    ids: dict[str, None] = {}
    for item in payload:
        repo = item.get("id") if isinstance(item, dict) else None
        if isinstance(repo, str) and _REPO_ID.match(repo) and ".." not in repo:
            ids[repo] = None
    return tuple(ids)


def artifacts_of(arxiv_id: str, found: Mapping[str, Sequence[str]], page: int) -> PaperArtifacts:
    """One paper's artifacts from the three lists (by KINDS name), `more` if one was full."""
    lists = [tuple(found.get(kind, ()))[:page] for kind in KINDS]  # a server may send more
    more = any(len(ids) >= page for ids in lists)
    return PaperArtifacts(arxiv_id, lists[0], lists[1], lists[2], more)
