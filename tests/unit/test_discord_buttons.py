"""Discord's buttons under papers: 5 rows of at most 5, numbered labels, in-place relabel."""

from __future__ import annotations

import discord

from adapters.discord.buttons import paper_view, relabel
from adapters.discord.render import render_digest
from bot.records.digest import Digest, DigestEntry
from tests.fakes.slack_digests import real_papers


def test_ten_papers_fit_five_rows_two_papers_a_row() -> None:
    ids = [(n, f"2608.{n:05d}") for n in range(1, 13)]
    view = paper_view(ids, {"2608.00003": 4})
    buttons = [c for c in view.children if isinstance(c, discord.ui.Button)]
    assert len(buttons) == 20  # 10 papers: past 10, the first 10
    assert {b.row for b in buttons} == {0, 1, 2, 3, 4}
    assert buttons[4].label == "3. 👍 4"
    assert buttons[5].label == "3. 🔖 Save"
    assert buttons[4].custom_id == "pb:v:2608.00003"


def test_a_relabel_keeps_the_number() -> None:
    assert relabel("3. 👍 4", 5) == "3. 👍 5"
    assert relabel("3. 👍", 0) == "3. 👍"
    assert relabel("odd", 2) == "👍 2"


def test_every_digest_message_gets_the_buttons_of_its_own_papers() -> None:
    papers = real_papers()
    entries = tuple(DigestEntry(n, p, "") for n, p in enumerate(papers, 1))
    from datetime import date

    messages = render_digest(Digest(date(2026, 8, 21), entries), counts={papers[0].arxiv_id: 2})
    seen = []
    for message in messages:
        assert message.view is not None
        ids = [c.custom_id for c in message.view.children if isinstance(c, discord.ui.Button)]
        assert len(ids) <= 25
        seen += [i.removeprefix("pb:v:") for i in ids if i and i.startswith("pb:v:")]
    assert seen == [p.arxiv_id for p in papers]
    first = messages[0].view
    assert first is not None
    assert first.children[0].label == "1. 👍 2"  # type: ignore[attr-defined]
