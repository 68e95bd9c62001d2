"""What a "Not for me" click does: the person's mark on the paper, toggled, and a short
private line saying so. The click arrives like a 👍 or 🔖 (bot/commands/clicks.py parses
its id and finds the paper); the mark is the person's own, so it works in any channel or DM.
"""

from __future__ import annotations

from datetime import datetime

from bot.ports import TasteStore
from bot.records.chat import ClickAnswer
from bot.records.models import Paper
from bot.text.untrusted import one_line

TITLE_CHARS = 80


async def not_for_me_click(
    store: TasteStore, user_key: str, paper: Paper, at: datetime
) -> ClickAnswer:
    """Toggle the person's "Not for me" mark on `paper`. Raises StoreError."""
    marked = await store.toggle_not_for_me(user_key, paper.arxiv_id, at)
    return ClickAnswer(paper.arxiv_id, notice=not_for_me_notice(paper, marked))


def not_for_me_notice(paper: Paper, marked: bool) -> str:
    title = one_line(paper.title)
    if len(title) > TITLE_CHARS:
        title = title[: TITLE_CHARS - 1] + "…"
    if marked:
        return (
            f"Noted: “{title}” is not for you. Your “For you” list will show fewer papers "
            "like it; click again to undo."
        )
    return f"Undone: “{title}” counts for your “For you” list again."
