"""What the runners that work under a lease share: delivery (bot/delivery/runner.py),
settling (bot/lifecycle/settle.py) and follow-ups (bot/lifecycle/followups.py).

Each claims durable records in the store under its worker name and a lease, so that the
work of a worker that died is taken up by another once the lease expires; each names its
steps to a hook (the crash tests stop the process there) and stops claiming on SIGTERM.
It lives here, not in lifecycle/, because delivery is the lower of the two packages.
"""

from __future__ import annotations

import os
import socket
import uuid
from collections.abc import Callable, Mapping
from datetime import timedelta
from typing import Generic, ParamSpec

from bot.config.load import DeliveryConfig
from bot.ports import ChatPlatform, Store
from bot.records.clock import Clock
from bot.records.errors import PaperbotError

# Shorter than Discord's nonce window ("a few minutes"): a record whose worker died is
# posted again while the platform still recognises the key.
DEFAULT_LEASE = timedelta(minutes=3)

Step = ParamSpec("Step")  # what a runner's step hook is called with


class LeaseLost(Exception):
    """Another worker owns the record now (our lease expired): leave it to them."""


def worker_name() -> str:
    """Unique per process: host, pid, and a random tail (a pid is reused after a restart)."""
    return f"{socket.gethostname()}:{os.getpid()}:{uuid.uuid4().hex[:8]}"


class LeasedRunner(Generic[Step]):
    """The state every lease-holding runner starts from; `Step` is what its hook takes."""

    def __init__(
        self,
        store: Store,
        platforms: Mapping[str, ChatPlatform],
        clock: Clock,
        config: DeliveryConfig,
        *,
        worker: str | None,
        lease: timedelta,
        on_step: Callable[Step, None] | None,
    ) -> None:
        self.store = store
        self.platforms = dict(platforms)
        self.clock = clock
        self.config = config
        self.worker = worker or worker_name()
        self.lease = lease
        self._on_step = on_step
        self._stopping = False

    def request_stop(self) -> None:
        """Finish the work in flight, claim no more (SIGTERM): what was not started stays
        due, and the next pass (here or on another worker) takes it."""
        self._stopping = True

    def _step(self, *args: Step.args, **kwargs: Step.kwargs) -> None:
        if self._on_step is not None:
            self._on_step(*args, **kwargs)


def error_text(error: Exception) -> str:
    """A short description, saved on the record (`/papers status` shows a delivery's). Only
    our own errors say more than their type: their messages are written for people;
    anything else may carry a secret."""
    if isinstance(error, PaperbotError):
        return f"{type(error).__name__}: {error}"[:300]
    return f"unexpected {type(error).__name__} (details in the log)"
