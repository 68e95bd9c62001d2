"""Who may change a Slack channel's subscription (`can_manage`).

Slack has no channel role the API shows to a bot, so the safe default is the people Slack
itself puts in charge: workspace owners and admins (`users.info`) and the channel's creator
(`conversations.info`). The config adds user ids
(`managers`), or opens changes to everyone with `managers = ["*"]`. Reading verbs never ask.

Both look-ups are cached for a bounded time (a demoted admin loses the right within it) and
a bounded number of entries (a workspace of any size costs a fixed memory); a failed look-up
is never cached and refuses (fail closed: a refusal can be retried, a wrong change cannot be
undone).
"""

from __future__ import annotations

import logging
import time
from collections.abc import Callable, Sequence
from typing import Generic, TypeVar

from slack_sdk.web.async_client import AsyncWebClient

from adapters.slack.errors import SLACK_FAILURES

log = logging.getLogger(__name__)

ANYONE = "*"  # managers = ["*"]: everyone in a channel may change it
TTL_S = 300.0
MAX_ENTRIES = 10_000
_NOBODY = ""  # a channel whose creator is not known (the look-up answered without one)

V = TypeVar("V")


class _Cache(Generic[V]):
    """Answers by key, each good for `ttl_s`, at most `size` of them (the oldest go first)."""

    def __init__(self, ttl_s: float, size: int, monotonic: Callable[[], float]) -> None:
        self._ttl_s = ttl_s
        self._size = size
        self._monotonic = monotonic
        self._items: dict[str, tuple[V, float]] = {}  # insertion order = age

    def get(self, key: str) -> V | None:
        found = self._items.get(key)
        if found is None:
            return None
        if found[1] <= self._monotonic():
            del self._items[key]
            return None
        return found[0]

    def put(self, key: str, value: V) -> None:
        self._items.pop(key, None)
        self._items[key] = (value, self._monotonic() + self._ttl_s)
        while len(self._items) > self._size:
            del self._items[next(iter(self._items))]

    def __len__(self) -> int:
        return len(self._items)


class Permissions:
    """`can_manage(user, channel)`: a listed manager (or anyone, with "*"), a workspace owner
    or admin while `allow_workspace_admins`, or the channel's creator while
    `allow_channel_creator`."""

    def __init__(
        self,
        client: AsyncWebClient,
        managers: Sequence[str],
        allow_workspace_admins: bool = True,
        allow_channel_creator: bool = True,
        *,
        ttl_s: float = TTL_S,
        max_entries: int = MAX_ENTRIES,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._client = client
        self._managers = frozenset(managers)
        self._anyone = ANYONE in self._managers
        self._allow_admins = allow_workspace_admins
        self._allow_creator = allow_channel_creator
        self._admins: _Cache[bool] = _Cache(ttl_s, max_entries, monotonic)
        self._creators: _Cache[str] = _Cache(ttl_s, max_entries, monotonic)

    async def can_manage(self, user_id: str, channel_id: str) -> bool:
        if self._listed(user_id):
            return True
        if self._allow_admins and await self._is_admin(user_id):
            return True
        return self._allow_creator and await self._creator(channel_id) == user_id != _NOBODY

    def known(self, user_id: str, channel_id: str) -> bool:
        """`can_manage` as far as it is known without a look-up (False when it needs one)."""
        if self._listed(user_id):
            return True
        admin = self._allow_admins and self._admins.get(user_id) is True
        creator = self._allow_creator and self._creators.get(channel_id) == user_id != _NOBODY
        return admin or creator

    @property
    def cached(self) -> int:
        """How many look-ups are remembered (bounded by `max_entries` each)."""
        return len(self._admins) + len(self._creators)

    def _listed(self, user_id: str) -> bool:
        return self._anyone or user_id in self._managers

    async def _is_admin(self, user_id: str) -> bool:
        cached = self._admins.get(user_id)
        if cached is not None:
            return cached
        try:
            response = await self._client.users_info(user=user_id)
        except SLACK_FAILURES as exc:
            log.warning("users.info failed for a permission check: %s", type(exc).__name__)
            return False
        user = response.get("user") or {}
        admin = any(bool(user.get(k)) for k in ("is_admin", "is_owner", "is_primary_owner"))
        self._admins.put(user_id, admin)
        return admin

    async def _creator(self, channel_id: str) -> str:
        cached = self._creators.get(channel_id)
        if cached is not None:
            return cached
        try:
            response = await self._client.conversations_info(channel=channel_id)
        except SLACK_FAILURES as exc:
            log.warning("conversations.info failed for a permission check: %s", type(exc).__name__)
            return _NOBODY
        creator = str((response.get("channel") or {}).get("creator") or _NOBODY)
        self._creators.put(channel_id, creator)
        return creator
