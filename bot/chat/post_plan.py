"""Which parts of a digest are already posted, and what remains to post. Pure.

A digest goes out as parts: one top-level message each, with (on Slack) thread replies
under it. While a delivery posts, every message the platform accepts is recorded at once
(`PostedPart`, saved in the delivery record), and a part's thread replies are posted only
after its top message is recorded. So when a retry meets a part:

- the record knows it: it is posted, and so are its first `replies` thread replies;
- only the platform's look-up finds it (Slack metadata, a Discord footer mark): it was
  accepted just before a crash, before it could be recorded, so none of its replies were
  posted (a caller that records nothing cannot say that, and counts it complete);
- neither knows it: it is posted now.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from dataclasses import dataclass

from bot.records.chat import PostedPart


@dataclass(frozen=True, slots=True)
class PartTodo:
    """What to do for one part: post its top message (when `message_id` is None), then its
    thread replies from `replies_from` on. `recorded` is False when the caller's record does
    not know the part yet (so it must be told)."""

    index: int
    message_id: str | None
    replies_from: int
    recorded: bool


def unrecorded(total: int, posted: Sequence[PostedPart]) -> list[int]:
    """The parts (of `total`) the record does not know: what a look-up has to check."""
    known = {part.index for part in posted}
    return [index for index in range(total) if index not in known]


def plan_parts(
    reply_counts: Sequence[int],
    posted: Sequence[PostedPart],
    found: Mapping[int, str],
    *,
    recording: bool = True,
) -> list[PartTodo]:
    """One `PartTodo` per part, in order; `reply_counts[i]` is part i's number of replies.

    `posted` is what the caller's record knows, `found` what the platform's look-up found
    (part index -> message id). Without `recording`, a found part counts as complete.
    """
    known = {part.index: part for part in posted}
    todo = []
    for index, replies in enumerate(reply_counts):
        part = known.get(index)
        if part is not None:
            todo.append(PartTodo(index, part.message_id, min(part.replies, replies), True))
        elif index in found:
            done = 0 if recording else replies
            todo.append(PartTodo(index, found[index], done, False))
        else:
            todo.append(PartTodo(index, None, 0, False))
    return todo
