"""Slash commands from the fake gateway through discord.py's real code path to the callback."""

from __future__ import annotations

import asyncio
import itertools
import logging
import math
from collections.abc import AsyncIterator, Callable
from dataclasses import dataclass, field
from typing import Any

import pytest

from adapters.discord import DiscordPlatform
from bot.config.load import DiscordConfig
from bot.records.chat import CommandContext, Reply, Visibility
from bot.records.errors import ConfigError
from bot.records.models import ChannelRef
from tests.fakes.discord_api import FakeDiscord, Recorded
from tests.fakes.discord_payloads import (
    MANAGER_PERMISSIONS,
    MEMBER_PERMISSIONS,
    FakeUser,
    slash_command,
)
from tests.fakes.discord_setup import WAIT_S, config_for, fake_discord, no_sleep, serving

ADA = FakeUser(666_666_666_666_666_666, "ada")
VERBS = {
    "today",
    "search",
    "show",
    "similar",
    "subscribe",
    "unsubscribe",
    "topics",
    "settings",
    "me",
    "status",
    "saved",
    "top",
    "link",
    "unlink",
}
_ids = itertools.count(700_000_000_000_000_001)


@dataclass
class FakeCore:
    """A stand-in for the core's handler: records what it was asked, refuses non-managers."""

    calls: list[tuple[CommandContext, str]] = field(default_factory=list)
    topics: list[str] = field(default_factory=lambda: ["agents", '"world model"', "-survey"])

    async def handle(self, ctx: CommandContext, text: str) -> Reply:
        self.calls.append((ctx, text))
        verb = text.split()[0]
        if verb in ("subscribe", "unsubscribe", "settings") and not ctx.can_manage:
            return Reply("Only members with Manage Channels can change this.", is_error=True)
        visibility = Visibility.CHANNEL if verb == "subscribe" else Visibility.PRIVATE
        return Reply(f"ok: {text}", visibility=visibility)

    async def topics_for(self, channel: ChannelRef) -> list[str]:
        return self.topics


@dataclass
class Served:
    fake: FakeDiscord
    core: FakeCore
    platform: DiscordPlatform

    async def command(
        self,
        subcommand: str,
        permissions: int = MANAGER_PERMISSIONS,
        *,
        until: int = 1,
        **options: Any,
    ) -> list[Recorded]:
        """Send `/papers <subcommand>` through the gateway; wait for `until` replies to it."""
        interaction_id = next(_ids)
        payload = self.interaction(interaction_id, subcommand, permissions, options)
        await self.fake.dispatch("INTERACTION_CREATE", payload)
        return await self.replies_to(interaction_id, until)

    def interaction(
        self, interaction_id: int, subcommand: str, permissions: int, options: dict[str, Any]
    ) -> dict[str, Any]:
        focused = options.pop("_focused", None)  # which option is being typed (autocomplete)
        return slash_command(
            interaction_id=interaction_id,
            app_id=self.fake.app_id,
            guild=self.fake.guild,
            user=ADA,
            permissions=permissions,
            subcommand=subcommand,
            options=options,
            focused=focused,
            command_guild_id=self.platform._config.dev_guild_id,
        )

    async def replies_to(self, interaction_id: int, count: int) -> list[Recorded]:
        token = f"interaction-token-{interaction_id}"

        def replies(fake: FakeDiscord) -> list[Recorded]:
            return [r for r in fake.interaction_replies() if token in r.path]

        async with asyncio.timeout(WAIT_S):
            await self.fake.wait_for(lambda f: len(replies(f)) >= count)
        return replies(self.fake)


def served(**platform_options: Any) -> Callable[[], AsyncIterator[Served]]:
    async def fixture() -> AsyncIterator[Served]:
        async with fake_discord() as fake:
            core = FakeCore()
            config = config_for(fake, **platform_options.pop("config", {}))
            platform = DiscordPlatform(
                config,
                topics_for=core.topics_for,
                sleep=no_sleep,
                guild_ready_timeout=0.0,
                **platform_options,
            )
            async with serving(platform, core.handle):
                yield Served(fake, core, platform)

    return fixture


bot = pytest.fixture(name="bot")(served())
dev_bot = pytest.fixture(name="dev_bot")(served(config={"dev_guild_id": 111_111_111_111_111_111}))
strict_bot = pytest.fixture(name="strict_bot")(served(managers_only=True))


def synced(fake: FakeDiscord) -> Recorded:
    [sync] = [r for r in fake.requests if r.method == "PUT"]
    return sync


async def test_the_bot_identifies_with_no_privileged_intent(bot: Served) -> None:
    [identify] = bot.fake.identifies
    assert identify["intents"] == 1  # GUILDS only: no members, presences or message content
    assert identify["token"] == "fake-bot-token"


async def test_the_gateway_session_is_zlib_stream_json_with_heartbeats_acked(
    bot: Served,
) -> None:
    [query] = bot.fake.gateway_queries
    assert query == {"v": "10", "encoding": "json", "compress": "zlib-stream"}
    assert bot.fake.heartbeats >= 1  # discord.py beats at once on HELLO...
    assert math.isfinite(bot.platform.client.latency)  # ...and took the fake's ACK


async def test_a_sharded_bot_identifies_its_shard_and_answers_commands() -> None:
    async with fake_discord() as fake:
        core = FakeCore()
        config = config_for(fake, shard_ids=(0,), shard_count=1)
        platform = DiscordPlatform(config, sleep=no_sleep, guild_ready_timeout=0.0)
        async with serving(platform, core.handle):
            [identify] = fake.identifies
            assert identify["shard"] == [0, 1]
            served = Served(fake, core, platform)
            [reply] = await served.command("help")
            assert reply.body["data"]["content"] == "ok: help"


def test_shard_ids_without_a_shard_count_is_a_config_error() -> None:
    config = DiscordConfig(enabled=True, token="t", shard_ids=(0, 1))
    with pytest.raises(ConfigError, match="shard_count"):
        DiscordPlatform(config)


async def test_commands_sync_globally_by_default_as_one_group_for_servers_and_dms(
    bot: Served,
) -> None:
    sync = synced(bot.fake)
    assert sync.path == f"/applications/{bot.fake.app_id}/commands"
    [group] = sync.body
    assert group["name"] == "papers"
    assert group["default_member_permissions"] is None
    assert group["contexts"] == [0, 1]  # servers, and DMs with the bot (`me`)
    assert group["integration_types"] == [0]  # installed to guilds, not users
    assert group["dm_permission"] is True
    assert {o["name"] for o in group["options"]} == VERBS | {"help"}


async def test_commands_sync_to_the_dev_guild_when_configured(dev_bot: Served) -> None:
    sync = synced(dev_bot.fake)
    assert sync.path == f"/applications/{dev_bot.fake.app_id}/guilds/111111111111111111/commands"
    [group] = sync.body
    assert group["name"] == "papers"
    [reply] = await dev_bot.command("help")  # a guild command routes too
    assert reply.body["data"]["content"] == "ok: help"


async def test_managers_only_hides_the_group_from_members_lacking_manage_channels(
    strict_bot: Served,
) -> None:
    [group] = synced(strict_bot.fake).body
    assert group["default_member_permissions"] == 1 << 4  # MANAGE_CHANNELS


async def test_a_subscription_change_is_deferred_publicly_then_confirmed(bot: Served) -> None:
    defer, answer = await bot.command("subscribe", until=2, topics='agents "world model"')
    [(ctx, text)] = bot.core.calls
    assert text == 'subscribe agents "world model"'
    assert ctx.can_manage is True
    assert ctx.user_id == str(ADA.id)
    assert ctx.channel == ChannelRef("discord", "222222222222222222", "111111111111111111")
    assert defer.path.endswith("/callback")
    assert defer.body == {"type": 5}  # DEFERRED_CHANNEL_MESSAGE, shown to the channel
    assert answer.path.startswith(f"/webhooks/{bot.fake.app_id}/interaction-token-")
    assert answer.body["content"] == 'ok: subscribe agents "world model"'
    assert answer.body["allowed_mentions"] == {"parse": []}
    assert not answer.body.get("flags")  # a subscription change is shown to the channel


async def test_help_is_answered_in_the_callback(bot: Served) -> None:
    [reply] = await bot.command("help", command="subscribe")
    assert reply.path.endswith("/callback")
    assert reply.body["type"] == 4  # CHANNEL_MESSAGE_WITH_SOURCE
    assert reply.body["data"]["content"] == "ok: help subscribe"
    assert reply.body["data"]["flags"] == 64


async def test_subscribe_without_topics_reaches_the_core_as_the_bare_verb(bot: Served) -> None:
    await bot.command("subscribe", until=2)
    assert [text for _, text in bot.core.calls] == ["subscribe"]


async def test_a_slow_command_is_deferred_then_followed_up(bot: Served) -> None:
    defer, follow_up = await bot.command("search", until=2, query="world models")
    assert bot.core.calls[0][1] == "search world models"
    assert defer.body == {"type": 5, "data": {"flags": 64}}  # ephemeral "thinking..."
    assert follow_up.method == "POST"
    assert follow_up.path.startswith(f"/webhooks/{bot.fake.app_id}/interaction-token-")
    assert follow_up.body["content"] == "ok: search world models"
    assert follow_up.body["flags"] == 64
    assert follow_up.body["allowed_mentions"] == {"parse": []}


async def test_a_subscription_change_by_a_member_without_manage_channels_is_refused(
    bot: Served,
) -> None:
    defer, reply = await bot.command("subscribe", MEMBER_PERMISSIONS, until=2, topics="agents")
    [(ctx, _)] = bot.core.calls
    assert ctx.can_manage is False
    assert defer.body == {"type": 5, "data": {"flags": 64}}  # deferred privately
    assert reply.body["content"] == "Only members with Manage Channels can change this."
    assert reply.body["flags"] == 64  # only the member sees the refusal


async def test_a_change_answered_privately_takes_back_the_public_deferral(bot: Served) -> None:
    """A manager's change the core answers privately (nothing changed, a mistake): the
    channel's "thinking..." is deleted and only the member sees the answer."""

    async def already(ctx: CommandContext, text: str) -> Reply:
        return Reply("This channel already follows: agents")

    bot.platform._handler = already
    defer, deleted, answer = await bot.command("subscribe", until=3, topics="agents")
    assert defer.body == {"type": 5}
    assert (deleted.method, deleted.path.split("/")[-1]) == ("DELETE", "@original")
    assert answer.body["content"] == "This channel already follows: agents"
    assert answer.body["flags"] == 64


@pytest.mark.parametrize(
    ("subcommand", "options", "permissions", "public"),
    [
        ("top", {"public": True}, MEMBER_PERMISSIONS, True),  # for the channel, anyone's
        ("top", {}, MEMBER_PERMISSIONS, False),
        ("unlink", {}, MANAGER_PERMISSIONS, True),
        ("unlink", {}, MEMBER_PERMISSIONS, False),  # the core will refuse: privately
        ("link", {"code": "K7QX-M2PA"}, MANAGER_PERMISSIONS, True),
        ("link", {}, MANAGER_PERMISSIONS, False),  # a link code: for the manager only
    ],
)
async def test_the_deferral_says_who_will_see_the_answer(
    bot: Served, subcommand: str, options: dict[str, Any], permissions: int, public: bool
) -> None:
    async def for_the_channel(ctx: CommandContext, text: str) -> Reply:
        return Reply(f"ok: {text}", visibility=Visibility.CHANNEL)

    bot.platform._handler = for_the_channel
    defer, answer = await bot.command(subcommand, permissions, until=2, **options)
    assert defer.body == ({"type": 5} if public else {"type": 5, "data": {"flags": 64}})
    assert answer.body["content"].startswith(f"ok: {subcommand}")


async def test_a_change_is_deferred_before_the_store_is_asked(bot: Served) -> None:
    """The handler (the store's read and write, for the core) answers only once Discord has
    the deferral: a change waiting behind a fan-out's store work is still acked at once."""

    def deferred(fake: FakeDiscord) -> bool:
        return any(r.body.get("type") == 5 for r in fake.interaction_replies() if r.body)

    async def after_the_ack(ctx: CommandContext, text: str) -> Reply:
        await bot.fake.wait_for(deferred)
        return Reply(f"ok: {text}", visibility=Visibility.CHANNEL)

    bot.platform._handler = after_the_ack
    defer, answer = await bot.command("settings", until=2, time="08:30")
    assert defer.body == {"type": 5}
    assert answer.body["content"] == "ok: settings time 08:30"


async def test_settings_options_are_rebuilt_as_the_typed_line(bot: Served) -> None:
    settings = {"min-upvotes": 5, "max": 10}
    await bot.command("settings", until=2, time="09:30", tz="Europe/Paris", **settings)
    assert bot.core.calls[0][1] == "settings time 09:30 tz Europe/Paris min-upvotes 5 max 10"


async def test_today_without_a_date_and_help_for_one_command(bot: Served) -> None:
    await bot.command("today", until=2)
    await bot.command("help", command="subscribe")
    assert [text for _, text in bot.core.calls] == ["today", "help subscribe"]


async def test_time_zone_autocomplete_offers_matching_zones(bot: Served) -> None:
    [reply] = await bot.command("settings", tz="europe/pa", _focused="tz")
    assert reply.body["type"] == 8  # APPLICATION_COMMAND_AUTOCOMPLETE_RESULT
    choices = [c["value"] for c in reply.body["data"]["choices"]]
    assert choices[0] == "Europe/Paris"
    assert len(choices) <= 25
    assert bot.core.calls == []  # autocomplete never runs the command


async def test_unsubscribe_autocomplete_offers_the_channels_own_topics(bot: Served) -> None:
    [reply] = await bot.command("unsubscribe", topic="", _focused="topic")
    choices = [c["value"] for c in reply.body["data"]["choices"]]
    assert choices == ["agents", '"world model"', "-survey", "all"]
    [narrowed] = await bot.command("unsubscribe", topic="wor", _focused="topic")
    assert [c["value"] for c in narrowed.body["data"]["choices"]] == ['"world model"']


async def test_a_failing_handler_gets_a_generic_answer_and_no_details(bot: Served) -> None:
    original = bot.core.handle

    async def boom(ctx: CommandContext, text: str) -> Reply:
        raise RuntimeError("secret path /etc/passwd")

    bot.platform._handler = boom
    try:
        [_, reply] = await bot.command("topics", until=2)
    finally:
        bot.platform._handler = original
    content = reply.body["content"]
    assert "went wrong" in content
    assert "passwd" not in content


async def test_a_long_answer_continues_in_follow_ups(bot: Served) -> None:
    long_text = "word " * 1000  # 5,000 characters: three messages of at most 2,000

    async def verbose(ctx: CommandContext, text: str) -> Reply:
        return Reply(long_text)

    bot.platform._handler = verbose
    replies = await bot.command("help", until=3)  # answered in the callback, then follow-ups
    assert [r.path.split("/")[1] for r in replies] == ["interactions", "webhooks", "webhooks"]
    contents = [replies[0].body["data"]["content"]] + [r.body["content"] for r in replies[1:]]
    assert all(len(c) <= 2000 for c in contents)
    assert " ".join(contents).split() == long_text.split()


async def test_a_bad_token_stops_start_with_a_config_error() -> None:
    async with fake_discord() as fake:
        platform = DiscordPlatform(config_for(fake, token="wrong"), sleep=no_sleep)
        try:
            with pytest.raises(ConfigError, match="rejected the bot token"):
                await platform.start(FakeCore().handle)
        finally:
            await platform.stop()


async def test_the_token_never_reaches_the_log(caplog: pytest.LogCaptureFixture) -> None:
    caplog.set_level(logging.DEBUG)  # discord.py's own debug logging included
    async with fake_discord(token="sekrit-token-value") as fake:
        core = FakeCore()
        platform = DiscordPlatform(config_for(fake), sleep=no_sleep, guild_ready_timeout=0.0)
        async with serving(platform, core.handle):
            await Served(fake, core, platform).command("search", until=2, query="agents")
        assert fake.identifies[0]["token"] == "sekrit-token-value"
    assert caplog.records
    assert all("sekrit" not in r.getMessage() for r in caplog.records)
    assert "sekrit" not in repr(config_for(fake))


@pytest.mark.parametrize("subcommand", ["topics", "status", "settings"])
async def test_a_private_answer_from_the_store_is_deferred_before_the_store_is_asked(
    bot: Served, subcommand: str
) -> None:
    """The handler (the store, for the core) answers only once Discord has the deferral."""

    def deferred(fake: FakeDiscord) -> bool:
        return any(r.body.get("type") == 5 for r in fake.interaction_replies() if r.body)

    async def after_the_ack(ctx: CommandContext, text: str) -> Reply:
        await bot.fake.wait_for(deferred)
        return Reply(f"ok: {text}")

    bot.platform._handler = after_the_ack
    defer, answer = await bot.command(subcommand, until=2)
    assert defer.body == {"type": 5, "data": {"flags": 64}}
    assert answer.body["content"] == f"ok: {subcommand}"
