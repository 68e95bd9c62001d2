"""Pure: a person's DM digest from the day's matches for their topics, the channel posts of
their workspace or server, and their "For you" list.

- The matches keep their reasons (why each matched), in the channels' compact form.
- A paper one of their channels already posted that day is not shown again in full: its
  entry says where it was posted (`DigestEntry.posted_in`), which each platform renders as
  "posted in #channel" with a link to that message.
- Then "For you": the ranker's picks that are not among the matches, each with its one line
  of why; during the cold start, the trending order, saying how many more saves it needs.
  The picks are marked (`DigestEntry.for_you`): each platform shows them under a heading
  `FOR_YOU` (bot/records/digest.py), a section of their own after the matches.
- The digest is marked personal (`Digest.personal`): its papers carry 🔖 and "Not for me",
  not 👍 (a vote counts in a subscribed channel, and a DM is none).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import replace

from bot.digest.summary import summarize
from bot.records.digest import Digest, DigestEntry, PostedIn
from bot.records.foryou import ForYouList
from bot.records.people import ChannelPost


def cold_start_reason(saves_needed: int) -> str:
    plural = "s" if saves_needed != 1 else ""
    return f"save {saves_needed} more paper{plural} to get picks; trending meanwhile"


def compose_dm(
    matches: Digest,
    posts: Sequence[ChannelPost],
    foryou: ForYouList | None = None,
) -> Digest:
    """The DM digest: `matches` (marked where already posted), then the "For you" picks."""
    posted_in = _first_posts(posts)
    entries = [_marked(entry, posted_in) for entry in matches.entries]
    shown = {entry.paper.arxiv_id for entry in entries}
    picks = foryou.picks if foryou is not None else ()
    cold = foryou.saves_needed if foryou is not None else 0
    for pick in picks:
        if pick.paper.arxiv_id in shown:
            continue
        shown.add(pick.paper.arxiv_id)
        why = cold_start_reason(cold) if cold > 0 else pick.reason
        entry = DigestEntry(
            rank=len(entries) + 1,
            paper=pick.paper,
            summary=summarize(pick.paper),
            reasons=(why,),
            for_you=True,
        )
        entries.append(_marked(entry, posted_in))
    title = matches.title
    return replace(
        matches,
        entries=tuple(entries),
        heading="Your " + title[:1].lower() + title[1:],
        empty_reason=matches.empty_reason if not entries else None,
        personal=True,
    )


def _first_posts(posts: Sequence[ChannelPost]) -> dict[str, PostedIn]:
    """Each paper's first channel post (the posts come oldest first)."""
    found: dict[str, PostedIn] = {}
    for post in posts:
        if not post.message_ids or not post.message_ids[0]:
            continue
        for arxiv_id in post.paper_ids:
            found.setdefault(arxiv_id, PostedIn(post.channel, post.message_ids[0]))
    return found


def _marked(entry: DigestEntry, posted_in: dict[str, PostedIn]) -> DigestEntry:
    where = posted_in.get(entry.paper.arxiv_id)
    if where is None:
        return entry
    return replace(entry, summary="", artifacts=None, posted_in=where)
