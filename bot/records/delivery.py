"""The durable delivery record: one per (channel, cadence, covered day or period start), and
its states. Pure.

    pending ──claim──► posting ──► posted
       ▲                 │ ├────► failed  (retryable: attempts, next_try_at, last error)
       │                 │ │        └──claim when next_try_at has come──► posting
       │                 │ ├────► paused  (permanent: the platform's reason)
       │                 │ └────► empty   (nothing to post: the reason)
       │                 └─ lease expired (the worker died) ──claim──► posting
    missed  (its time passed longer ago than the grace window; never posted)

A worker owns a `posting` record until `lease_until`; a store only accepts a write from the
lease owner, so a worker that lost its lease cannot overwrite another's outcome. Crossing a
crash is safe because every attempt posts with the same `idempotency_key`, which the
platforms use to find an earlier post instead of posting again. What a record says in
`/papers status` and how a due occurrence becomes one: bot/delivery/state.py.
"""

from __future__ import annotations

import enum
import hashlib
from dataclasses import dataclass, replace
from datetime import date, datetime

from bot.records.chat import PostedPart
from bot.records.models import Cadence, ChannelRef, PostReceipt

KEY_PREFIX = "pb"


class DeliveryState(enum.StrEnum):
    PENDING = "pending"
    POSTING = "posting"
    POSTED = "posted"
    FAILED = "failed"
    PAUSED = "paused"
    MISSED = "missed"
    EMPTY = "empty"


FINAL_STATES = frozenset(
    {DeliveryState.POSTED, DeliveryState.PAUSED, DeliveryState.MISSED, DeliveryState.EMPTY}
)


class EmptyReason(enum.StrEnum):
    """Why nothing was posted for a covered day (shown by `/papers status`)."""

    WEEKEND = "weekend: Hugging Face publishes no list"
    NO_LIST = "no papers were listed"
    NO_MATCH = "no paper matched the channel's topics and thresholds"
    ALL_POSTED = "every matching paper was already posted here"
    FEED_NOT_READY = "the Hugging Face feed was not ready"
    UNSUBSCRIBED = "the channel unsubscribed"


def idempotency_key(channel: ChannelRef, day: date, cadence: Cadence = Cadence.DAILY) -> str:
    """Stable for one (channel, cadence, covered day or period start); 20 characters of [0-9a-z].

    Short because Discord's `nonce` holds at most 25 characters: an adapter posting a
    digest as several messages can still append a suffix of its own ("-1", "-2", ...).
    A daily record's key is what it was before cadences existed (records in flight across
    the upgrade keep theirs); other cadences name themselves, so a week starting on Monday
    and that Monday's daily digest never share a key.
    """
    name = f"{channel.key}|{day.isoformat()}"
    if cadence is not Cadence.DAILY:
        name = f"{channel.key}|{cadence.value}|{day.isoformat()}"
    digest = hashlib.sha256(name.encode()).hexdigest()
    return KEY_PREFIX + digest[:18]


@dataclass(frozen=True, slots=True)
class Delivery:
    channel: ChannelRef
    day: date  # the covered day: the record's key with the channel
    post_at: datetime  # the scheduled instant (or when an operator asked), aware UTC
    days: tuple[date, ...] = ()  # the lists this digest covers, oldest first
    state: DeliveryState = DeliveryState.PENDING
    attempts: int = 0  # claims so far
    next_try_at: datetime | None = None  # FAILED: when to try again; None = gave up
    reason: str | None = None  # FAILED: last error; PAUSED: the platform's; EMPTY/MISSED: why;
    # POSTED: the platform's note, if any (e.g. posted without its details thread)
    paper_ids: tuple[str, ...] = ()  # what an attempt set out to post, saved before posting
    # The platform's message ids, one per part in order; filled as each part is accepted
    # ("" for a part not known yet), so a retry knows what is posted even past Discord's
    # nonce window. `thread_replies[i]`: how many of part i's thread replies are posted.
    message_ids: tuple[str, ...] = ()
    thread_replies: tuple[int, ...] = ()
    posted_at: datetime | None = None
    lease_owner: str | None = None
    lease_until: datetime | None = None
    cadence: Cadence = Cadence.DAILY  # with channel and day, the record's key

    @property
    def idempotency_key(self) -> str:
        return idempotency_key(self.channel, self.day, self.cadence)

    @property
    def is_final(self) -> bool:
        return self.state in FINAL_STATES or (
            self.state is DeliveryState.FAILED and self.next_try_at is None
        )

    def with_papers(self, arxiv_ids: tuple[str, ...]) -> Delivery:
        return replace(self, paper_ids=arxiv_ids)

    @property
    def posted_parts(self) -> tuple[PostedPart, ...]:
        """The parts this record knows are posted (by earlier attempts or this one)."""
        replies = self.thread_replies + (0,) * (len(self.message_ids) - len(self.thread_replies))
        return tuple(
            PostedPart(index, message_id, replies[index])
            for index, message_id in enumerate(self.message_ids)
            if message_id
        )

    def with_part(self, part: PostedPart) -> Delivery:
        """The record once the platform accepted `part` (its top message and replies)."""
        size = max(len(self.message_ids), part.index + 1)
        ids = list(self.message_ids) + [""] * (size - len(self.message_ids))
        replies = list(self.thread_replies) + [0] * (size - len(self.thread_replies))
        ids[part.index], replies[part.index] = part.message_id, part.replies
        return replace(self, message_ids=tuple(ids), thread_replies=tuple(replies))

    def posted(self, receipt: PostReceipt) -> Delivery:
        ended = self._ended(DeliveryState.POSTED, receipt.note)
        return replace(ended, message_ids=receipt.message_ids, posted_at=receipt.posted_at)

    def failed(self, error: str, next_try_at: datetime | None) -> Delivery:
        return replace(self._ended(DeliveryState.FAILED, error), next_try_at=next_try_at)

    def paused(self, reason: str) -> Delivery:
        return self._ended(DeliveryState.PAUSED, reason)

    def empty(self, reason: str) -> Delivery:
        return self._ended(DeliveryState.EMPTY, reason)

    def _ended(self, state: DeliveryState, reason: str | None) -> Delivery:
        """The record once this attempt is over: the lease is released."""
        return replace(
            self, state=state, reason=reason, next_try_at=None, lease_owner=None, lease_until=None
        )
