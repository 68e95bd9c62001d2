"""A person's "For you" list from the store: the `ForYouRanker` of bot/records/foryou.py.

Reads what the person saved (🔖), voted for (👍, in any channel) and turned down ("Not for
me"), and ranks the papers through the pure model (bot/recommend/model.py). With fewer than
COLD_START_SAVES saves it says how many more it needs and shows the trending order
meanwhile. A day's index is built once and kept for the next person asking about the same
papers (docs/benchmarks.md, "For you").
"""

from __future__ import annotations

from collections import OrderedDict
from collections.abc import Sequence
from typing import Protocol

from bot.digest.ranking import rank_trending
from bot.ports import TasteStore, VoteStore
from bot.recommend.model import DayIndex, Liked, Taste, rank_for
from bot.records.foryou import ForYouList, Pick
from bot.records.models import Paper

COLD_START_SAVES = 3
PROFILE_LIMIT = 200  # the latest saves, votes and marks a list learns from
KEPT_INDEXES = 4  # a day's and a week's lists, with room for the day before


class TasteSource(VoteStore, TasteStore, Protocol):
    """The store halves a ranker reads (the whole Store satisfies it)."""


class StoreRanker:
    """Ranks papers for a person from what the store keeps of their taste."""

    def __init__(self, store: TasteSource) -> None:
        self.store = store
        self._indexes: OrderedDict[tuple[Paper, ...], DayIndex] = OrderedDict()

    async def rank(self, user_key: str, papers: Sequence[Paper], limit: int) -> ForYouList:
        """Raises StoreError."""
        saved = await self.store.saved_papers(user_key, PROFILE_LIMIT)
        if len(saved) < COLD_START_SAVES:
            trending = rank_trending(papers, limit=limit)
            picks = tuple(Pick(p, trending_reason(p), float(p.upvotes)) for p in trending)
            return ForYouList(picks, saves_needed=COLD_START_SAVES - len(saved))
        voted = await self.store.voted_papers(user_key, PROFILE_LIMIT)
        disliked = await self.store.not_for_me_papers(user_key, PROFILE_LIMIT)
        saved_ids = {p.arxiv_id for p in saved}
        liked = [Liked(p, "saved") for p in saved]
        liked += [Liked(p, "voted for") for p in voted if p.arxiv_id not in saved_ids]
        taste = Taste(tuple(liked), tuple(disliked))
        return ForYouList(tuple(rank_for(taste, self._index(papers), limit)), saves_needed=0)

    def _index(self, papers: Sequence[Paper]) -> DayIndex:
        key = tuple(papers)  # whole papers: one whose counts changed makes a new index
        index = self._indexes.pop(key, None) or DayIndex(papers)
        self._indexes[key] = index
        while len(self._indexes) > KEPT_INDEXES:
            self._indexes.popitem(last=False)
        return index


def trending_reason(paper: Paper) -> str:
    count = paper.upvotes
    return f"trending: {count} upvote{'s' if count != 1 else ''} on Hugging Face"
