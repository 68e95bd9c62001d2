"""`/papers link` and `unlink` through the whole command chain the platforms call
(bot/app/bootstrap.py App.handle) with a real SQLite file: a Slack channel invites, a Discord
channel joins, and the two share topics, settings and votes until they unlink."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import pytest

from bot.app.bootstrap import App, build_app
from bot.chat.buttons import ButtonAction, encode_button_id
from bot.commands.links import BAD_CODE
from bot.commands.wording import MANAGERS_ONLY
from bot.config.load import Config
from bot.records.chat import Click, CommandContext, Reply, Visibility
from bot.records.clock import FixedClock
from bot.records.instants import as_plain
from bot.records.models import ChannelRef, Paper

NOW = datetime(2031, 5, 14, 8, 0, tzinfo=UTC)
SLACK = ChannelRef("slack", "C1", "T1")
DISCORD = ChannelRef("discord", "2001", "1001")
ALICE = CommandContext(SLACK, "U1", "alice")
DEV = CommandContext(DISCORD, "3001", "dev")
MEMBER = CommandContext(DISCORD, "3002", "member", can_manage=False)
PAPER = "3105.00001"
_CODE = re.compile(r"Link code: ([A-Z0-9]{8}) ")


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    config = Config(database_url=f"sqlite:///{tmp_path / 'links.db'}", source="sample")
    built = await build_app(config, clock=FixedClock(NOW))
    await built.store.upsert_papers(
        [Paper(PAPER, "A paper", "Abstract.", ("Ada",), NOW, listed_on=date(2031, 5, 13))]
    )
    try:
        yield built
    finally:
        await built.aclose()


async def ask(app: App, ctx: CommandContext, text: str) -> Reply:
    return await app.handle(ctx, text)


async def code_from(app: App, ctx: CommandContext = ALICE) -> str:
    reply = await ask(app, ctx, "link")
    assert not reply.is_error, reply
    assert reply.visibility is Visibility.PRIVATE
    found = _CODE.search(reply.text)
    assert found is not None, reply.text
    return found.group(1)


async def linked(app: App) -> None:
    await ask(app, ALICE, "subscribe agents")
    await ask(app, ALICE, "settings time 07:15 tz Europe/Paris")
    code = await code_from(app)
    reply = await ask(app, DEV, f"link {code.lower()}")  # any case is read
    assert not reply.is_error, reply
    assert reply.visibility is Visibility.CHANNEL


async def vote(app: App, ctx: CommandContext) -> int | None:
    button = encode_button_id(ButtonAction.VOTE, PAPER)
    return (await app.votes.click(Click(ctx.channel, ctx.user_id, button))).vote_count


async def test_a_discord_channel_joins_a_slack_channels_subscription(app: App) -> None:
    await linked(app)
    topics = await ask(app, DEV, "topics")
    assert "agents" in topics.text
    assert "Linked with Slack channel C1 in workspace T1" in topics.text
    settings = (await ask(app, DEV, "settings")).text
    assert "time 07:15 tz Europe/Paris" in settings
    await ask(app, DEV, 'subscribe "world model"')  # a change on either side reaches both
    assert '"world model"' in (await ask(app, ALICE, "topics")).text
    status = (await ask(app, ALICE, "status")).text
    assert "Linked with Discord channel 2001 in server 1001" in status


async def test_linked_channels_pool_their_votes(app: App) -> None:
    await linked(app)
    assert await vote(app, ALICE) == 1
    assert await vote(app, DEV) == 2
    top = await ask(app, ALICE, "top")
    assert top.vote_counts == {PAPER: 2}
    assert (await ask(app, DEV, "top")).vote_counts == {PAPER: 2}


async def test_unlink_leaves_each_a_copy_and_ends_the_sharing(app: App) -> None:
    await linked(app)
    await vote(app, DEV)
    reply = await ask(app, DEV, "unlink")
    assert reply.visibility is Visibility.CHANNEL
    assert "keeps a copy" in reply.text
    await ask(app, ALICE, "unsubscribe agents")
    assert "agents" in (await ask(app, DEV, "topics")).text
    assert "Linked" not in (await ask(app, DEV, "topics")).text
    assert (await ask(app, ALICE, "top")).vote_counts == {PAPER: 1}
    assert await vote(app, DEV) == 0  # the Discord copy had the one vote: its own, taken back
    assert (await ask(app, ALICE, "top")).vote_counts == {PAPER: 1}
    assert (await ask(app, DEV, "unlink")).is_error


async def test_a_wrong_expired_or_used_code_gets_a_short_answer(app: App) -> None:
    await ask(app, ALICE, "subscribe")
    wrong = await ask(app, DEV, "link NOTACODE")
    assert wrong.is_error
    assert wrong.text == BAD_CODE
    code = await code_from(app)
    assert isinstance(app.votes.clock, FixedClock)
    app.votes.clock.advance(timedelta(minutes=10))
    expired = await ask(app, DEV, f"link {code}")
    assert expired.is_error
    assert "expired" in expired.text
    code = await code_from(app)
    assert not (await ask(app, DEV, f"link {code}")).is_error
    other = CommandContext(ChannelRef("discord", "2002", "1002"), "3003", "ops")
    used = await ask(app, other, f"link {code}")
    assert used.is_error
    assert used.text == BAD_CODE


async def test_only_managers_link_and_unlink(app: App) -> None:
    await ask(app, ALICE, "subscribe")
    code = await code_from(app)
    assert (await ask(app, MEMBER, f"link {code}")).text == MANAGERS_ONLY
    bob = CommandContext(SLACK, "U2", "bob", can_manage=False)
    assert (await ask(app, bob, "link")).text == MANAGERS_ONLY
    assert (await ask(app, MEMBER, "unlink")).text == MANAGERS_ONLY
    assert not (await ask(app, DEV, f"link {code}")).is_error  # the refusal spent nothing


async def test_an_unsubscribed_channel_cannot_invite(app: App) -> None:
    reply = await ask(app, ALICE, "link")
    assert reply.is_error
    assert "Subscribe this channel first" in reply.text


async def test_link_has_help(app: App) -> None:
    assert "one-time code" in (await ask(app, ALICE, "help link")).text
    assert (await ask(app, ALICE, "link a b")).is_error


def wrong_code(n: int) -> str:
    """A well-formed code that is not one (it cannot be: codes are drawn at random)."""
    return "WRNG" + "".join("23456789"[int(d) % 8] for d in f"{n:04d}")


async def test_five_wrong_codes_lock_the_channel_then_the_real_code_works(app: App) -> None:
    await ask(app, ALICE, "subscribe")
    code = await code_from(app)
    for n in range(4):
        assert (await ask(app, DEV, f"link {wrong_code(n)}")).text == BAD_CODE
    fifth = await ask(app, DEV, f"link {wrong_code(4)}")
    assert fifth.is_error
    assert fifth.text.startswith(BAD_CODE)
    assert "5 wrong codes in 10 minutes: this channel may not try another for 10 minutes" in (
        fifth.text
    )
    refused = await ask(app, DEV, f"link {code}")  # the real one, while locked
    assert refused.is_error
    assert "Too many wrong link codes in this channel" in refused.text
    assert "refused there for 10 minutes" in refused.text
    assert isinstance(app.votes.clock, FixedClock)
    app.votes.clock.advance(timedelta(minutes=9, seconds=30))
    last_minute = as_plain((await ask(app, DEV, f"link {code}")).text)
    assert "for 1 minute (until 08:10 UTC)." in last_minute
    app.votes.clock.advance(timedelta(seconds=30))
    code = await code_from(app)  # the first expired with the lock; a new one joins
    assert not (await ask(app, DEV, f"link {code}")).is_error


async def test_guessing_from_many_channels_of_one_server_locks_the_server(app: App) -> None:
    await ask(app, ALICE, "subscribe")
    for n in range(5):
        guesser = CommandContext(ChannelRef("discord", f"20{n + 10}", "1001"), "3001", "dev")
        await ask(app, guesser, f"link {wrong_code(n)}")
    code = await code_from(app)
    refused = await ask(app, DEV, f"link {code}")
    assert "Too many wrong link codes in this server" in refused.text
    elsewhere = CommandContext(ChannelRef("discord", "2002", "1002"), "3003", "ops")
    assert not (await ask(app, elsewhere, f"link {code}")).is_error


async def test_a_channel_linking_to_itself_keeps_the_code(app: App) -> None:
    await ask(app, ALICE, "subscribe")
    code = await code_from(app)
    own = await ask(app, ALICE, f"link {code}")
    assert own.is_error
    assert "this channel's own" in own.text
    assert "not used up" in own.text
    assert not (await ask(app, DEV, f"link {code}")).is_error


async def test_two_channels_of_one_workspace_are_not_linked(app: App) -> None:
    await ask(app, ALICE, "subscribe agents")
    code = await code_from(app)
    neighbour = CommandContext(ChannelRef("slack", "C2", "T1"), "U2", "bob")
    refused = await ask(app, neighbour, f"link {code}")
    assert refused.is_error
    assert "a channel in this workspace" in refused.text
    assert "not used up" in refused.text
    assert await app.store.linked_channels(SLACK.key) == []
    assert not (await ask(app, DEV, f"link {code}")).is_error  # another server: linked


async def test_unsubscribe_all_in_a_linked_channel_says_which_channels_stopped(
    app: App,
) -> None:
    await linked(app)
    reply = await ask(app, DEV, "unsubscribe all")
    assert reply.visibility is Visibility.CHANNEL
    assert "@dev unsubscribed this channel: no more digests here" in reply.text
    assert "Still subscribed: Slack channel C1 in workspace T1" in reply.text
    assert await app.store.get_subscription(DISCORD) is None
    kept = await app.store.get_subscription(SLACK)
    assert kept is not None  # exactly what the reply says: the other channel goes on
    assert "agents" in (await ask(app, ALICE, "topics")).text
    assert "Linked" not in (await ask(app, ALICE, "topics")).text
    assert (await ask(app, ALICE, "unlink")).is_error  # not linked: nothing to unlink


async def test_a_member_cannot_stop_a_linked_channel(app: App) -> None:
    await linked(app)
    assert (await ask(app, MEMBER, "unsubscribe all")).text == MANAGERS_ONLY
    assert await app.store.linked_channels(DISCORD.key) == [SLACK.key]
