"""An offline source over the real Daily Papers snapshot shipped in `bot/sample/`.

It lets a newcomer with no network see a real digest (`--source sample`), and serves as both
the daily list and the look-up/search source.
"""

from __future__ import annotations

import json
import re
from datetime import date
from importlib.resources import files
from importlib.resources.abc import Traversable

from bot.records.errors import MalformedResponse
from bot.records.models import DayList, Paper
from bot.sources.hf_parse import parse_daily_papers
from bot.storage.search.query import fold
from bot.storage.search.search_plan import parse_query
from bot.text.arxiv_ids import bare_id

_FILE_NAME = re.compile(r"^daily_papers_(\d{4}-\d{2}-\d{2})\.json$")
_WORD = re.compile(r"[^\W_]+")
SETTLED_FOLDER = "settled"
TITLE_WEIGHT = 3  # a query word in the title counts as much as three elsewhere


def snapshot_dir() -> Traversable:
    """The packaged snapshot folder (works from a wheel, a zip or a source checkout)."""
    return files("bot").joinpath("sample")


def load_snapshot(folder: Traversable) -> dict[date, list[Paper]]:
    """Every `daily_papers_YYYY-MM-DD.json` in `folder`, parsed, keyed by day."""
    by_day: dict[date, list[Paper]] = {}
    for entry in folder.iterdir():
        match = _FILE_NAME.match(entry.name)
        if match is None:
            continue
        day = date.fromisoformat(match.group(1))
        try:
            payload = json.loads(entry.read_bytes())
        except json.JSONDecodeError:
            raise MalformedResponse(f"sample: {entry.name} is not JSON") from None
        by_day[day], _skipped = parse_daily_papers(payload, day)
    return by_day


class SampleSource:
    """Implements both `DailySource` and `LookupSource` over the shipped snapshot."""

    name = "sample"

    def __init__(self, folder: Traversable | None = None) -> None:
        self._folder = folder if folder is not None else snapshot_dir()
        self._by_day: dict[date, list[Paper]] | None = None

    @property
    def days(self) -> list[date]:
        """The days the snapshot holds, newest first."""
        return sorted(self._snapshot(), reverse=True)

    def settled(self) -> SampleSource | None:
        """The snapshot as a day later (higher counts, `bot/sample/README.md`), for settling
        previews; None when this snapshot has none."""
        later = self._folder.joinpath(SETTLED_FOLDER)
        return SampleSource(later) if later.is_dir() else None

    async def daily(self, day: date) -> DayList:
        return DayList(self._snapshot().get(day, []))

    async def get(self, arxiv_id: str) -> Paper | None:
        wanted = bare_id(arxiv_id.strip())
        return next((p for p in self._papers() if p.arxiv_id == wanted), None)

    async def search(self, query: str, limit: int = 10) -> list[Paper]:
        """Papers holding every word the query asks for, phrases' words and author: and kw:
        names' words too (as a word prefix; read as the stores read it, `parse_query`);
        title hits rank higher. Exclusions, phrases and filters are the caller's to check
        (bot.digest.search_match): this finds candidates."""
        plan = parse_query(query)
        words = list(dict.fromkeys([*plan.words, *(w for p in plan.phrases for w in p)]))
        if not words or limit < 1:
            return []
        scored = ((_score(p, words), p) for p in self._papers())
        hits = [(score, p) for score, p in scored if score > 0]
        hits.sort(key=lambda hit: (-hit[0], -hit[1].upvotes, hit[1].arxiv_id))
        return [paper for _score_, paper in hits[:limit]]

    async def aclose(self) -> None:
        return None

    def _snapshot(self) -> dict[date, list[Paper]]:
        if self._by_day is None:
            self._by_day = load_snapshot(self._folder)
        return self._by_day

    def _papers(self) -> list[Paper]:
        """Every paper once, from its newest listing."""
        seen: dict[str, Paper] = {}
        for day in self.days:
            for paper in self._snapshot()[day]:
                seen.setdefault(paper.arxiv_id, paper)
        return list(seen.values())


def _words(text: str) -> list[str]:
    return _WORD.findall(fold(text))


def _score(paper: Paper, words: list[str]) -> int:
    """0 unless every word matches; otherwise title matches weigh TITLE_WEIGHT, others 1."""
    title = set(_words(paper.title))
    rest = set(_words(" ".join((paper.abstract, *paper.authors, *paper.ai_keywords))))
    rest.update(_words(paper.organization or ""))
    score = 0
    for word in words:
        if any(t.startswith(word) for t in title):
            score += TITLE_WEIGHT
        elif any(t.startswith(word) for t in rest):
            score += 1
        else:
            return 0
    return score
