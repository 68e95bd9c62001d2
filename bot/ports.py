"""The core's contracts. Adapters and storage implement them; the core depends only on these.

Every method says what it raises; anything else escaping an implementation is a bug.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Sequence
from datetime import date, datetime, timedelta
from typing import Protocol, runtime_checkable

from bot.connection import ConnectionStatus
from bot.delivery_state import Delivery
from bot.digest.model import Digest
from bot.models import (
    ChannelRef,
    Paper,
    PostReceipt,
    SearchResults,
    SimilarPaper,
    Subscription,
)
from bot.post_plan import OnAccepted, PostedPart
from bot.replies import CommandContext, Reply


class Clock(Protocol):
    def now(self) -> datetime:
        """The current time, timezone-aware (UTC)."""
        ...


class DailySource(Protocol):
    """Where the day's trending list comes from (Hugging Face Daily Papers, the sample)."""

    name: str

    async def daily(self, day: date) -> list[Paper]:
        """The papers listed on `day`, de-duplicated on arXiv id. Raises SourceError."""
        ...

    async def aclose(self) -> None: ...


class LookupSource(Protocol):
    """Where single papers and searches go when the store does not have them (arXiv)."""

    name: str

    async def get(self, arxiv_id: str) -> Paper | None:
        """One paper by bare arXiv id, or None if unknown. Raises SourceError."""
        ...

    async def search(self, query: str, limit: int = 10) -> list[Paper]:
        """Papers matching a free-text query, best first. Raises SourceError."""
        ...

    async def aclose(self) -> None: ...


class Store(Protocol):
    """Durable state: papers, subscriptions, what was posted where. Raises StoreError."""

    read_only: bool  # opened for reading only (`open_store(read_only=True)`): writes raise

    async def upsert_papers(self, papers: Sequence[Paper]) -> int:
        """Insert or update (newest counts win); returns how many rows were written."""
        ...

    async def get_paper(self, arxiv_id: str) -> Paper | None: ...

    async def papers_listed_on(self, day: date) -> list[Paper]:
        """Every paper listed on `day` (a paper listed on several days is in each day's
        list), each with `listed_on == day`, in no particular order."""
        ...

    async def search(self, query: str, limit: int = 10) -> SearchResults:
        """Full-text search over title, abstract, authors, keywords; at most `limit` papers.

        Web-search syntax: `"a phrase"` matches as a phrase, `-word` (or `-"a phrase"`)
        excludes papers holding it, at every stage; other words are required, each in any
        form with its stem (`bot.topics.stem`: "world" finds "Worlds"), except stopwords and
        a question's own words ("how do I ..."). Papers that match so are `exact`; papers
        found only by a relaxed reading (a typo corrected, or all words but one) are `close`.
        A query the search syntax cannot take is treated as plain words, never raised.
        """
        ...

    async def similar(self, paper: Paper, limit: int = 10) -> list[SimilarPaper]:
        """The stored papers most like `paper` (itself left out, stored or not), best first:
        those sharing its distinctive words (`bot.storage.similar_plan`), each with a reason.
        """
        ...

    async def get_subscription(self, channel: ChannelRef) -> Subscription | None: ...

    async def save_subscription(self, subscription: Subscription) -> None: ...

    async def delete_subscription(self, channel: ChannelRef) -> None: ...

    async def list_subscriptions(self) -> list[Subscription]: ...

    async def record_post(self, receipt: PostReceipt, day: date, arxiv_ids: Sequence[str]) -> None:
        """Remember that these papers were posted in the receipt's channel for `day`."""
        ...

    async def posted_paper_ids(self, channel: ChannelRef) -> set[str]:
        """Every paper id ever posted in `channel` (so no paper is posted there twice)."""
        ...

    async def record_fetch(self, day: date, count: int, at: datetime) -> None:
        """Remember that the list for `day` was fetched at `at` with `count` papers."""
        ...

    async def last_fetch(self) -> tuple[date, int, datetime] | None:
        """The most recent fetch: (day, count, at), or None if never fetched."""
        ...

    async def latest_fetches(self, since: date, until: date) -> dict[date, datetime]:
        """For each day from `since` to `until` (inclusive) fetched at least once, when it
        was last fetched. A backfill re-run skips the days fetched after their list closed."""
        ...

    # -- delivery records (bot/delivery_state.py): one per (channel, covered day) --------

    async def create_delivery(self, delivery: Delivery) -> bool:
        """Insert the record unless one exists for its (channel, day); True if inserted."""
        ...

    async def get_delivery(self, channel: ChannelRef, day: date) -> Delivery | None: ...

    async def latest_deliveries(self, channel: ChannelRef, limit: int = 1) -> list[Delivery]:
        """The channel's records, newest covered day first."""
        ...

    async def claim_due_deliveries(
        self,
        now: datetime,
        worker: str,
        *,
        limit: int,
        lease: timedelta,
        platform: str | None = None,
        channel: ChannelRef | None = None,
    ) -> list[Delivery]:
        """Atomically take up to `limit` records that are due at `now` (pending and due,
        failed with next_try_at <= now, or posting with an expired lease), oldest due first,
        and mark them posting with `attempts + 1`, owned by `worker` until `now + lease`.
        No two workers ever claim the same record (Postgres: FOR UPDATE SKIP LOCKED)."""
        ...

    async def save_delivery(self, delivery: Delivery, *, worker: str) -> bool:
        """Write the record's state if `worker` still holds its lease; False if it does not."""
        ...

    async def reopen_delivery(self, channel: ChannelRef, day: date, now: datetime) -> bool:
        """Make a paused or empty record pending and due at `now` (a user resumed its
        channel, or an operator asked for its digest again); False for any other state: a
        posted record is never reopened."""
        ...

    async def close(self) -> None: ...


CommandHandler = Callable[[CommandContext, str], Awaitable[Reply]]


class ChatPlatform(Protocol):
    """A chat service that can receive digests and `/papers` commands."""

    name: str  # "slack", "discord", "console": the `platform` of its ChannelRefs

    async def post_digest(
        self,
        channel: ChannelRef,
        digest: Digest,
        *,
        idempotency_key: str,
        first_attempt: bool = False,
        posted: Sequence[PostedPart] = (),
        on_accepted: OnAccepted | None = None,
    ) -> PostReceipt:
        """Post a digest (possibly as several messages). Raises PlatformError, and lets
        whatever `on_accepted` raises through (the post stops there).

        `idempotency_key` is stable for one (channel, covered day): a platform that can
        find an earlier post by it (Slack metadata, Discord nonce or footer mark) returns
        that receipt instead of posting again. `first_attempt` is True only when no earlier
        attempt can have reached the platform, so a platform whose look-up costs a request
        (Slack's history, rate-limited) may skip it. `posted` is what earlier attempts
        recorded through `on_accepted`, which is awaited after every message the platform
        accepts and before the next one is sent: those parts and replies are not posted
        again, and the rest is (see bot/post_plan.py).
        """
        ...

    async def start(self, handler: CommandHandler) -> None:
        """Connect and route `/papers` commands to `handler` until `stop()`."""
        ...

    async def stop(self) -> None: ...


@runtime_checkable
class ReportsConnection(Protocol):
    """A platform holding a long-lived connection says how it stands (`/papers status`)."""

    def connection(self) -> ConnectionStatus | None:
        """The connection's state; None when this platform's mode holds none."""
        ...
