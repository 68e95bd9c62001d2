"""The `/papers` verbs, platform-neutral: parse the text, ask the service, return a Reply.
The text is parsed once, here; verbs kept in their own modules (`MoreVerbs`: votes, links)
get the parsed command.

Nothing raises to the user. `UserInputError` and `UpstreamRejected` become their message; a
source outage says so; anything else is logged with its traceback and answered with a
generic line, never `str(exc)` (it may hold a path, a query or worse).
"""

from __future__ import annotations

import logging
from collections.abc import Sequence
from dataclasses import replace
from typing import Protocol

from bot.commands.parse import (
    Command,
    Help,
    ListTopics,
    Search,
    Settings,
    Show,
    Similar,
    Status,
    Subscribe,
    Today,
    Unsubscribe,
    is_slow,
    parse_command,
    verb_of,
)
from bot.commands.similar import similar_reply
from bot.commands.verbs import VERBS, usage_error
from bot.commands.wording import (
    GENERIC_FAILURE,
    NEXT_STEPS,
    RESTART,
    SOURCE_DOWN,
    dropped_cadences_text,
    help_text,
    next_digest_text,
    no_paper_text,
    require_manager,
    search_reply,
    settings_text,
    status_text,
    store_fault_text,
    stored_list_text,
    topics_list,
    topics_text,
    unreachable_text,
    who,
)
from bot.digest.service import PaperService
from bot.digest.topics import MAX_TOPICS, parse_topics, topic_key
from bot.records.chat import CommandContext, Reply, Visibility
from bot.records.errors import (
    SourceError,
    SourceUnreachable,
    StoreBusy,
    StoreFull,
    UpstreamRejected,
    UserInputError,
)
from bot.records.models import Subscription, Topic

__all__ = ["MAX_TOPICS", "VERBS", "Commands", "is_slow"]

log = logging.getLogger(__name__)

SEARCH_LIMIT = 10


class MoreVerbs(Protocol):
    """Verbs answered beside the core's (bot/commands/votes.py, bot/commands/links.py): they
    get the command Commands parsed, and Commands words their mistakes and failures."""

    async def answer(self, ctx: CommandContext, command: Command) -> Reply | None:
        """The reply to `command` if it is one of these verbs, else None."""
        ...

    async def amend(self, ctx: CommandContext, command: Command, reply: Reply) -> Reply:
        """The core's `reply` to `command` (never an error), with what these verbs add."""
        ...


class Commands:
    """Answers `/papers ...` for any platform; the platform renders the Reply."""

    def __init__(self, service: PaperService, more: Sequence[MoreVerbs] = ()) -> None:
        self.service = service
        self.more = tuple(more)

    async def handle(self, ctx: CommandContext, text: str) -> Reply:
        try:
            return await self._answer(ctx, parse_command(text))
        except (UserInputError, UpstreamRejected) as exc:
            return Reply(str(exc), is_error=True)
        except SourceUnreachable as exc:  # the breaker is open: said at once, no trace
            log.warning("/papers %s: %s", verb_of(text), exc)
            return Reply(unreachable_text(exc), is_error=True)
        except SourceError as exc:  # an outage, not a bug: our own short message, no trace
            log.warning("/papers %s: %s", verb_of(text), exc)
            return Reply(f"{SOURCE_DOWN} ({exc})", is_error=True)
        except (StoreBusy, StoreFull) as exc:  # each command writes in one transaction
            log.warning("/papers %s in %s: %s", verb_of(text), ctx.channel.key, exc)
            return Reply(store_fault_text(exc), is_error=True)
        except Exception:
            verb = verb_of(text)
            log.exception(
                "/papers %s failed in %s", verb if verb in VERBS else "?", ctx.channel.key
            )
            return Reply(GENERIC_FAILURE, is_error=True)

    async def _answer(self, ctx: CommandContext, command: Command) -> Reply:
        for verbs in self.more:
            reply = await verbs.answer(ctx, command)
            if reply is not None:
                return reply
        reply = await self._dispatch(ctx, command)
        for verbs in self.more:
            reply = await verbs.amend(ctx, command, reply)
        return reply

    async def _dispatch(self, ctx: CommandContext, command: Command) -> Reply:
        match command:
            case Help(verb):
                return Reply(help_text(verb))
            case Today():
                return await self._today(ctx, command)
            case Search(query):
                return await self._search(query)
            case Show(arxiv_id):
                return await self._show(arxiv_id)
            case Similar(arxiv_id):
                return await similar_reply(self.service, arxiv_id)
            case Subscribe(text):
                return await self._subscribe(ctx, _topics("subscribe", text))
            case Unsubscribe(None):
                return await self._unsubscribe_all(ctx)
            case Unsubscribe(str(text)):
                return await self._unsubscribe(ctx, _topics("unsubscribe", text))
            case ListTopics():
                return Reply(topics_text(await self.service.get_subscription(ctx.channel)))
            case Settings():
                return await self._settings(ctx, command)
            case Status():
                report = await self.service.status(ctx.channel)
                return Reply(status_text(report, ctx.channel.key))
        raise AssertionError(f"unhandled command {command!r}")  # pragma: no cover

    async def _today(self, ctx: CommandContext, command: Today) -> Reply:
        problem = self.service.why_not_closed(command.day) if command.day else None
        if problem is not None:
            raise usage_error("today", problem)
        try:
            digest = await self.service.digest_for(ctx.channel, command.day)
        except SourceUnreachable as exc:
            stored = None if command.day else await self.service.stored_digest_for(ctx.channel)
            if stored is None:
                raise
            log.warning("/papers today: %s; answered from the store", exc)
            return Reply(f"{unreachable_text(exc)} {stored_list_text(stored)}", digest=stored)
        return Reply(digest.title, digest=digest)

    async def _search(self, query: str) -> Reply:
        found = await self.service.search(query, limit=SEARCH_LIMIT)
        return search_reply(query, found)

    async def _show(self, arxiv_id: str) -> Reply:
        paper = await self.service.show(arxiv_id)
        if paper is None:
            return Reply(no_paper_text(arxiv_id, self.service.lookup.name))
        return Reply(paper.title, papers=(paper,))

    async def _subscribe(self, ctx: CommandContext, topics: tuple[Topic, ...]) -> Reply:
        require_manager(ctx)
        existing = await self.service.get_subscription(ctx.channel)
        current = existing.topics if existing else ()
        followed = {topic_key(t) for t in current}
        added = tuple(t for t in topics if topic_key(t) not in followed)
        if not topics:
            return await self._subscribe_trending(ctx, existing)
        if not added:
            return Reply("This channel already follows: " + topics_list(topics))
        if len(current) + len(added) > MAX_TOPICS:
            raise UserInputError(
                f"A channel can follow at most {MAX_TOPICS} topics; this one follows "
                f"{len(current)} and you added {len(added)}. Drop some with /papers unsubscribe."
            )
        base = existing or self._new_subscription(ctx)
        await self.service.save_subscription(replace(base, topics=current + added))
        text = f"{who(ctx)} subscribed this channel to: {topics_list(added)}"
        if current:
            text += f" (now {len(current) + len(added)} topics)"
        return Reply(text, visibility=Visibility.CHANNEL)

    async def _unsubscribe(self, ctx: CommandContext, topics: tuple[Topic, ...]) -> Reply:
        require_manager(ctx)
        existing = await self.service.get_subscription(ctx.channel)
        if existing is None:
            raise UserInputError("This channel is not subscribed: there is nothing to drop.")
        followed = {topic_key(t) for t in existing.topics}
        missing = tuple(t for t in topics if topic_key(t) not in followed)
        if missing:
            raise UserInputError(
                f"This channel does not follow {topics_list(missing)}; nothing "
                f"changed. {topics_text(existing)}"
            )
        dropped = {topic_key(t) for t in topics}
        kept = tuple(t for t in existing.topics if topic_key(t) not in dropped)
        await self.service.save_subscription(replace(existing, topics=kept))
        text = f"{who(ctx)} unsubscribed this channel from: {topics_list(topics)}. "
        return Reply(text + _now_follows(kept), visibility=Visibility.CHANNEL)

    async def _subscribe_trending(
        self, ctx: CommandContext, existing: Subscription | None
    ) -> Reply:
        if existing is not None and existing.paused_reason:
            await self.service.save_subscription(existing)  # a user's save resumes it
            text = f"{who(ctx)} resumed the digests in this channel. {topics_text(existing)}"
            return Reply(text, visibility=Visibility.CHANNEL)
        if existing is not None:
            return Reply(topics_text(existing))
        await self.service.save_subscription(self._new_subscription(ctx))
        text = f"{who(ctx)} subscribed this channel to the plain trending list. "
        return Reply(text + NEXT_STEPS, visibility=Visibility.CHANNEL)

    async def _unsubscribe_all(self, ctx: CommandContext) -> Reply:
        require_manager(ctx)
        if await self.service.get_subscription(ctx.channel) is None:
            return Reply(topics_text(None))
        await self.service.delete_subscription(ctx.channel)
        text = f"{who(ctx)} unsubscribed this channel: no more digests here. {RESTART}"
        return Reply(text, visibility=Visibility.CHANNEL)

    async def _settings(self, ctx: CommandContext, command: Settings) -> Reply:
        existing = await self.service.get_subscription(ctx.channel)
        change = command.change
        if change.is_empty:
            if existing is None:
                shown = settings_text(self.service.defaults)
                return Reply(f"This channel is not subscribed. The defaults: {shown}")
            return Reply("This channel's settings: " + settings_text(existing.settings))
        require_manager(ctx)
        base = existing or self._new_subscription(ctx)
        updated = replace(base, settings=change.apply(base.settings))
        await self.service.save_subscription(updated)
        text = f"{who(ctx)} changed this channel's settings: {change.describe()}."
        text += dropped_cadences_text(base.settings, updated.settings)
        if existing is None:
            text += " This channel now gets the plain trending list."
        text += " Now: " + settings_text(updated.settings)
        # The settings name the channel's zone; the next digest, marked, is in the reader's.
        delivery, service = self.service.delivery, self.service
        if delivery and not service.sample and (at := await delivery.next_for(ctx.channel)):
            zone = updated.settings.timezone
            text += ". " + next_digest_text(at, zone, service.clock.now()) + "."
        return Reply(text, visibility=Visibility.CHANNEL)

    def _new_subscription(self, ctx: CommandContext) -> Subscription:
        return Subscription(
            channel=ctx.channel, settings=self.service.defaults, created_by=ctx.user_id
        )


def _topics(verb: str, text: str) -> tuple[Topic, ...]:
    """The topics in `text`; a mistake in them gets the verb's usage line too."""
    try:
        return parse_topics(text)
    except UserInputError as exc:
        problem = str(exc)
        raise usage_error(verb, problem[:1].upper() + problem[1:] + ".") from None


def _now_follows(kept: tuple[Topic, ...]) -> str:
    if not kept:
        return "It now gets the plain trending list."
    return "It now follows: " + topics_list(kept)
