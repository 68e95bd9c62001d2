"""The digest lives on, through `paperbot run` on each platform (the real slack-sdk and
discord.py clients against the loopback fakes): posted, settled with the new counts, a late
addition and a follow-up in its thread, and nothing posted twice across two SIGKILLs.

The stages and the bot's clock at each are in tests/e2e/lifecycle_support.py: every bot
process runs under libfaketime at a fixed instant, so the tests never depend on the wall
clock; the feed's day changes between the stages, as Hugging Face's page does.
"""

from __future__ import annotations

import asyncio
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Mapping
from pathlib import Path
from typing import Any, Protocol

import pytest

from bot.records.models import ChannelRef
from tests.e2e.lifecycle_support import (
    DELIVERY_SECTION,
    LATE_TITLE,
    RESTART_NOW,
    RISE,
    SETTLE_NOW,
    STARS_LINE,
    baseline_recorded,
    killed,
    posted_paper_ids,
    settled_and_followed_up,
    the_day_moves_on,
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
SLACK_CHANNEL = ChannelRef("slack", "C0PAPERS", "T0TEAM")
SLACK_SECRETS = {"TEST_SLACK_BOT": "xoxb-test-token", "TEST_SLACK_APP": "xapp-test-token"}
DISCORD_TOKEN_ENV = "TEST_DISCORD_TOKEN"


class View(Protocol):
    """One platform's fake, seen as a channel with a digest and its thread."""

    def tops(self) -> list[dict[str, Any]]: ...

    def thread(self) -> list[dict[str, Any]]: ...

    def edited(self) -> bool: ...

    def sessions(self) -> int:
        """Sessions the bot opened (a process that connected has its signal handlers)."""
        ...


class SlackView:
    def __init__(self, fake: FakeSlackApi) -> None:
        self.fake = fake

    def tops(self) -> list[dict[str, Any]]:
        return self.fake.top_level(SLACK_CHANNEL.channel_id)

    def thread(self) -> list[dict[str, Any]]:
        tops = self.tops()
        return self.fake.replies(SLACK_CHANNEL.channel_id, tops[0]["ts"]) if tops else []

    def edited(self) -> bool:
        return any("since posted" in str(m.get("blocks")) for m in self.tops())

    def sessions(self) -> int:
        return len(self.fake.calls("apps.connections.open"))


class DiscordView:
    def __init__(self, fake: FakeDiscord) -> None:
        self.fake = fake

    def tops(self) -> list[dict[str, Any]]:
        return [m for m in self.fake.created if m["channel_id"] == str(self.fake.guild.channel_id)]

    def thread(self) -> list[dict[str, Any]]:
        tops = self.tops()
        return self.fake.thread_messages(str(tops[0]["id"])) if tops else []

    def edited(self) -> bool:
        return any(str(m["id"]) in self.fake.edits for m in self.tops())

    def sessions(self) -> int:
        return len(self.fake.identifies)


def _with(view: View, text: str) -> list[dict[str, Any]]:
    return [m for m in view.thread() if text in str(m)]


async def the_digest_lives_on(
    tmp_path: Path,
    feed: FakeFeed,
    view: View,
    start: Callable[..., Awaitable[asyncio.subprocess.Process]],
) -> str:
    """Run the four stages; returns the last run's log."""
    db = tmp_path / "run.db"
    bot = await start()  # 1: the post, its settle task and the follow-ups' baseline
    await until(lambda: view.tops() and baseline_recorded(db), bot)
    await killed(bot)
    [posted] = view.tops()
    details = len(view.thread())
    the_day_moves_on(feed, posted_paper_ids(db)[0])  # 2
    bot = await start(now=SETTLE_NOW)  # 3: settling starts; killed once the edit shows
    await until(view.edited, bot)
    await killed(bot)
    sessions = view.sessions()
    bot = await start(now=RESTART_NOW)  # 4: the rest, once (stage 3 may have done it all)
    await until(lambda: view.sessions() > sessions and settled_and_followed_up(db), bot)
    bot.send_signal(signal.SIGTERM)
    async with asyncio.timeout(WAIT_S):
        _, stderr = await bot.communicate()
    log = stderr.decode()
    assert bot.returncode == 0, log
    assert "Traceback" not in log, log
    [top] = view.tops()  # still the one digest, never posted again
    assert top["id" if "id" in top else "ts"] == posted["id" if "id" in posted else "ts"]
    assert f"▲ +{RISE} since posted" in str(top)  # settled in place with the new counts
    assert len(_with(view, LATE_TITLE)) == 1, "one late-additions reply in the thread"
    assert len(_with(view, STARS_LINE)) == 1, "one follow-up reply in the thread"
    assert len(view.thread()) == details + 2, "nothing else was added to the thread"
    return log


@pytest.fixture
async def slack() -> AsyncIterator[FakeSlackApi]:
    fake = FakeSlackApi()
    await fake.start()
    fake.add_channel(SLACK_CHANNEL.channel_id)
    yield fake
    await fake.close()


@pytest.fixture
async def discord() -> AsyncIterator[FakeDiscord]:
    fake = FakeDiscord()
    await fake.start()
    yield fake
    await fake.close()


def _starter(
    config: Path, secrets: Mapping[str, str]
) -> Callable[..., Awaitable[asyncio.subprocess.Process]]:
    def start(**kwargs: Any) -> Awaitable[asyncio.subprocess.Process]:
        return start_paperbot(config, secrets, "run", **kwargs)

    return start


async def test_on_slack_a_digest_is_posted_settled_and_followed_up_once_across_sigkills(
    tmp_path: Path, feed: FakeFeed, slack: FakeSlackApi
) -> None:
    await subscribe_with_a_post_time_an_hour_ago(tmp_path / "run.db", SLACK_CHANNEL)
    config = write_config(
        tmp_path,
        feed,
        f"""[slack]
enabled = true
mode = "socket"
bot_token_env = "TEST_SLACK_BOT"
app_token_env = "TEST_SLACK_APP"
api_base_url = "{slack.base_url}"
{DELIVERY_SECTION}""",
    )
    log = await the_digest_lives_on(
        tmp_path, feed, SlackView(slack), _starter(config, SLACK_SECRETS)
    )
    assert "xoxb-test-token" not in log


async def test_on_discord_a_digest_is_posted_settled_and_followed_up_once_across_sigkills(
    tmp_path: Path, feed: FakeFeed, discord: FakeDiscord
) -> None:
    channel = ChannelRef("discord", str(discord.guild.channel_id), str(discord.guild.id))
    await subscribe_with_a_post_time_an_hour_ago(tmp_path / "run.db", channel)
    config = write_config(
        tmp_path,
        feed,
        f"""[discord]
enabled = true
token_env = "{DISCORD_TOKEN_ENV}"
api_base_url = "{discord.base_url}"
gateway_url = "{discord.gateway_url}"
{DELIVERY_SECTION}""",
    )
    log = await the_digest_lives_on(
        tmp_path, feed, DiscordView(discord), _starter(config, {DISCORD_TOKEN_ENV: discord.token})
    )
    assert discord.token not in log
