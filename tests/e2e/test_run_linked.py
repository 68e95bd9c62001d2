"""A Slack channel and a Discord channel linked into one subscription, in one `paperbot run`
process on both platforms: each posts the subscription's digest on its own platform, and
the votes are pooled, so a vote on Slack shows in Discord's count at its next update.

The link is made before the run through the same command chain the platforms call
(`/papers link` in the Slack channel, `/papers link <code>` in the Discord one).
"""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app.bootstrap import build_app
from bot.config.load import Config
from bot.records.chat import CommandContext
from bot.records.clock import FixedClock
from bot.records.models import ChannelRef
from bot.storage.sqlite.store import SqliteStore
from tests.e2e.click_support import (
    ADA,
    DISCORD_TOKEN_ENV,
    SLACK_SECRETS,
    discord_channel,
    discord_click,
    discord_digest,
    discord_section,
    discord_vote_labels,
    slack_click,
    slack_digest,
    slack_section,
    slack_vote_labels,
    stop_cleanly,
)
from tests.e2e.run_support import (
    BOT_NOW,
    WAIT_S,
    start_paperbot,
    subscribe_with_a_post_time_an_hour_ago,
    until,
    write_config,
)
from tests.fakes.discord_api import FakeDiscord
from tests.fakes.feed_server import FakeFeed
from tests.fakes.slack_api import FakeSlackApi

pytestmark = pytest.mark.slow
SLACK = ChannelRef("slack", "C0PAPERS", "T0TEAM")
CODE = re.compile(r"Link code: ([A-Z0-9]{8}) ")


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlackApi]:
    fake = FakeSlackApi()
    await fake.start()
    fake.add_channel(SLACK.channel_id)
    yield fake
    await fake.close()


@pytest.fixture
async def discord() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    await fake.start()
    yield fake
    await fake.close()


async def link(db: Path, slack_channel: ChannelRef, discord_channel: ChannelRef) -> None:
    """`/papers link` in the Slack channel, then `/papers link <code>` in the Discord one."""
    config = Config(database_url=f"sqlite:///{db}", source="sample")
    app = await build_app(config, clock=FixedClock(BOT_NOW))
    try:
        invite = await app.handle(CommandContext(slack_channel, "UBOSS", "boss"), "link")
        found = CODE.search(invite.text)
        assert found is not None, invite.text
        joined = await app.handle(
            CommandContext(discord_channel, "3001", "dev"), found.expand(r"link \1")
        )
        assert not joined.is_error, joined.text
    finally:
        await app.aclose()


async def test_a_linked_pair_posts_one_subscriptions_digest_on_both_with_pooled_votes(
    tmp_path: Path, feed: FakeFeed, slack: FakeSlackApi, discord: FakeDiscord
) -> None:
    db = tmp_path / "run.db"
    config = write_config(tmp_path, feed, slack_section(slack) + discord_section(discord))
    on_discord = discord_channel(discord)
    await subscribe_with_a_post_time_an_hour_ago(db, SLACK)  # the Discord one has no own
    await link(db, SLACK, on_discord)
    secrets = {**SLACK_SECRETS, DISCORD_TOKEN_ENV: discord.token}
    bot = await start_paperbot(config, secrets, "run")
    await until(lambda: any(map(slack_vote_labels, slack.top_level(SLACK.channel_id))), bot)
    await until(lambda: slack.sockets_opened == 1, bot)
    async with asyncio.timeout(WAIT_S):
        await discord.wait_for(
            lambda fake: fake.connected and any(map(discord_vote_labels, fake.created))
        )
    on_slack = slack_vote_labels(slack_digest(slack, SLACK.channel_id))
    shown = discord_vote_labels(discord_digest(discord))
    assert list(on_slack) == list(shown)  # the subscription's digest, on both
    first = next(iter(on_slack))

    await slack_click(slack, SLACK.channel_id, f"pb:v:{first}", "U1")
    assert slack_vote_labels(slack_digest(slack, SLACK.channel_id))[first] == "👍 1"
    assert discord_vote_labels(discord_digest(discord))[first] == "1. 👍"  # not edited yet
    answer = await discord_click(discord, f"pb:v:{first}", ADA)
    assert answer.body["type"] == 7
    # Discord's next update counts the Slack vote with ada's
    assert discord_vote_labels(discord_digest(discord))[first] == "1. 👍 2"
    await slack_click(slack, SLACK.channel_id, f"pb:v:{first}", "U2")
    assert slack_vote_labels(slack_digest(slack, SLACK.channel_id))[first] == "👍 3"
    await stop_cleanly(bot, *secrets.values())

    store = await SqliteStore.open(db)
    try:
        key = await store.vote_key(SLACK.key)
        assert key == await store.vote_key(on_discord.key) != SLACK.key  # one group's key
        assert await store.vote_counts(key, [first]) == {first: 3}
        assert len(await store.latest_deliveries(SLACK, 1)) == 1
        assert len(await store.latest_deliveries(on_discord, 1)) == 1
    finally:
        await store.close()
    assert len([m for m in slack.top_level(SLACK.channel_id) if slack_vote_labels(m)]) == 1
    assert len([m for m in discord.created if discord_vote_labels(m)]) == 1
