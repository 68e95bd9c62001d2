"""The mark on a reply in a digest's thread (adapters/discord/marks.py): on the last embed's
footer for late additions, on a last subtext line for a follow-up of text alone; found
again by the key, within Discord's limits, and not for another key."""

from __future__ import annotations

from datetime import UTC, date, datetime

from adapters.discord.marks import (
    CONTENT_MAX,
    content_part_of,
    mark_content,
    mark_for,
    message_part_of,
    part_of,
)
from adapters.discord.render import render_late_additions
from bot.records.digest import Digest, DigestEntry
from bot.records.models import Paper

KEY = "pb0123456789abcdef01fu3"
DAY = date(2024, 5, 13)


def late(papers: int) -> Digest:
    entries = tuple(
        DigestEntry(
            rank=n,
            paper=Paper(
                arxiv_id=f"2405.{n:05d}",
                title=f"Paper {n}",
                abstract="word " * 300,
                authors=("Ada Lovelace",),
                published_at=datetime(2024, 5, 13, tzinfo=UTC),
                upvotes=10,
            ),
            summary="word " * 60,
        )
        for n in range(1, papers + 1)
    )
    return Digest(day=DAY, entries=entries)


def test_a_follow_up_ends_with_a_subtext_mark_line() -> None:
    message = render_late_additions(Digest(day=DAY, entries=(), heading="• a repo"), mark_key=KEY)
    assert message.embeds == ()
    assert message.content is not None
    assert message.content.endswith(f"\n-# {mark_for(KEY, 0)}")
    assert message.content.startswith("• a repo")
    assert content_part_of(message.content, KEY) == 0
    assert content_part_of(message.content, KEY[:-1]) is None  # another reply's key


def test_a_long_follow_up_is_clamped_before_the_mark_not_after() -> None:
    heading = "x" * 5000
    message = render_late_additions(Digest(day=DAY, entries=(), heading=heading), mark_key=KEY)
    assert message.content is not None
    assert len(message.content) == CONTENT_MAX
    assert content_part_of(message.content, KEY) == 0


def test_late_additions_are_marked_on_their_last_footer() -> None:
    message = render_late_additions(late(12), mark_key=KEY)
    assert len(message.embeds) == 10
    assert part_of(message.embeds[-1].footer.text, KEY) == 0
    assert content_part_of(message.content, KEY) is None  # the content stays as it was
    assert sum(len(e) for e in message.embeds) <= 6000


def test_without_a_key_nothing_is_marked() -> None:
    follow = render_late_additions(Digest(day=DAY, entries=(), heading="• a repo"))
    assert follow.content == "• a repo"
    assert all(part_of(e.footer.text, KEY) is None for e in render_late_additions(late(2)).embeds)


def test_a_mark_in_the_middle_of_the_text_is_not_a_mark() -> None:
    quoted = f"-# {mark_for(KEY, 0)}\nsomething said after it"
    assert content_part_of(quoted, KEY) is None
    assert message_part_of(quoted, [], KEY) is None
    assert message_part_of(mark_content("hi", mark_for(KEY, 0)), [None], KEY) == 0
    assert message_part_of(None, [f"a footer · {mark_for(KEY, 1)}"], KEY) == 1
    assert mark_content(None, mark_for(KEY, 0)) == f"-# {mark_for(KEY, 0)}"
