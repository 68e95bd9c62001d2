"""SlackPlatform.post_digest with the real AsyncWebClient against the fake Slack Web API."""

from __future__ import annotations

import logging
from collections.abc import AsyncIterator
from datetime import UTC, datetime

import pytest
from slack_sdk.models.blocks import Block

from adapters.slack.platform import METADATA_EVENT, SlackPlatform
from adapters.slack.render import render_digest
from bot.config.load import SlackConfig
from bot.records.clock import FixedClock
from bot.records.errors import MessageRejected, PermanentPlatformError, TransientPlatformError
from bot.records.models import ChannelRef
from tests.fakes.pacing import slack_pacing
from tests.fakes.slack_api import FakeSlackApi, Scripted
from tests.fakes.slack_digests import digest_of, long_papers, real_papers

TOKEN = "xoxb-secret-test-token"
NOW = datetime(2026, 8, 22, 9, 0, tzinfo=UTC)
CHANNEL = ChannelRef("slack", "C0PAPERS", "T0TEAM")
KEY = "slack:T0TEAM:C0PAPERS:2026-08-21"


class RecordingSleep:
    """An injected sleep: remembers each wait, returns at once."""

    def __init__(self) -> None:
        self.waits: list[float] = []

    async def __call__(self, seconds: float) -> None:
        self.waits.append(seconds)


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlackApi]:
    api = FakeSlackApi()
    await api.start()
    api.add_channel(CHANNEL.channel_id)
    yield api
    await api.close()


@pytest.fixture
def sleep() -> RecordingSleep:
    return RecordingSleep()


@pytest.fixture
def platform(fake: FakeSlackApi, sleep: RecordingSleep) -> SlackPlatform:
    config = SlackConfig(
        enabled=True, bot_token=TOKEN, app_token="xapp-x", api_base_url=fake.base_url
    )
    return SlackPlatform(
        config, clock=FixedClock(NOW), sleep=sleep, timeout_s=0.5, pacing=slack_pacing()
    )


async def test_a_digest_is_posted_with_its_abstracts_in_the_thread(
    fake: FakeSlackApi, platform: SlackPlatform, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    receipt = await platform.post_digest(CHANNEL, digest_of(real_papers()), idempotency_key=KEY)
    top = fake.top_level(CHANNEL.channel_id)
    assert receipt.message_ids == tuple(m["ts"] for m in top)
    assert receipt.posted_at == NOW
    assert len(top) == 1
    message = top[0]
    assert message["unfurl_links"] is False
    assert message["unfurl_media"] is False
    assert message["link_names"] is False
    assert message["text"].startswith("Trending papers for Friday 21 August 2026: 1. ")
    assert message["metadata"] == {
        "event_type": METADATA_EVENT,
        "event_payload": {"key": KEY, "part": 0, "parts": 1},
    }
    for block in message["blocks"]:
        parsed = Block.parse(block)
        assert parsed is not None
        parsed.validate_json()
    thread = fake.replies(CHANNEL.channel_id, message["ts"])
    assert thread, "abstracts go in the digest's thread"
    assert all(r["unfurl_links"] is False for r in thread)
    assert "*Authors:*" in thread[0]["blocks"][0]["text"]["text"]
    history = fake.calls("conversations.history")
    assert history[0]["include_all_metadata"] in ("1", "true", "True")
    posts = [r for r in fake.requests if r.method == "chat.postMessage"]
    assert all(r.headers["Authorization"] == f"Bearer {TOKEN}" for r in posts)
    assert TOKEN not in caplog.text
    assert TOKEN not in repr(platform)


async def test_a_long_digest_is_several_messages_each_with_its_own_thread(
    fake: FakeSlackApi, platform: SlackPlatform
) -> None:
    papers = long_papers(50)
    receipt = await platform.post_digest(CHANNEL, digest_of(papers), idempotency_key=KEY)
    top = fake.top_level(CHANNEL.channel_id)
    assert len(top) == len(receipt.message_ids) > 1
    shown = "".join(b["text"]["text"] for m in top for b in m["blocks"] if "text" in b)
    for paper in papers:
        assert f"<{paper.arxiv_url}|arXiv>" in shown
    for index, message in enumerate(top):
        assert len(message["blocks"]) <= 50
        assert message["metadata"]["event_payload"]["part"] == index
        assert fake.replies(CHANNEL.channel_id, message["ts"])


async def test_429_waits_retry_after_then_posts_once(
    fake: FakeSlackApi, platform: SlackPlatform, sleep: RecordingSleep
) -> None:
    fake.script(
        "chat.postMessage", Scripted(status=429, retry_after=7), Scripted(429, retry_after=1)
    )
    await platform.post_digest(CHANNEL, digest_of(real_papers()[:2]), idempotency_key=KEY)
    assert sleep.waits[:2] == [7.0, 1.0]
    assert len(fake.top_level(CHANNEL.channel_id)) == 1


async def test_a_retry_after_too_long_is_left_to_the_scheduler(
    fake: FakeSlackApi, platform: SlackPlatform, sleep: RecordingSleep
) -> None:
    fake.script("chat.postMessage", Scripted(status=429, retry_after=3600))
    with pytest.raises(TransientPlatformError, match="ratelimited"):
        await platform.post_digest(CHANNEL, digest_of(real_papers()[:2]), idempotency_key=KEY)
    assert sleep.waits == []


@pytest.mark.parametrize("status", [500, 502, 503, 504])
async def test_5xx_is_retried_with_backoff(
    fake: FakeSlackApi, platform: SlackPlatform, sleep: RecordingSleep, status: int
) -> None:
    fake.script("chat.postMessage", Scripted(status=status), Scripted(status=status))
    await platform.post_digest(CHANNEL, digest_of(real_papers()[:2]), idempotency_key=KEY)
    assert len(sleep.waits) == 2
    assert len(fake.top_level(CHANNEL.channel_id)) == 1


async def test_a_timeout_is_retried(
    fake: FakeSlackApi, platform: SlackPlatform, sleep: RecordingSleep
) -> None:
    fake.script("chat.postMessage", Scripted(hang=True))
    await platform.post_digest(CHANNEL, digest_of(real_papers()[:1]), idempotency_key=KEY)
    assert len(sleep.waits) == 1
    assert len(fake.top_level(CHANNEL.channel_id)) == 1


async def test_5xx_that_never_ends_is_transient(
    fake: FakeSlackApi, platform: SlackPlatform
) -> None:
    fake.script("chat.postMessage", *[Scripted(status=503)] * 10)
    with pytest.raises(TransientPlatformError, match="http_503"):
        await platform.post_digest(CHANNEL, digest_of(real_papers()[:1]), idempotency_key=KEY)
    assert len(fake.calls("chat.postMessage")) == 5  # the first try and four retries


@pytest.mark.parametrize(
    "error",
    [
        "channel_not_found",
        "not_in_channel",
        "is_archived",
        "account_inactive",
        "invalid_auth",
        "token_revoked",
    ],
)
async def test_permanent_errors_stop_at_once(
    fake: FakeSlackApi, platform: SlackPlatform, sleep: RecordingSleep, error: str
) -> None:
    fake.script("chat.postMessage", Scripted(error=error))
    with pytest.raises(PermanentPlatformError) as caught:
        await platform.post_digest(CHANNEL, digest_of(real_papers()[:1]), idempotency_key=KEY)
    assert caught.value.reason == error
    assert len(fake.calls("chat.postMessage")) == 1
    assert sleep.waits == []


async def test_a_permanent_error_from_the_history_lookup_is_permanent_too(
    fake: FakeSlackApi, platform: SlackPlatform
) -> None:
    fake.channels[CHANNEL.channel_id].is_member = False
    with pytest.raises(PermanentPlatformError, match="not_in_channel"):
        await platform.post_digest(CHANNEL, digest_of(real_papers()[:1]), idempotency_key=KEY)
    assert fake.calls("chat.postMessage") == []


@pytest.mark.parametrize("error", ["invalid_blocks", "msg_too_long", "metadata_too_large"])
async def test_a_refused_body_is_rejected_at_once(
    fake: FakeSlackApi, platform: SlackPlatform, sleep: RecordingSleep, error: str
) -> None:
    fake.script("chat.postMessage", Scripted(error=error))
    with pytest.raises(MessageRejected, match=error):
        await platform.post_digest(CHANNEL, digest_of(real_papers()[:1]), idempotency_key=KEY)
    assert len(fake.calls("chat.postMessage")) == 1
    assert sleep.waits == []


@pytest.mark.parametrize("error", ["internal_error", "fatal_error"])
async def test_other_errors_are_transient(
    fake: FakeSlackApi, platform: SlackPlatform, error: str
) -> None:
    fake.script("chat.postMessage", Scripted(error=error))
    with pytest.raises(TransientPlatformError, match=error):
        await platform.post_digest(CHANNEL, digest_of(real_papers()[:1]), idempotency_key=KEY)


async def test_the_same_key_posts_once(fake: FakeSlackApi, platform: SlackPlatform) -> None:
    digest = digest_of(real_papers())
    first = await platform.post_digest(CHANNEL, digest, idempotency_key=KEY)
    posts = len(fake.calls("chat.postMessage"))
    again = await platform.post_digest(CHANNEL, digest, idempotency_key=KEY)
    assert again.message_ids == first.message_ids
    assert len(fake.calls("chat.postMessage")) == posts
    other = await platform.post_digest(CHANNEL, digest, idempotency_key=KEY + "-next")
    assert other.message_ids != first.message_ids


async def test_a_digest_cut_short_is_completed_not_repeated(
    fake: FakeSlackApi, platform: SlackPlatform
) -> None:
    digest = digest_of(long_papers(50))
    # part 1 and its thread go out; then the next top-level message fails
    first_part_calls = 1 + len(render_digest(digest)[0].thread)
    fake.script(
        "chat.postMessage", *[Scripted()] * first_part_calls, *[Scripted(error="fatal_error")]
    )
    with pytest.raises(TransientPlatformError):
        await platform.post_digest(CHANNEL, digest, idempotency_key=KEY)
    assert len(fake.top_level(CHANNEL.channel_id)) == 1
    receipt = await platform.post_digest(CHANNEL, digest, idempotency_key=KEY)
    top = fake.top_level(CHANNEL.channel_id)
    assert receipt.message_ids == tuple(m["ts"] for m in top)
    assert [m["metadata"]["event_payload"]["part"] for m in top] == list(range(len(top)))


async def test_a_failing_history_lookup_posts_nothing(
    fake: FakeSlackApi, platform: SlackPlatform
) -> None:
    fake.script("conversations.history", Scripted(error="internal_error"))
    with pytest.raises(TransientPlatformError):
        await platform.post_digest(CHANNEL, digest_of(real_papers()[:1]), idempotency_key=KEY)
    assert fake.calls("chat.postMessage") == []


async def test_a_first_attempt_skips_the_rate_limited_history_lookup(
    fake: FakeSlackApi, platform: SlackPlatform
) -> None:
    digest = digest_of(real_papers()[:2])
    first = await platform.post_digest(CHANNEL, digest, idempotency_key=KEY, first_attempt=True)
    assert fake.calls("conversations.history") == []
    # a retry (the first attempt may have reached Slack before a crash) looks, and finds it
    again = await platform.post_digest(CHANNEL, digest, idempotency_key=KEY)
    assert len(fake.calls("conversations.history")) == 1
    assert again.message_ids == first.message_ids
    assert len(fake.top_level(CHANNEL.channel_id)) == len(first.message_ids)
