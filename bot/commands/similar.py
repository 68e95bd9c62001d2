"""`/papers similar <arXiv id or URL>`: the stored papers most like one, and why.

The paper itself comes from the store, or from arXiv when the bot has not stored it (as
`/papers show` does); the store then finds the papers sharing its distinctive words
(`Store.similar`). Each paper listed carries one line naming what it shares.
"""

from __future__ import annotations

from bot.commands.wording import no_paper_text
from bot.digest.service import PaperService
from bot.records.chat import Reply

SIMILAR_LIMIT = 10


async def similar_reply(service: PaperService, arxiv_id: str) -> Reply:
    """The answer to `similar`; a paper nobody knows, or one like no other, says so."""
    paper = await service.show(arxiv_id)
    if paper is None:
        return Reply(no_paper_text(arxiv_id, service.lookup.name))
    found = await service.store.similar(paper, SIMILAR_LIMIT)
    named = f"{arxiv_id} ({paper.title})"
    if not found:
        return Reply(f"No stored paper is like {named} yet.")
    count = len(found)
    header = f"{count} paper{'s' if count != 1 else ''} like {named}:"
    return Reply(
        header,
        papers=tuple(f.paper for f in found),
        why=tuple(f.reason for f in found),
    )
