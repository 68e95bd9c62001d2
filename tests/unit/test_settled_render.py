"""A settled digest is rendered in the layout it was posted in, on both platforms: each
message keeps its papers, in order, whatever the new counts and marks add."""

from __future__ import annotations

from dataclasses import replace

from adapters.discord.buttons import embed_papers
from adapters.discord.render import render_digest as discord_digest
from adapters.discord.render import render_settled as discord_settled
from adapters.slack.render import render_digest as slack_digest
from adapters.slack.render import render_settled as slack_settled
from bot.records.digest import Digest
from tests.fakes.slack_digests import digest_of, long_papers

KEY = "pb0123456789abcdef01"


def settled_from(posted: Digest) -> Digest:
    """Every paper rose by 1,000 upvotes: longer counts and a mark on each."""
    entries = tuple(
        replace(e, paper=replace(e.paper, upvotes=e.paper.upvotes + 1000), risen=1000)
        for e in posted.entries
    )
    return replace(posted, entries=entries)


def test_slack_keeps_each_messages_papers() -> None:
    posted = digest_of(long_papers(40))
    parts = slack_digest(posted)
    assert len(parts) > 1  # the case that matters: a digest of several messages
    messages = slack_settled(posted, settled_from(posted))
    assert len(messages) == len(parts)
    for part, message in zip(parts, messages, strict=True):
        text = "".join(b["text"]["text"] for b in message.blocks if b["type"] == "section")
        assert text.count("▲ +1,000 since posted") == len(part.arxiv_ids)
        for arxiv_id in part.arxiv_ids:
            assert f"/papers/{arxiv_id}|" in text
        assert len(message.blocks) <= 50


def test_discord_keeps_each_messages_papers_and_marks() -> None:
    posted = digest_of(long_papers(25))
    sent = discord_digest(posted, mark_key=KEY)
    assert len(sent) > 1
    messages = discord_settled(posted, settled_from(posted), mark_key=KEY)
    assert [embed_papers(m.embeds) for m in messages] == [embed_papers(m.embeds) for m in sent]
    for before, after in zip(sent, messages, strict=True):
        assert after.embeds[-1].footer.text == before.embeds[-1].footer.text
        assert all("▲ +1,000 since posted" in (e.title or "") for e in after.embeds)
        assert sum(len(e) for e in after.embeds) <= 6000
