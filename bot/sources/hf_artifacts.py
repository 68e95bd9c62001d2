"""Hugging Face artifacts of a paper: `GET /api/{models,datasets,spaces}?filter=arxiv:<id>`.

The Hub tags a repo `arxiv:<id>` when its card cites the paper, and these three list
endpoints filter on the tag (bot/lifecycle/artifacts_plan.py says why not `/api/papers/{id}`). One
look-up is three short requests; a failure raises the SourceError tree, and the caller
(bot/lifecycle/artifacts.py) keeps what it had.
"""

from __future__ import annotations

import asyncio
import json
from functools import partial

from bot.config.load import HuggingFaceConfig
from bot.lifecycle.artifacts_plan import KINDS, PAGE, artifacts_of, repo_ids
from bot.records.errors import MalformedResponse, UpstreamRejected
from bot.records.models import PaperArtifacts
from bot.sources.http import HttpClient, HttpReply, RetryPolicy, Sleep

TIMEOUT_S = 5.0  # a look-up is never worth waiting long for: the next pass tries again


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
    ) -> None:
        self._base = config.base_url.rstrip("/") + "/api/"
        self._page = page
        self._http = HttpClient(
            source=self.name,
            user_agent=user_agent,
            timeout_s=min(config.timeout_s, TIMEOUT_S),
            deadline_s=min(config.request_deadline_s, 2 * TIMEOUT_S),
            policy=RetryPolicy(retries=1),
            sleep=sleep,
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
    try:
        ids = repo_ids(json.loads(reply.body))
    except (UnicodeDecodeError, json.JSONDecodeError):
        ids = None
    if ids is None:
        raise MalformedResponse(f"{where}: expected a JSON list of repos")
    return ids
