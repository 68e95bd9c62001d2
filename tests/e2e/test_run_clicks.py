"""👍 under a posted digest in `paperbot run`, as a real process on each platform: a click
changes the count the message shows (edited in place), and a vote survives a restart of the
bot (the second process counts on from it, on a message the first one posted).

Slack clicks arrive as `block_actions` over Socket Mode through the real slack-bolt app;
Discord clicks as MESSAGE_COMPONENT interactions over the gateway through discord.py's
DynamicItem. Both platforms and the feed are loopback fakes in this test's process.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.records.models import ChannelRef
from bot.storage.sqlite.store import SqliteStore
from tests.e2e.click_support import (
    ADA,
    DISCORD_TOKEN_ENV,
    GRACE,
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


def shown_on_slack(slack: FakeSlackApi) -> dict[str, str]:
    return slack_vote_labels(slack_digest(slack, SLACK.channel_id))


async def stored_votes(db: Path, channel: ChannelRef, arxiv_id: str) -> int:
    store = await SqliteStore.open(db)
    try:
        counts = await store.vote_counts(await store.vote_key(channel.key), [arxiv_id])
    finally:
        await store.close()
    return counts.get(arxiv_id, 0)


async def test_slack_clicks_change_the_count_in_place_and_a_vote_survives_a_restart(
    tmp_path: Path, feed: FakeFeed, slack: FakeSlackApi
) -> None:
    config = write_config(tmp_path, feed, slack_section(slack))
    db = tmp_path / "run.db"
    await subscribe_with_a_post_time_an_hour_ago(db, SLACK)
    bot = await start_paperbot(config, SLACK_SECRETS, "run")
    await until(lambda: any(map(slack_vote_labels, slack.top_level(SLACK.channel_id))), bot)
    await until(lambda: slack.sockets_opened == 1, bot)
    labels = shown_on_slack(slack)
    first, second = list(labels)[:2]
    assert set(labels.values()) == {"👍"}, labels  # no votes yet
    await slack_click(slack, SLACK.channel_id, f"pb:v:{first}", "U1")
    assert shown_on_slack(slack)[first] == "👍 1"
    await slack_click(slack, SLACK.channel_id, f"pb:v:{second}", "U1")
    await slack_click(slack, SLACK.channel_id, f"pb:v:{second}", "U1")
    shown = shown_on_slack(slack)
    assert (shown[first], shown[second]) == ("👍 1", "👍"), shown  # a second click took it back
    await stop_cleanly(bot, *SLACK_SECRETS.values())
    assert await stored_votes(db, SLACK, first) == 1

    again = await start_paperbot(config, SLACK_SECRETS, "run")
    await until(lambda: slack.sockets_opened == 2, again)  # the first one's is kept, closed
    await slack_click(slack, SLACK.channel_id, f"pb:v:{first}", "U2")
    assert shown_on_slack(slack)[first] == "👍 2"  # U1's vote was kept
    await stop_cleanly(again, *SLACK_SECRETS.values())
    assert len([m for m in slack.top_level(SLACK.channel_id) if slack_vote_labels(m)]) == 1
    assert slack.calls("chat.postMessage")  # the digest, and no post from any click
    assert "click" not in slack.responses  # a vote answers in place, never privately


async def test_discord_clicks_change_the_count_in_place_and_work_on_a_message_from_before_a_restart(
    tmp_path: Path, feed: FakeFeed, discord: FakeDiscord
) -> None:
    config = write_config(tmp_path, feed, discord_section(discord))
    db = tmp_path / "run.db"
    channel = discord_channel(discord)
    secrets = {DISCORD_TOKEN_ENV: discord.token}
    await subscribe_with_a_post_time_an_hour_ago(db, channel)
    bot = await start_paperbot(config, secrets, "run")
    async with asyncio.timeout(WAIT_S):
        await discord.wait_for(
            lambda fake: fake.connected and any(map(discord_vote_labels, fake.created))
        )
    labels = discord_vote_labels(discord_digest(discord))
    first, second = list(labels)[:2]
    assert labels[first] == "1. 👍", labels
    answer = await discord_click(discord, f"pb:v:{first}", ADA)
    assert answer.body["type"] == 7  # UPDATE_MESSAGE: the clicked message, edited in place
    assert discord_vote_labels(discord_digest(discord))[first] == "1. 👍 1"
    await discord_click(discord, f"pb:v:{second}", ADA)
    await discord_click(discord, f"pb:v:{second}", ADA)  # taken back
    shown = discord_vote_labels(discord_digest(discord))
    assert (shown[first], shown[second]) == ("1. 👍 1", "2. 👍"), shown
    await stop_cleanly(bot, discord.token)
    assert await stored_votes(db, channel, first) == 1

    again = await start_paperbot(config, secrets, "run")
    async with asyncio.timeout(WAIT_S):
        await discord.wait_for(lambda fake: len(fake.identifies) == 2 and fake.connected)
    # no view of the first process is in memory: the DynamicItem matches the custom_id
    answer = await discord_click(discord, f"pb:v:{first}", GRACE)
    assert answer.body["type"] == 7
    assert discord_vote_labels(discord_digest(discord))[first] == "1. 👍 2"  # ada's vote kept
    await stop_cleanly(again, discord.token)
    assert len([m for m in discord.created if discord_vote_labels(m)]) == 1  # no new post
    assert await stored_votes(db, channel, first) == 2
