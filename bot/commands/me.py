"""`/papers me ...`: a person's own digest by direct message (issue 21), beside the channel
verbs through Commands' `MoreVerbs`. Every answer is private.

A person is the key their votes and saves are stored under (`clicks.user_key`), so
`me` works the same from any channel the bot is in and from a DM with it; their "home"
(the workspace or server whose channel posts a DM links to) is where they last used `me`.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import time

from bot.commands.parse import Command
from bot.commands.parse_me import FORGET_CONFIRM, Me, MeAction
from bot.commands.verbs import usage_error
from bot.commands.wording import settings_text, topics_list
from bot.delivery.state import describe
from bot.digest.topics import MAX_TOPICS, parse_topics, topic_key
from bot.ports import Store
from bot.records.chat import CommandContext, Reply
from bot.records.clock import Clock
from bot.records.errors import UserInputError
from bot.records.instants import mark
from bot.records.models import ChannelRef, ChannelSettings, Topic
from bot.records.people import Footprint, Person, person_ref
from bot.schedule.cadence import next_post

START = "Start one with `/papers me subscribe [topics]`."
NOT_SUBSCRIBED = f"You get no digest of your own. {START}"


class MeVerbs:
    """More verbs for bot/commands/handler.py's Commands: `me` and its sub-verbs."""

    def __init__(
        self, store: Store, clock: Clock, defaults: ChannelSettings, day_cutoff_utc: time
    ) -> None:
        self.store = store
        self.clock = clock
        self.defaults = replace(defaults, followups=False)  # a DM gets no follow-ups
        self.cutoff = day_cutoff_utc

    async def answer(self, ctx: CommandContext, command: Command) -> Reply | None:
        if not isinstance(command, Me):
            return None
        key = _ref(ctx).key
        person = await self.store.get_person(key)
        match command.action:
            case MeAction.STATUS:
                return Reply(await self._status(person))
            case MeAction.TOPICS:
                return Reply(_topics_text(person))
            case MeAction.SUBSCRIBE:
                return await self._subscribe(ctx, person, _topics("subscribe", command.text))
            case MeAction.UNSUBSCRIBE:
                return await self._unsubscribe(person, command.text)
            case MeAction.SETTINGS:
                return await self._settings(ctx, person, command)
            case MeAction.PAUSE | MeAction.RESUME:
                return await self._pause(person, command.action is MeAction.PAUSE)
            case MeAction.FORGET:
                return await self._forget(key, command.confirmed)
        raise AssertionError(f"unhandled me command {command!r}")  # pragma: no cover

    async def amend(self, ctx: CommandContext, command: Command, reply: Reply) -> Reply:
        return reply

    async def _status(self, person: Person | None) -> str:
        if person is None:
            return NOT_SUBSCRIBED
        lines = [
            _topics_text(person),
            "Settings: " + _settings_text(person.settings),
        ]
        if person.blocked_reason:
            lines.append(
                f"Paused: the platform would not deliver a direct message to you "
                f"({person.blocked_reason}). Allow direct messages from this server's members "
                "(or open a DM with the bot), then `/papers me resume`."
            )
        elif person.paused:
            lines.append("Paused by you: `/papers me resume` starts it again.")
        else:
            upcoming = next_post(person.settings, self.clock.now(), self.cutoff)
            lines.append(f"Next digest: {mark(upcoming, person.settings.timezone)}.")
        latest = await self.store.latest_personal_deliveries(person.key, 1)
        if latest:
            lines.append("Last: " + describe(latest[0]))
        return "\n".join(lines)

    async def _subscribe(
        self, ctx: CommandContext, person: Person | None, topics: tuple[Topic, ...]
    ) -> Reply:
        base = person or Person(_ref(ctx), self.defaults)
        base = _at_home(base, ctx)
        followed = {topic_key(t) for t in base.topics}
        added = tuple(t for t in topics if topic_key(t) not in followed)
        if len(base.topics) + len(added) > MAX_TOPICS:
            raise UserInputError(
                f"You can follow at most {MAX_TOPICS} topics; you follow {len(base.topics)} "
                f"and added {len(added)}. Drop some with /papers me unsubscribe."
            )
        updated = replace(base, topics=base.topics + added)
        await self.store.save_person(updated)
        if not topics:
            text = "Your own digest is on: the plain trending list, by direct message."
        elif not added:
            text = "You already follow: " + topics_list(topics)
        else:
            text = "Your digest now follows: " + topics_list(updated.topics)
        if person is None:
            text += " Settings: " + _settings_text(updated.settings)
        return Reply(text)

    async def _unsubscribe(self, person: Person | None, text: str) -> Reply:
        if person is None:
            raise UserInputError(NOT_SUBSCRIBED)
        if not text:
            await self.store.delete_person(person.key)
            return Reply("Your own digest is off: no more direct messages. " + START)
        topics = _topics("unsubscribe", text)
        dropped = {topic_key(t) for t in topics}
        missing = [t for t in topics if topic_key(t) not in {topic_key(f) for f in person.topics}]
        if missing:
            raise UserInputError(
                f"You do not follow {topics_list(tuple(missing))}; nothing changed. "
                + _topics_text(person)
            )
        kept = tuple(t for t in person.topics if topic_key(t) not in dropped)
        await self.store.save_person(replace(person, topics=kept))
        return Reply(
            f"Dropped {topics_list(topics)}. " + _topics_text(replace(person, topics=kept))
        )

    async def _settings(self, ctx: CommandContext, person: Person | None, command: Me) -> Reply:
        if command.change.is_empty:
            if person is None:
                return Reply(f"{NOT_SUBSCRIBED} The defaults: {_settings_text(self.defaults)}")
            return Reply("Your digest's settings: " + _settings_text(person.settings))
        base = _at_home(person or Person(_ref(ctx), self.defaults), ctx)
        updated = replace(base, settings=command.change.apply(base.settings))
        await self.store.save_person(updated)
        text = f"Changed your digest's settings: {command.change.describe()}."
        if person is None:
            text += " Your own digest is on: the plain trending list, by direct message."
        return Reply(text + " Now: " + _settings_text(updated.settings))

    async def _pause(self, person: Person | None, pause: bool) -> Reply:
        if person is None:
            raise UserInputError(NOT_SUBSCRIBED)
        if pause:
            await self.store.save_person(replace(person, paused=True))
            return Reply("Your digest is paused: `/papers me resume` starts it again.")
        await self.store.save_person(replace(person, paused=False, blocked_reason=None))
        return Reply("Your digest is back on: the next one comes at its time.")

    async def _forget(self, key: str, confirmed: bool) -> Reply:
        if not confirmed:
            held = await self.store.person_footprint(key)
            if held.is_empty:
                return Reply("The bot keeps nothing about you: there is nothing to forget.")
            return Reply(
                f"This deletes {_footprint_text(held)}. It cannot be undone. To go ahead: "
                f"`/papers me forget {FORGET_CONFIRM}`."
            )
        deleted = await self.store.forget_person(key)
        if deleted.is_empty:
            return Reply("The bot kept nothing about you: there was nothing to forget.")
        text = f"Deleted {_footprint_text(deleted)}."
        if deleted.votes:
            text += " Your votes are taken out of the channels' counts."
        return Reply(text + " The bot keeps nothing else about you.")


def _ref(ctx: CommandContext) -> ChannelRef:
    return person_ref(ctx.channel.platform, ctx.channel.workspace, ctx.user_id)


def _at_home(person: Person, ctx: CommandContext) -> Person:
    """Remember the workspace or server the person uses `me` in (not a DM: it has none)."""
    if ctx.channel.workspace and ctx.channel.workspace != person.home:
        return replace(person, home=ctx.channel.workspace)
    return person


def _topics(verb: str, text: str) -> tuple[Topic, ...]:
    try:
        return parse_topics(text)
    except UserInputError as exc:
        problem = str(exc)
        raise usage_error("me", f"me {verb}: {problem}.") from None


def _topics_text(person: Person | None) -> str:
    if person is None:
        return NOT_SUBSCRIBED
    if not person.topics:
        return (
            "Your digest is the plain trending list (`/papers me subscribe <topics>` narrows it)."
        )
    return "Your digest follows: " + topics_list(person.topics)


def _settings_text(settings: ChannelSettings) -> str:
    """The channel form minus what a DM digest does not take (weekdays, followups)."""
    text = settings_text(settings)
    return text.split(" min-upvotes ")[0] + f" max {settings.max_papers} " + _cadence(text)


def _cadence(text: str) -> str:
    return "cadence " + text.split(" cadence ")[1].split(" followups ")[0]


def _footprint_text(held: Footprint) -> str:
    parts = []
    if held.subscription:
        parts.append("your digest's topics and settings")
    if held.deliveries:
        parts.append(
            _plural(
                held.deliveries, "record of a digest sent to you", "records of digests sent to you"
            )
        )
    if held.votes:
        parts.append(_plural(held.votes, "👍 vote", "👍 votes"))
    if held.saves:
        parts.append(_plural(held.saves, "saved paper", "saved papers"))
    if held.not_for_me:
        parts.append(_plural(held.not_for_me, "“Not for me” mark", "“Not for me” marks"))
    return ", ".join(parts[:-1]) + (" and " if len(parts) > 1 else "") + parts[-1]


def _plural(count: int, one: str, many: str) -> str:
    return f"{count} {one if count == 1 else many}"
