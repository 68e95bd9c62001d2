"""Times in the reader's own zone (issue 21, section 4): the same `status`, from the real
command chain on a real SQLite file at a fixed clock, shown by each platform in its own form:
the console names the zone, Slack (the real bolt app, a signed request) sends
`<!date^...>` tokens with a UTC fallback, Discord (discord.py against the fake gateway and
REST) sends `<t:...:f>` timestamps. A hostile paper title holding the marker or either
platform's token syntax stays text."""

from __future__ import annotations

import asyncio
import io
from collections.abc import AsyncIterator
from datetime import UTC, datetime, time
from pathlib import Path

import pytest

from adapters.console import ConsolePlatform
from adapters.discord import DiscordPlatform
from adapters.slack.platform import SlackPlatform
from bot.commands.handler import Commands
from bot.config.load import DeliveryConfig
from bot.delivery.runner import DeliveryRunner
from bot.digest.service import PaperService
from bot.records.chat import CommandContext
from bot.records.clock import FixedClock
from bot.records.models import ChannelSettings, Paper
from bot.sources.sample import SampleSource
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.discord_payloads import MANAGER_PERMISSIONS, FakeUser, slash_command
from tests.fakes.discord_setup import WAIT_S, config_for, fake_discord, no_sleep, serving
from tests.fakes.slack_api import FakeSlackApi
from tests.integration.test_slack_commands import CHANNEL, command_form, config, send, texts

NOW = datetime(2026, 8, 22, 10, 0, tzinfo=UTC)  # the sample's newest day, 2026-08-21, is closed
NEXT = datetime(2026, 8, 24, 6, 30, tzinfo=UTC)  # Monday 08:30 in Paris (CEST): no list on Sunday
DEFAULTS = ChannelSettings(post_time=time(8, 30), timezone="Europe/Paris", max_papers=5)
HOSTILE_ID = "2608.99999"
# A title as an old row could hold it (stored before clean_text dropped the delimiters): a
# whole marker, Slack's token, Discord's timestamp.
FORGED = f"\ue010{int(NOW.timestamp())}|UTC|f|0123456789abcdef\ue011"  # a guessed seal
UNSEALED = f"\ue010{int(NOW.timestamp())}|UTC|f\ue011"  # the form without a seal
HOSTILE_TITLE = f"{FORGED} Forged {UNSEALED} <!date^0^{{time}}|now> at <t:0:f> <@&1>"


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    opened = await SqliteStore.open(tmp_path / "zone.db")
    hostile = Paper(HOSTILE_ID, HOSTILE_TITLE, "Abstract.", ("Eve",), NOW, listed_on=NOW.date())
    await opened.upsert_papers([hostile])
    yield opened
    await opened.close()


@pytest.fixture
def commands(store: SqliteStore) -> Commands:
    sample = SampleSource()
    clock = FixedClock(NOW)
    service = PaperService(store, sample, sample, clock, defaults=DEFAULTS)
    # The real runner says when the next digest is due (it posts nothing here: no platform).
    service.delivery = DeliveryRunner(store, service, {}, clock, DeliveryConfig(), worker="zone")
    return Commands(service)


async def subscribed(commands: Commands, ctx: CommandContext) -> None:
    """A fetch (for the "Last fetch" line) and a subscription (for "Next digest")."""
    assert not (await commands.handle(ctx, "today")).is_error
    assert not (await commands.handle(ctx, "subscribe agents")).is_error


# ---------------------------------------------------------------------------- console


async def test_the_console_names_the_zone_of_each_time(commands: Commands) -> None:
    out = io.StringIO()
    inp = io.StringIO("/papers today\n/papers subscribe agents\n/papers status\n")
    platform = ConsolePlatform(out, inp, clock=FixedClock(NOW))
    await platform.start(commands.handle)
    printed = out.getvalue().splitlines()
    assert "Next digest: Mon 24 Aug 2026 08:30 Europe/Paris (in 1 d 20 h)" in printed
    assert "Last fetch: the list for 2026-08-21, 17 papers, Sat 22 Aug 2026 10:00 UTC (now)" in (
        printed
    )
    assert not any(char in out.getvalue() for char in "\ue010\ue011")


async def test_the_console_shows_a_hostile_title_as_text(commands: Commands) -> None:
    out = io.StringIO()
    platform = ConsolePlatform(out, io.StringIO(f"/papers show {HOSTILE_ID}\n"))
    await platform.start(commands.handle)
    shown = out.getvalue()
    assert "Sat 22 Aug 2026" not in shown  # the forged marker was not read as a time
    assert "<!date^0^{time}|now> at <t:0:f>" in shown
    assert not any(char in shown for char in "\ue010\ue011")


# ---------------------------------------------------------------------------- Slack


@pytest.fixture
async def fake_slack() -> AsyncIterator[FakeSlackApi]:
    api = FakeSlackApi(team_id="T0TEAM")
    await api.start()
    api.add_channel(CHANNEL)
    yield api
    await api.close()


@pytest.fixture
async def slack(fake_slack: FakeSlackApi, commands: Commands) -> AsyncIterator[SlackPlatform]:
    platform = SlackPlatform(
        config(fake_slack, managers=("UBOSS",)), http_host="127.0.0.1", http_port=0
    )
    await platform.start(commands.handle)
    yield platform
    await platform.stop()


async def slack_answer(fake: FakeSlackApi, platform: SlackPlatform, text: str) -> str:
    """What Slack was sent for `/papers <text>`: in the ack, or later through response_url."""
    before = len(fake.responses.get("cmd", []))
    status, body = await send(platform, command_form(fake, text))
    assert status == 200
    if body is not None and "blocks" in body:
        return "\n".join(texts(body))
    await fake.wait_for(before + 1)
    return "\n".join(texts(fake.responses["cmd"][-1]))


async def test_slack_status_sends_date_tokens_with_a_utc_fallback(
    fake_slack: FakeSlackApi, slack: SlackPlatform
) -> None:
    await slack_answer(fake_slack, slack, "today")
    await slack_answer(fake_slack, slack, "subscribe agents")
    shown = await slack_answer(fake_slack, slack, "status")
    next_token = (
        f"<!date^{int(NEXT.timestamp())}^{{date_short_pretty}} {{time}}|Mon 24 Aug 2026 06:30 UTC>"
    )
    assert f"Next digest: {next_token} (in 1 d 20 h)" in shown
    fetched = (
        f"<!date^{int(NOW.timestamp())}^{{date_short_pretty}} {{time}}|Sat 22 Aug 2026 10:00 UTC>"
    )
    assert f"Last fetch: the list for 2026-08-21, 17 papers, {fetched} (now)" in shown
    assert "Europe/Paris (in" not in shown  # the reader's zone, not the channel's, is shown


async def test_slack_shows_a_hostile_title_as_text(
    fake_slack: FakeSlackApi, slack: SlackPlatform
) -> None:
    shown = await slack_answer(fake_slack, slack, f"show {HOSTILE_ID}")
    assert "Forged" in shown
    assert "<!date^0^" not in shown
    assert "&lt;!date^0^{time}|now&gt;" in shown
    assert f"<!date^{int(NOW.timestamp())}^" not in shown  # no token from the forged marker
    assert not any(char in shown for char in "\ue010\ue011")


# ---------------------------------------------------------------------------- Discord

ADA = FakeUser(666_666_666_666_666_666, "ada")
OPTION_OF = {"show": "paper", "subscribe": "topics"}  # the slash command's option names


async def test_discord_status_sends_timestamps_in_the_readers_zone(commands: Commands) -> None:
    [shown] = await discord_answers(commands, "today", "subscribe agents", "status")
    assert f"Next digest: <t:{int(NEXT.timestamp())}:f> (in 1 d 20 h)" in shown
    fetched = f"<t:{int(NOW.timestamp())}:f>"
    assert f"Last fetch: the list for 2026-08-21, 17 papers, {fetched} (now)" in shown
    assert "Europe/Paris (in" not in shown


async def test_discord_shows_a_hostile_title_as_text(commands: Commands) -> None:
    shown = "\n".join(await discord_answers(commands, f"show {HOSTILE_ID}"))
    assert "Forged" in shown
    assert shown.count("<t:0:f>") == shown.count("\\<t:0:f>") > 0  # each one escaped
    assert f"<t:{int(NOW.timestamp())}:" not in shown  # no timestamp from the forged marker
    assert not any(char in shown for char in "\ue010\ue011")


async def discord_answers(commands: Commands, *verbs: str) -> list[str]:
    """Each `/papers <verb>` through discord.py and the fake gateway; every content the
    platform sent in answer to the last one."""
    async with fake_discord() as fake:
        platform = DiscordPlatform(config_for(fake), sleep=no_sleep, guild_ready_timeout=0.0)
        async with serving(platform, commands.handle):
            for number, verb in enumerate(verbs, 1):
                interaction_id = 700_000_000_000_100_000 + number
                subcommand, _, rest = verb.partition(" ")
                options = {OPTION_OF[subcommand]: rest} if rest else {}
                payload = slash_command(
                    interaction_id=interaction_id,
                    app_id=fake.app_id,
                    guild=fake.guild,
                    user=ADA,
                    permissions=MANAGER_PERMISSIONS,
                    subcommand=subcommand,
                    options=options,
                )
                await fake.dispatch("INTERACTION_CREATE", payload)
                token = f"interaction-token-{interaction_id}"

                def answered(f: object, token: str = token) -> bool:
                    return any(
                        token in r.path and _content(r.body) for r in fake.interaction_replies()
                    )

                async with asyncio.timeout(WAIT_S):
                    await fake.wait_for(answered)
            return [
                _content(r.body)
                for r in fake.interaction_replies()
                if token in r.path and _content(r.body)
            ]


def _content(body: object) -> str:
    if not isinstance(body, dict):
        return ""
    data = body.get("data", body)
    embeds = data.get("embeds") or []
    shown = [data.get("content") or ""]
    shown += [e.get("title", "") + "\n" + e.get("description", "") for e in embeds]
    return "\n".join(s for s in shown if s)


# ---------------------------------------------------------------------------- settings

SETTINGS = "settings time 09:30 tz Europe/Paris"
NEXT_SET = datetime(2026, 8, 24, 7, 30, tzinfo=UTC)  # Monday 09:30 in Paris


async def test_settings_take_the_channels_zone_and_say_the_next_digest_in_the_readers(
    commands: Commands, fake_slack: FakeSlackApi, slack: SlackPlatform
) -> None:
    out = io.StringIO()
    platform = ConsolePlatform(out, io.StringIO(f"/papers {SETTINGS}\n"), clock=FixedClock(NOW))
    await platform.start(commands.handle)
    console_said = out.getvalue()
    assert "Now: time 09:30 tz Europe/Paris" in console_said
    assert "Next digest: Mon 24 Aug 2026 09:30 Europe/Paris (in 1 d 21 h)." in console_said
    await send(slack, command_form(fake_slack, SETTINGS))
    await fake_slack.wait_for(1)
    slack_said = "\n".join(texts(fake_slack.responses["cmd"][-1]))
    assert "Now: time 09:30 tz Europe/Paris" in slack_said  # the channel's zone, as typed
    token = f"<!date^{int(NEXT_SET.timestamp())}^{{date_short_pretty}} {{time}}|"
    assert f"Next digest: {token}Mon 24 Aug 2026 07:30 UTC> (in 1 d 21 h)." in slack_said
