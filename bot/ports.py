"""The core's contracts. Adapters and storage implement them; the core depends only on these.

Every method says what it raises; anything else escaping an implementation is a bug.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable, Collection, Mapping, Sequence
from datetime import date, datetime, timedelta
from typing import Protocol, runtime_checkable

from bot.records.chat import (
    Click,
    ClickAnswer,
    CommandContext,
    ConnectionStatus,
    OnAccepted,
    PostedPart,
    Reply,
)
from bot.records.delivery import Delivery
from bot.records.digest import Digest
from bot.records.followups import FollowupEvent, Seen
from bot.records.links import JoinResult
from bot.records.models import (
    CachedArtifacts,
    Cadence,
    ChannelRef,
    DayList,
    FetchAttempt,
    FetchRecord,
    Paper,
    PaperArtifacts,
    PostReceipt,
    SearchResults,
    SimilarPaper,
    Subscription,
)
from bot.records.people import ChannelPost, Footprint, Person
from bot.records.retention import PruneKind, TableBloat
from bot.records.settle import SettleTask


class DailySource(Protocol):
    """Where the day's trending list comes from (Hugging Face Daily Papers, the sample)."""

    name: str

    async def daily(self, day: date) -> DayList:
        """The papers listed on `day`, de-duplicated on arXiv id, with how many items the
        source sent that could not be read (skipped). Raises SourceError."""
        ...

    async def aclose(self) -> None: ...


class LookupSource(Protocol):
    """Where single papers and searches go when the store does not have them (arXiv)."""

    name: str

    async def get(self, arxiv_id: str) -> Paper | None:
        """One paper by bare arXiv id, or None if unknown. Raises SourceError."""
        ...

    async def search(self, query: str, limit: int = 10) -> list[Paper]:
        """Candidates for a search query (read by `parse_query`, as the stores read it), best
        first; the caller keeps those that hold the query. Raises SourceError."""
        ...

    async def aclose(self) -> None: ...


class VoteStore(Protocol):
    """Votes (👍, one per subscription, paper and user) and saves (🔖, one per user and
    paper). Every toggle is atomic, also across processes. Raises StoreError."""

    async def toggle_vote(
        self, subscription_key: str, arxiv_id: str, user_key: str, at: datetime
    ) -> tuple[bool, int]:
        """Add the user's vote, or take it back if there was one: (voted now, new count)."""
        ...

    async def vote_counts(self, subscription_key: str, arxiv_ids: Sequence[str]) -> dict[str, int]:
        """Each paper's count (papers with no vote are left out)."""
        ...

    async def top_voted(
        self,
        subscription_key: str,
        since: datetime | None,
        limit: int,
        until: datetime | None = None,
    ) -> list[tuple[Paper, int]]:
        """The most-voted papers counting votes cast at or after `since` (None: ever) and
        before `until` (None: up to now), with their counts; ties go to more Hugging Face
        upvotes, then the arXiv id."""
        ...

    async def toggle_save(self, user_key: str, arxiv_id: str, at: datetime) -> bool:
        """Save the paper for the user, or un-save it if saved: True if it is saved now."""
        ...

    async def remove_save(self, user_key: str, arxiv_id: str) -> bool:
        """False when the paper was not saved."""
        ...

    async def saved_papers(self, user_key: str, limit: int) -> list[Paper]:
        """The user's saved papers, the latest saved first."""
        ...

    async def saved_papers_dated(self, user_key: str, limit: int) -> list[tuple[Paper, datetime]]:
        """The user's saved papers with when each was saved (aware, UTC), latest first."""
        ...


class TasteStore(Protocol):
    """What a person's "For you" list learns from (bot/recommend): the papers they voted
    for in any channel, and those they turned down ("Not for me", one mark per person and
    paper). Raises StoreError."""

    async def voted_papers(self, user_key: str, limit: int) -> list[Paper]:
        """The papers the person voted for (👍) in any channel, the latest vote first."""
        ...

    async def toggle_not_for_me(self, user_key: str, arxiv_id: str, at: datetime) -> bool:
        """Mark the paper "Not for me", or take the mark back: True if it is marked now."""
        ...

    async def not_for_me_papers(self, user_key: str, limit: int) -> list[Paper]:
        """The papers the person turned down, the latest first."""
        ...

    async def forget_not_for_me(self, user_key: str) -> int:
        """Delete every "Not for me" mark of the person (`me forget`): how many there were."""
        ...


class LinkStore(Protocol):
    """Linked channels (`/papers link`): groups of channels sharing one subscription, and
    the one-time codes that join them. Raises StoreError."""

    async def create_link_code(self, code_hash: str, channel_key: str, expires: datetime) -> None:
        """Keep a code (by its hash) that joins a channel to `channel_key`'s subscription."""
        ...

    async def join_link(
        self,
        code_hash: str,
        joiner: ChannelRef,
        created_by: str | None,
        now: datetime,
        new_group: str,
    ) -> JoinResult:
        """In one transaction: refuse at once (LOCKED) while the joining channel or its
        workspace is locked; count a code that is not one against both (the one too many
        locks them: `JoinResult.lock`, bot/records/links.py); keep a good code that this
        channel may not use (KEEPS_CODE), else use it up; and if it joins, put the joining
        channel in the inviter's group (`new_group` if it has none), with the inviter's
        settings and topics and both channels' votes pooled."""
        ...

    async def unlink(self, channel_key: str) -> bool:
        """Leave the group with a copy of its votes; False when not linked."""
        ...

    async def linked_channels(self, channel_key: str) -> list[str]:
        """The keys of the other channels in the channel's group (none if not linked)."""
        ...

    async def vote_key(self, channel_key: str) -> str:
        """The key the channel's votes are kept under: its group's, else its own."""
        ...


class SettleStore(Protocol):
    """Settle tasks (bot/lifecycle/settle_plan.py): one per (posted delivery, age). Raises
    StoreError."""

    async def deliveries_to_settle(self, since: datetime) -> list[Delivery]:
        """Posted records whose `posted_at` is at or after `since` and that have no settle
        task yet."""
        ...

    async def create_settle_tasks(self, tasks: Sequence[SettleTask]) -> int:
        """Insert the tasks that do not exist yet (by channel, day, age); how many were new."""
        ...

    async def claim_due_settle_tasks(
        self,
        now: datetime,
        worker: str,
        *,
        limit: int,
        lease: timedelta,
        platform: str | None = None,
    ) -> list[SettleTask]:
        """Atomically take up to `limit` tasks due at `now` (pending and due, failed with
        next_try_at <= now, or settling with an expired lease) whose earlier ages of the same
        post are all final; mark them settling with `attempts + 1`, owned by `worker` until
        `now + lease`. No two workers ever claim the same task. With `platform`, only that
        platform's tasks (each platform's workers go at its own pace)."""
        ...

    async def save_settle_task(self, task: SettleTask, *, worker: str) -> bool:
        """Write the task if `worker` still holds its lease; False if it does not."""
        ...

    async def settle_tasks_of(self, channel: ChannelRef, day: date) -> list[SettleTask]:
        """Every task of the post of (channel, day), youngest age first."""
        ...


class FollowupStore(Protocol):
    """Follow-up events (bot/lifecycle/followup_plan.py), one per (channel, paper, kind, value), and
    what was last seen of each paper. Raises StoreError."""

    async def deliveries_posted_since(self, since: datetime) -> list[Delivery]:
        """Posted records (any cadence) whose `posted_at` is at or after `since`."""
        ...

    async def followups_seen(self, arxiv_ids: Collection[str]) -> dict[str, Seen]:
        """What was last seen of each of these papers that was ever seen."""
        ...

    async def save_followups_seen(self, seen: Sequence[Seen], at: datetime) -> None:
        """Remember these sightings (each replaces the paper's previous one)."""
        ...

    async def record_followup_events(self, events: Sequence[FollowupEvent]) -> int:
        """Insert the events whose (channel, paper, kind, value) is new; how many were.
        An event recorded once is never recorded again: the "never twice" guard."""
        ...

    async def followup_events_since(self, since: datetime) -> list[FollowupEvent]:
        """Every event detected at or after `since`, sent or not."""
        ...

    async def assign_followup_reply(
        self, channel: ChannelRef, thread_of: str, reply_key: str
    ) -> int:
        """Give every event of `channel` in the thread of `thread_of` that has no reply key
        this one (the batch one reply will hold); how many took it. A key that some event of
        the channel already holds is never given again (0): one key, one batch."""
        ...

    async def claim_followup_reply(
        self, channel: ChannelRef, reply_key: str, worker: str, now: datetime, *, lease: timedelta
    ) -> int:
        """Lease the unsent batch `reply_key` of `channel` to `worker` until `now + lease`,
        unless a lease (or a released one's wait) still runs; the batch's count of claims
        (1: its first, so no reply can be out yet), or 0 when not claimed (sent, leased, or
        released less than a lease ago)."""
        ...

    async def finish_followup_reply(
        self, channel: ChannelRef, reply_key: str, *, worker: str, message_id: str | None
    ) -> bool:
        """End `worker`'s lease on the batch: with `message_id`, record the reply holding it;
        with None, release it, to be claimed again once its lease would have run out.
        False if `worker` no longer held the lease."""
        ...


class ArtifactStore(Protocol):
    """Hugging Face artifacts of posted papers (bot/lifecycle/artifacts.py), as last looked up.
    Raises StoreError."""

    async def hf_artifacts(self, arxiv_ids: Collection[str]) -> dict[str, CachedArtifacts]:
        """The cached artifacts of each of these papers that was ever looked up."""
        ...

    async def save_hf_artifacts(self, found: Sequence[PaperArtifacts], at: datetime) -> None:
        """Cache these look-ups (each replaces the paper's previous one), made at `at`."""
        ...


class RequestStore(Protocol):
    """Requests from chat platforms already handled, by key (bot/chat/replays.py): a
    replayed request is recognised, across processes sharing the store. Raises StoreError."""

    async def remember_request(self, key: str, at: datetime, since: datetime) -> bool:
        """Atomically: False when `key` was handled at or after `since` (a replay); else
        remember it as handled `at` and return True."""
        ...

    async def forget_requests(self, before: datetime) -> int:
        """Forget the requests handled before `before`; returns how many."""
        ...


class RetentionStore(Protocol):
    """What the retention job (bot/retention/) asks of a store. Raises StoreError."""

    async def prune(self, kind: PruneKind, before: datetime, limit: int) -> int:
        """Delete at most `limit` rows of `kind` older than `before`, oldest first, keeping
        whatever pending work still needs (bot/storage/codecs/retention.py); how many went.
        A second call with nothing left to prune deletes nothing."""
        ...

    async def reclaim_space(self) -> list[TableBloat]:
        """Give freed space back where the store can (SQLite: incremental vacuum); what it
        could not give back. PostgreSQL leaves it to autovacuum: []."""
        ...

    async def bloated_tables(self) -> list[TableBloat]:
        """Tables holding many dead rows (PostgreSQL: autovacuum behind; asked before a run
        deletes anything, so its own fresh dead rows are not counted). SQLite: []."""
        ...


class PeopleStore(Protocol):
    """People's own subscriptions and their DM digests' delivery records (bot/people/),
    kept apart from the channels'. A DM record behaves as a channel's (`claim_due_deliveries`
    and `save_delivery` say how); its `channel` is the person's ref. Raises StoreError."""

    async def get_person(self, user_key: str) -> Person | None: ...

    async def save_person(self, person: Person) -> None:
        """Insert or replace the person's subscription."""
        ...

    async def delete_person(self, user_key: str) -> bool:
        """Stop the person's digest (their records stay, for status); False if none."""
        ...

    async def list_people(self) -> list[Person]: ...

    async def person_footprint(self, user_key: str) -> Footprint:
        """What the store keeps about the person: subscription, DM records, votes, saves."""
        ...

    async def forget_person(self, user_key: str) -> Footprint:
        """Delete, in one transaction, every row about the person: their subscription, DM
        records, votes (the channels' counts drop with them) and saves; what was deleted."""
        ...

    async def create_personal_deliveries(self, deliveries: Sequence[Delivery]) -> int:
        """Insert the records that do not exist yet (by person, cadence, day); how many."""
        ...

    async def latest_personal_delivery_per_person(self) -> dict[tuple[str, Cadence], Delivery]:
        """Each person's newest record of each cadence, keyed by (user key, cadence)."""
        ...

    async def latest_personal_deliveries(self, user_key: str, limit: int = 1) -> list[Delivery]:
        """The person's records of any cadence, newest day first."""
        ...

    async def claim_due_personal_deliveries(
        self,
        now: datetime,
        worker: str,
        *,
        limit: int,
        lease: timedelta,
        platform: str | None = None,
    ) -> list[Delivery]:
        """As `claim_due_deliveries`, over the DM records."""
        ...

    async def save_personal_delivery(self, delivery: Delivery, *, worker: str) -> bool:
        """As `save_delivery`, for a DM record."""
        ...

    async def channel_posts(self, platform: str, workspace: str, day: date) -> list[ChannelPost]:
        """The channel digests (daily) posted for `day` in one workspace or server."""
        ...


class Store(
    VoteStore,
    TasteStore,
    SettleStore,
    FollowupStore,
    LinkStore,
    ArtifactStore,
    RequestStore,
    RetentionStore,
    PeopleStore,
    Protocol,
):
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
        form with its stem (`bot.digest.topics.stem`: "world" finds "Worlds"), except stopwords and
        a question's own words ("how do I ..."). Papers that match so are `exact`; papers
        found only by a relaxed reading (a typo corrected, or all words but one) are `close`.
        A query the search syntax cannot take is treated as plain words, never raised.
        `author:`, `org:` and `kw:` filters only find candidates here (an author's or
        keyword's words are required): the caller decides them (bot.digest.search_match).
        """
        ...

    async def similar(self, paper: Paper, limit: int = 10) -> list[SimilarPaper]:
        """The stored papers most like `paper` (itself left out, stored or not), best first:
        those sharing its distinctive words (`bot.storage.search.similar_plan`), each with a reason.
        """
        ...

    async def get_subscription(self, channel: ChannelRef) -> Subscription | None: ...

    async def save_subscription(self, subscription: Subscription) -> None: ...

    async def delete_subscription(self, channel: ChannelRef) -> None:
        """Stop the channel's digests. A linked channel first leaves its group as `unlink`
        does (the others keep theirs, linked among themselves if two or more remain)."""
        ...

    async def list_subscriptions(self) -> list[Subscription]: ...

    async def count_subscriptions(self) -> tuple[int, int]:
        """(how many channels are subscribed, how many of them are paused), in one query."""
        ...

    async def record_post(
        self,
        receipt: PostReceipt,
        day: date,
        arxiv_ids: Sequence[str],
        cadence: Cadence = Cadence.DAILY,
    ) -> None:
        """Remember that these papers were posted in the receipt's channel for `day` (a
        weekly or monthly digest: the period's first day) by the `cadence` digest."""
        ...

    async def posted_paper_ids(
        self, channel: ChannelRef, cadence: Cadence = Cadence.DAILY
    ) -> set[str]:
        """Every paper id the `cadence` digests ever posted in `channel` (so no paper is
        posted there twice by one cadence; a weekly digest may repeat a daily one's)."""
        ...

    async def record_fetch(self, day: date, count: int, at: datetime, skipped: int = 0) -> None:
        """Remember that the list for `day` was fetched at `at` with `count` papers stored
        and `skipped` items the source sent that could not be read."""
        ...

    async def last_fetch(self) -> FetchRecord | None:
        """The most recent fetch, or None if never fetched."""
        ...

    async def latest_fetches(self, since: date, until: date) -> dict[date, datetime]:
        """For each day from `since` to `until` (inclusive) fetched at least once, when it
        was last fetched. A backfill re-run skips the days fetched after their list closed."""
        ...

    async def record_fetch_attempt(self, attempt: FetchAttempt) -> None:
        """Remember `attempt` as its source's latest, replacing the one before."""
        ...

    async def last_fetch_attempt(self) -> FetchAttempt | None:
        """The latest attempt of any source, or None if none was recorded."""
        ...

    # -- delivery records (bot/delivery/state.py): one per (channel, cadence, day) -------

    async def create_delivery(self, delivery: Delivery) -> bool:
        """Insert the record unless one exists for its (channel, cadence, day); True if so."""
        ...

    async def create_deliveries(self, deliveries: Sequence[Delivery]) -> int:
        """`create_delivery` for many records in one transaction; returns how many were new."""
        ...

    async def latest_delivery_per_channel(self) -> dict[tuple[str, Cadence], Delivery]:
        """Each channel's newest record (by day) of each cadence, keyed by
        (`ChannelRef.key`, cadence)."""
        ...

    async def get_delivery(
        self, channel: ChannelRef, day: date, cadence: Cadence = Cadence.DAILY
    ) -> Delivery | None: ...

    async def latest_deliveries(
        self, channel: ChannelRef, limit: int = 1, cadence: Cadence = Cadence.DAILY
    ) -> list[Delivery]:
        """The channel's records of `cadence`, newest day first."""
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

    async def reopen_delivery(
        self, channel: ChannelRef, day: date, now: datetime, cadence: Cadence = Cadence.DAILY
    ) -> bool:
        """Make a paused or empty record pending and due at `now` (a user resumed its
        channel, or an operator asked for its digest again); False for any other state: a
        posted record is never reopened."""
        ...

    async def close(self) -> None: ...


CommandHandler = Callable[[CommandContext, str], Awaitable[Reply]]
# A button click (👍, 🔖) to its answer; never raises (bot.commands.clicks.VoteService.click).
ClickHandler = Callable[[Click], Awaitable[ClickAnswer]]
# A channel's 👍 counts for some papers, shown as a digest is posted
# (bot.commands.clicks.VoteService.counts).
VoteCounts = Callable[[ChannelRef, Sequence[str]], Awaitable[Mapping[str, int]]]
# A request's key (a platform's own id for it) to True the first time it is seen, False for
# a replay (bot.chat.replays.ReplayGuard.first_time).
FirstTime = Callable[[str], Awaitable[bool]]


class ChatPlatform(Protocol):
    """A chat service that can receive digests and `/papers` commands."""

    name: str  # "slack", "discord", "console": the `platform` of its ChannelRefs

    @property
    def digests_at_once(self) -> int:
        """How many digests a fan-out posts to this platform at once when the config leaves
        `[delivery] concurrency` at 0: enough to keep its rate limit the bound, derived
        from its documented limits (bot/chat/pacing.py `digests_at_once`)."""
        ...

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
        again, and the rest is (see bot/chat/post_plan.py).
        """
        ...

    async def edit_digest(
        self,
        channel: ChannelRef,
        message_ids: Sequence[str],
        posted: Digest,
        settled: Digest,
        *,
        idempotency_key: str,
        votes: Mapping[str, int] | None = None,
    ) -> None:
        """Edit a posted digest's messages (`message_ids`, one per part, in order) in place
        to show `settled`: the same papers as `posted`, in the same order and in the same
        messages (the platform splits `posted` as it did when posting), with new counts;
        `votes` are the channel's 👍 counts, shown on the papers' buttons.

        Raises MessageGone when a message or the channel is no longer there (a person
        deleted it, the bot left), PlatformError for anything else."""
        ...

    async def post_reply(
        self,
        channel: ChannelRef,
        thread_of: str,
        digest: Digest,
        *,
        idempotency_key: str,
        first_attempt: bool = False,
    ) -> str:
        """Post `digest` as one "late additions" reply in the thread of message `thread_of`;
        returns the reply's id. `idempotency_key` is stable across retries: a platform that
        can recognise an earlier reply by it returns that one instead of posting again.
        `first_attempt`: no earlier attempt can have posted it, so the platform need not
        look for one (on Slack, a `conversations.replies` call at 50 a minute saved).

        Raises MessageGone (as `edit_digest`) or PlatformError."""
        ...

    async def start(self, handler: CommandHandler) -> None:
        """Connect and route `/papers` commands to `handler` until `stop()`."""
        ...

    async def stop(self) -> None: ...


@runtime_checkable
class DirectMessages(Protocol):
    """A platform that can write to a person directly (the DM digest, bot/people/)."""

    async def open_dm(self, person: ChannelRef) -> ChannelRef:
        """The direct-message channel with `person` (bot.records.people.person_ref), opened
        if need be (Slack `conversations.open`, Discord's DM channel; the same one each
        time). Raises PermanentPlatformError when the person cannot be written to,
        PlatformError for anything else."""
        ...


@runtime_checkable
class ReportsConnection(Protocol):
    """A platform holding a long-lived connection says how it stands (`/papers status`)."""

    def connection(self) -> ConnectionStatus | None:
        """The connection's state; None when this platform's mode holds none."""
        ...
