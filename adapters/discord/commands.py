"""The `/papers` application-command group: typed options in, the line a user would type out.

Thin on purpose: every subcommand rebuilds the text of `/papers <verb> ...` from its typed
options and hands it to `run`, which calls the core's platform-neutral handler. The only
logic here is autocomplete (a channel's own topics, IANA time zones) and the text rebuild.

Discord applies `default_member_permissions` to top-level commands only (subcommands
inherit it), so it can hide the whole group from non-managers or nothing; by default the
group stays visible (reading verbs are for everyone) and the core refuses subscription
changes to members without Manage Channels, which the platform reports as `can_manage`.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from functools import lru_cache
from typing import Literal
from zoneinfo import available_timezones

import discord
from discord import app_commands

from bot.records.models import MAX_PAPERS_RANGE, MIN_UPVOTES_RANGE

Interaction = discord.Interaction[discord.Client]
Run = Callable[[Interaction, str], Awaitable[None]]
ExportChoice = Literal["bibtex", "markdown", "csv"]
TopicChoices = Callable[[Interaction, str], Awaitable[list[str]]]

MAX_CHOICES = 25  # Discord shows at most 25 autocomplete choices
CHOICE_MAX = 100  # a choice's name and value are at most 100 characters
QUERY_MAX = 300
# The settings' ranges, as the config and `/papers settings` check them (bot/records/models.py).
UPVOTES_LOW, UPVOTES_HIGH = MIN_UPVOTES_RANGE
PAPERS_LOW, PAPERS_HIGH = MAX_PAPERS_RANGE


def command_text(verb: str, *parts: str | int | None) -> str:
    """`verb` and the given parts, in order, skipping the options the user left out."""
    words = [verb, *(str(p).strip() for p in parts if p is not None)]
    return " ".join(w for w in words if w)


def settings_text(
    time: str | None,
    tz: str | None,
    min_upvotes: int | None,
    max_papers: int | None,
    weekdays: str | None,
    cadence: str | None = None,
    followups: str | None = None,
) -> str:
    pairs = (
        ("time", time),
        ("tz", tz),
        ("min-upvotes", min_upvotes),
        ("max", max_papers),
        ("weekdays", weekdays),
        ("cadence", cadence),
        ("followups", followups),
    )
    return command_text("settings", *(f"{k} {v}" for k, v in pairs if v not in (None, "")))


@lru_cache(maxsize=1)
def _timezones() -> tuple[str, ...]:
    return tuple(sorted(available_timezones()))


def timezone_choices(current: str) -> list[str]:
    """Up to 25 IANA zones containing what was typed; names that start with it first."""
    needle = current.strip().lower().replace(" ", "_")
    matches = [z for z in _timezones() if needle in z.lower()]
    matches.sort(key=lambda z: (not z.lower().startswith(needle), z))
    return matches[:MAX_CHOICES]


def topic_choices(topics: list[str], current: str) -> list[str]:
    """The channel's topics containing what was typed, then `all`; only ones Discord takes."""
    needle = current.strip().lower()
    found = [t for t in topics if needle in t.lower() and len(t) <= CHOICE_MAX]
    if topics and needle in "all":
        found.append("all")
    return found[:MAX_CHOICES]


def _choices(values: list[str]) -> list[app_commands.Choice[str]]:
    return [app_commands.Choice(name=v, value=v) for v in values]


def build_papers_group(
    run: Run, channel_topics: TopicChoices, *, managers_only: bool = False
) -> app_commands.Group:
    """The `/papers` group. `managers_only` hides all of it from members lacking Manage Channels."""
    group = app_commands.Group(
        name="papers",
        description="Trending research papers: daily digests, search and subscriptions",
        # Servers, and the bot's DMs for the person's own verbs (`me`: their digest comes by
        # DM); Discord sets contexts on the group only, so adapters/discord/dm/commands.py
        # refuses there the verbs that need a server channel.
        allowed_contexts=app_commands.AppCommandContext(guild=True, dm_channel=True),
        allowed_installs=app_commands.AppInstallationType(guild=True),
        default_permissions=discord.Permissions(manage_channels=True) if managers_only else None,
    )
    _add_reading_verbs(group, run)
    _add_subscription_verbs(group, run, channel_topics)
    _add_settings(group, run)
    _add_me(group, run)
    return group


MeAction = Literal["subscribe", "unsubscribe", "topics", "settings", "pause", "resume", "forget"]


def _add_me(group: app_commands.Group, run: Run) -> None:
    @group.command(name="me", description="Your own digest by direct message (only you see this)")
    @app_commands.describe(
        action="What to do; none = your digest's status",
        words="Topics (subscribe, unsubscribe), settings (time 07:30 tz Europe/Paris …), "
        "or confirm (forget)",
    )
    async def me(
        interaction: Interaction, action: MeAction | None = None, words: str | None = None
    ) -> None:
        await run(interaction, command_text("me", action, words))


def _add_reading_verbs(group: app_commands.Group, run: Run) -> None:
    @group.command(name="today", description="The digest of the latest complete day")
    @app_commands.describe(date="A day as YYYY-MM-DD (default: the latest complete day)")
    async def today(interaction: Interaction, date: str | None = None) -> None:
        await run(interaction, command_text("today", date))

    @group.command(name="search", description="Search papers by title, abstract, authors")
    @app_commands.describe(query="Words to look for")
    async def search(
        interaction: Interaction, query: app_commands.Range[str, 1, QUERY_MAX]
    ) -> None:
        await run(interaction, command_text("search", query))

    @group.command(name="show", description="One paper, by arXiv id or arXiv / HF URL")
    @app_commands.describe(paper="e.g. 2508.12345 or https://arxiv.org/abs/2508.12345")
    async def show(interaction: Interaction, paper: str) -> None:
        await run(interaction, command_text("show", paper))

    @group.command(name="similar", description="The stored papers most like one paper")
    @app_commands.describe(paper="e.g. 2508.12345 or https://arxiv.org/abs/2508.12345")
    async def similar(interaction: Interaction, paper: str) -> None:
        await run(interaction, command_text("similar", paper))

    @group.command(name="topics", description="The topics this channel follows")
    async def topics(interaction: Interaction) -> None:
        await run(interaction, "topics")

    @group.command(name="status", description="Last fetch and this channel's next digest")
    async def status(interaction: Interaction) -> None:
        await run(interaction, "status")

    @group.command(name="saved", description="Your saved papers (only you see them)")
    @app_commands.describe(
        remove="An arXiv id to drop from your saved papers",
        export="Get them all as a file that only you see",
    )
    async def saved(
        interaction: Interaction, remove: str | None = None, export: ExportChoice | None = None
    ) -> None:
        words = (remove and f"remove {remove}", export and f"export {export}")
        await run(interaction, command_text("saved", *words))

    @group.command(name="top", description="This channel's most-voted papers")
    @app_commands.describe(
        period="week (default), month or all",
        public="Show it to the channel",
        export="Get the list as a file",
    )
    async def top(
        interaction: Interaction,
        period: Literal["week", "month", "all"] | None = None,
        public: bool = False,
        export: ExportChoice | None = None,
    ) -> None:
        words = (period, export and f"export {export}", "public" if public else None)
        await run(interaction, command_text("top", *words))

    @group.command(name="help", description="How to use /papers")
    @app_commands.describe(command="One command to explain")
    async def help_(interaction: Interaction, command: str | None = None) -> None:
        await run(interaction, command_text("help", command))


def _add_subscription_verbs(group: app_commands.Group, run: Run, topics: TopicChoices) -> None:
    @group.command(name="subscribe", description="Start digests here, or follow topics (managers)")
    @app_commands.describe(
        topics='e.g. agents "world model" -survey author:"Yann LeCun"; none = all trending'
    )
    async def subscribe(interaction: Interaction, topics: str | None = None) -> None:
        await run(interaction, command_text("subscribe", topics))

    @group.command(name="unsubscribe", description="Drop a topic, or stop the digests (managers)")
    @app_commands.describe(topic="One of this channel's topics, or all to stop the digests")
    async def unsubscribe(interaction: Interaction, topic: str) -> None:
        await run(interaction, command_text("unsubscribe", topic))

    @group.command(name="link", description="Share this channel's subscription (managers)")
    @app_commands.describe(code="A code from /papers link in the other channel; none = get one")
    async def link(interaction: Interaction, code: str | None = None) -> None:
        await run(interaction, command_text("link", code))

    @group.command(name="unlink", description="Stop sharing this channel's subscription (managers)")
    async def unlink(interaction: Interaction) -> None:
        await run(interaction, "unlink")

    @unsubscribe.autocomplete("topic")
    async def unsubscribe_topic(
        interaction: Interaction, current: str
    ) -> list[app_commands.Choice[str]]:
        return _choices(await topics(interaction, current))


def _add_settings(group: app_commands.Group, run: Run) -> None:
    @group.command(name="settings", description="Show or change this channel's digest settings")
    @app_commands.rename(min_upvotes="min-upvotes", max_papers="max")
    @app_commands.describe(
        time="Post time, HH:MM (24 h)",
        tz="Time zone, e.g. Europe/Paris",
        min_upvotes="Leave out papers with fewer upvotes",
        max_papers="At most this many papers a digest",
        weekdays="Which days get a digest",
        cadence="daily, weekly [weekday], monthly: one or several, e.g. daily weekly fri",
        followups="Reply in a digest's thread when a paper gets code or GitHub stars",
    )
    async def settings(
        interaction: Interaction,
        time: str | None = None,
        tz: str | None = None,
        min_upvotes: app_commands.Range[int, UPVOTES_LOW, UPVOTES_HIGH] | None = None,
        max_papers: app_commands.Range[int, PAPERS_LOW, PAPERS_HIGH] | None = None,
        weekdays: Literal["daily", "weekdays", "catchup"] | None = None,
        cadence: str | None = None,
        followups: Literal["on", "off"] | None = None,
    ) -> None:
        text = settings_text(time, tz, min_upvotes, max_papers, weekdays, cadence, followups)
        await run(interaction, text)

    @settings.autocomplete("tz")
    async def settings_tz(interaction: Interaction, current: str) -> list[app_commands.Choice[str]]:
        return _choices(timezone_choices(current))
