"""`paperbot run`: platforms, delivery and the scheduler, until SIGTERM or the console quits.

Every worker answers commands and posts due deliveries; only the leader (one process, see
bot/app/leader.py) runs the scheduler's wake-ups. On SIGTERM the posts in flight finish, the
platforms disconnect, and the store closes.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import signal
from collections.abc import Iterator, Mapping
from datetime import timedelta

from bot.app.bootstrap import App
from bot.app.leader import follow_leadership, open_leader_election
from bot.app.scheduler import PaperScheduler
from bot.delivery.runner import DeliveryRunner
from bot.lifecycle.artifacts import ArtifactsRunner
from bot.lifecycle.followups import FollowupRunner, VersionLookup
from bot.lifecycle.settle import SettleRunner
from bot.people.runner import PeopleRunner
from bot.ports import ChatPlatform, ReportsConnection
from bot.records.chat import ConnectionStatus
from bot.records.errors import PaperbotError, PlatformError
from bot.records.foryou import ForYouRanker
from bot.records.models import ChannelRef
from bot.retention.runner import RetentionRunner

log = logging.getLogger(__name__)

FOLLOWER_SWEEP = timedelta(seconds=30)


class Runtime:
    def __init__(
        self,
        app: App,
        platforms: Mapping[str, ChatPlatform],
        *,
        deliver: bool = True,
        ranker: ForYouRanker | None = None,
    ) -> None:
        self.app = app
        self.deliver = deliver  # False: commands only (the offline sample's clock is frozen)
        self.platforms = dict(platforms)
        self.artifacts = None
        if app.artifacts is not None:
            self.artifacts = ArtifactsRunner(
                app.store, app.artifacts, app.service.clock, app.config.delivery
            )
        self.runner = DeliveryRunner(
            app.store,
            app.service,
            self.platforms,
            app.service.clock,
            app.config.delivery,
            artifacts=self.artifacts.for_papers if self.artifacts is not None else None,
        )
        # each person's own digest by DM (bot/people/); `ranker` adds "For you" to it
        self.people = PeopleRunner(
            app.store,
            app.service,
            self.platforms,
            app.service.clock,
            app.config.delivery,
            ranker=ranker,
        )
        self.settler = SettleRunner(
            app.store, app.service, self.platforms, app.service.clock, app.config.delivery
        )
        lookup = app.service.lookup
        self.followups = FollowupRunner(
            app.store,
            self.platforms,
            app.service.clock,
            app.config.delivery,
            versions=lookup if isinstance(lookup, VersionLookup) else None,
        )
        self.retention = None
        if app.config.retention.enabled:
            self.retention = RetentionRunner(
                app.store, app.service.clock, app.config.retention, app.config.delivery
            )
        app.service.delivery = self.runner
        app.service.on_change = self._on_subscription_change
        app.service.connections = self._connections
        self.stop = asyncio.Event()
        self._scheduler: PaperScheduler | None = None
        self._failure: PaperbotError | None = None  # why a platform stopped the run

    async def run(self) -> None:
        """Serve until `stop` is set (SIGTERM, SIGINT) or an interactive platform ends.

        Raises the error of a platform that failed, once the rest has shut down cleanly."""
        tasks = [asyncio.create_task(self._start(p), name=n) for n, p in self.platforms.items()]
        if self.deliver:
            tasks.append(asyncio.create_task(self._lead(), name="leadership"))
            tasks.append(asyncio.create_task(self._follow(), name="follower-sweep"))
        else:
            log.info("scheduled delivery is off: commands only")
        with _signals_set(self.stop):
            await self.stop.wait()
        log.info("stopping: finishing the posts in flight")
        await self._shutdown(tasks)
        if self._failure is not None:  # a non-zero exit: the supervisor restarts or alerts
            raise self._failure

    def _connections(self) -> tuple[ConnectionStatus, ...]:
        found = (
            p.connection() for p in self.platforms.values() if isinstance(p, ReportsConnection)
        )
        return tuple(status for status in found if status is not None)

    async def _start(self, platform: ChatPlatform) -> None:
        try:
            await platform.start(self.app.handle)
        except PaperbotError as exc:  # expected (a rejected token): `run` prints it, once
            self._fail(f"platform {platform.name}", exc)
            return
        except Exception as exc:
            log.exception("platform %s failed", platform.name)
            self._fail(f"platform {platform.name}", exc)
            return
        if platform.name == "console":  # the user typed quit or closed the input
            self.stop.set()

    async def _lead(self) -> None:
        try:
            election = await open_leader_election(self.app.config.database_url)
            await follow_leadership(election, self._leadership_changed, stop=self.stop)
        except Exception as exc:  # without it nothing is ever planned: exit, be restarted
            log.exception("the scheduler failed")
            self._fail("the scheduler", exc)

    def _fail(self, what: str, error: Exception) -> None:
        """Stop the run; it ends with this error (the first one) unless it was stopping."""
        if not self.stop.is_set():  # an error while shutting down is not why we stopped
            self._failure = self._failure or _as_failure(what, error)
        self.stop.set()

    async def _leadership_changed(self, leader: bool) -> None:
        if leader:
            self._scheduler = PaperScheduler(
                self.runner,
                self.app.store,
                self.app.service.clock,
                settler=self.settler,
                followups=self.followups,
                artifacts=self.artifacts,
                retention=self.retention,
                people=self.people,
            )
            await self._scheduler.start()
        elif self._scheduler is not None:
            # another worker leads now; this one keeps claiming and posting (`_follow`)
            await self._scheduler.shutdown(wait=True, stop_runner=False)
            self._scheduler = None

    async def _follow(self) -> None:
        """Workers that are not the leader still claim and post due deliveries."""
        while not self.stop.is_set():
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self.stop.wait(), FOLLOWER_SWEEP.total_seconds())
            if self._scheduler is None and not self.stop.is_set():
                await self.runner.drain()
                await self.people.drain()

    async def _on_subscription_change(self, channel: ChannelRef) -> None:
        if self._scheduler is not None:
            await self._scheduler.reschedule(channel)

    async def _shutdown(self, tasks: list[asyncio.Task[None]]) -> None:
        if self._scheduler is not None:
            await self._scheduler.shutdown(wait=True)
        self.runner.request_stop()
        self.people.request_stop()
        await self.runner.wait_idle()
        await self.people.wait_idle()
        for platform in self.platforms.values():
            try:
                await platform.stop()
            except Exception:
                log.exception("platform %s did not stop cleanly", platform.name)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _as_failure(what: str, error: Exception) -> PaperbotError:
    """The error `paperbot run` exits with (never the text of an unknown one: it may hold a
    request); ConfigError stays itself, so the exit code says "fix the config"."""
    if isinstance(error, PaperbotError):
        return error
    return PlatformError(f"{what} stopped: {type(error).__name__} (see the log)")


@contextlib.contextmanager
def _signals_set(stop: asyncio.Event) -> Iterator[None]:
    loop = asyncio.get_running_loop()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    try:
        yield
    finally:
        for sig in (signal.SIGTERM, signal.SIGINT):
            loop.remove_signal_handler(sig)
