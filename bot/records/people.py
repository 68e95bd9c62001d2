"""A person's own subscription (issue 21): the topics and settings of their direct-message
digest, kept beside the channels' and never changing them.

A person is the key their votes and saves are stored under (`bot.commands.clicks.user_key`:
platform, workspace on Slack, user id). `Person.ref` is that key as a ChannelRef
(`ref.key == user_key`): the DM digests' delivery records are keyed by it, as a channel's are
by its ChannelRef.
"""

from __future__ import annotations

from dataclasses import dataclass, field

from bot.records.models import ChannelRef, ChannelSettings, Subscription, Topic

PAUSED_BY_YOU = "paused by you (/papers me resume)"


def person_ref(platform: str, workspace: str, user_id: str) -> ChannelRef:
    """The person as a ChannelRef whose key is their user key. A Discord user id is global,
    so its workspace is empty; a Slack one belongs to its workspace."""
    return ChannelRef(platform, user_id, "" if platform == "discord" else workspace)


@dataclass(frozen=True, slots=True)
class Person:
    """A person's subscription to their own digest. No topics: the plain trending list."""

    ref: ChannelRef  # person_ref(...): key == user_key
    settings: ChannelSettings = field(default_factory=ChannelSettings)
    topics: tuple[Topic, ...] = ()
    home: str = ""  # the workspace (Slack) or server (Discord) of their channels
    paused: bool = False  # `/papers me pause`
    blocked_reason: str | None = None  # the platform refused a DM (Discord 50007)
    # the DM channel's id once opened: Slack's conversations.open is Tier 3 (50 a minute),
    # so a person's DM is opened once, not before every digest
    dm_channel: str = ""

    @property
    def key(self) -> str:
        return self.ref.key

    @property
    def paused_reason(self) -> str | None:
        """Why no DM goes out now, or None: the platform's refusal first, then a pause."""
        if self.blocked_reason:
            return self.blocked_reason
        return PAUSED_BY_YOU if self.paused else None

    def as_subscription(self) -> Subscription:
        """The digest builders' view of it: a subscription of the person's "channel"."""
        return Subscription(self.ref, self.topics, self.settings, self.paused_reason)


@dataclass(frozen=True, slots=True)
class Footprint:
    """What the store keeps about one person (`me forget` says it, then deletes it)."""

    subscription: bool = False
    deliveries: int = 0
    votes: int = 0
    saves: int = 0
    not_for_me: int = 0  # "Not for me" marks, the "For you" negatives

    @property
    def is_empty(self) -> bool:
        held = (self.subscription, self.deliveries, self.votes, self.saves, self.not_for_me)
        return not any(held)


@dataclass(frozen=True, slots=True)
class ChannelPost:
    """A channel's digest posted for a day: where, which papers, its messages."""

    channel: ChannelRef
    paper_ids: tuple[str, ...]
    message_ids: tuple[str, ...]
