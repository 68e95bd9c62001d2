"""End to end on Slack: a signed `/papers subscribe` to the real bolt app, the day's digest
built from the fake Hugging Face feed (real fixture data plus one hostile paper) through the
real source, service and SQLite store, posted with the real AsyncWebClient to the fake Slack.
"""

from __future__ import annotations

import copy
import itertools
import re
import time
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any
from urllib.parse import urlencode

import aiohttp
import pytest
from slack_sdk.models.blocks import Block
from slack_sdk.signature import SignatureVerifier

from adapters.slack.platform import SlackPlatform
from bot.commands.handler import Commands
from bot.config.load import ArxivConfig, HuggingFaceConfig, SlackConfig
from bot.digest.service import PaperService
from bot.records.clock import FixedClock
from bot.records.delivery import idempotency_key
from bot.records.digest import Digest
from bot.records.models import ChannelRef, ChannelSettings, Topic, TopicKind
from bot.sources.arxiv import ArxivSource
from bot.sources.huggingface import HuggingFaceSource
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.feed_server import FakeFeed, hf_fixture
from tests.fakes.pacing import slack_pacing
from tests.fakes.slack_api import FakeSlackApi

DAY = date(2026, 8, 21)
NOW = datetime(2026, 8, 22, 10, 0, tzinfo=UTC)  # the list for 2026-08-21 has closed
SECRET = "e2e-signing-secret"
TRIGGERS = itertools.count(1)  # Slack gives every command its own trigger_id
CHANNEL = ChannelRef("slack", "C0PAPERS", "T0TEAM")
HOSTILE_TITLE = "<!channel> Agents that <@U123> ping &lt; everyone <https://evil.example|click>"
LINK = re.compile(r"<([^<>]*)>")


def hostile_item(template: dict[str, Any]) -> dict[str, Any]:
    item = copy.deepcopy(template)
    paper = item["paper"]
    paper.update(
        id="2608.99999",
        title=HOSTILE_TITLE,
        summary="We study <!here> agents. " + paper["summary"],
        upvotes=10_000,
        ai_summary="Agents <!everyone> & friends.",
    )
    paper["authors"] = [{"name": "<@U999>"}, {"name": "Ann & Bob"}]
    item["title"] = HOSTILE_TITLE
    return item


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[tuple[FakeSlackApi, SlackPlatform, PaperService]]:
    async with FakeFeed() as feed:
        items = hf_fixture(DAY)
        feed.serve_day(DAY, [*items, hostile_item(items[0])])
        slack = FakeSlackApi(team_id=CHANNEL.workspace)
        await slack.start()
        slack.add_channel(CHANNEL.channel_id, creator="UALICE")  # she may subscribe it
        store = await SqliteStore.open(tmp_path / "paperbot.db")
        hf = HuggingFaceSource(HuggingFaceConfig(base_url=feed.url), "paperbot-test")
        arxiv = ArxivSource(ArxivConfig(base_url=feed.arxiv_url, min_interval_s=0), "paperbot-test")
        service = PaperService(
            store, hf, arxiv, FixedClock(NOW), defaults=ChannelSettings(max_papers=10)
        )
        config = SlackConfig(
            enabled=True,
            mode="http",
            bot_token="xoxb-e2e",
            signing_secret=SECRET,
            api_base_url=slack.base_url,
        )
        platform = SlackPlatform(
            config,
            clock=FixedClock(NOW),
            http_host="127.0.0.1",
            http_port=0,
            pacing=slack_pacing(),
        )
        await platform.start(Commands(service).handle)
        try:
            yield slack, platform, service
        finally:
            await platform.stop()
            await hf.aclose()
            await arxiv.aclose()
            await store.close()
            await slack.close()


async def slash(platform: SlackPlatform, slack: FakeSlackApi, text: str) -> dict[str, Any]:
    form = {
        "team_id": CHANNEL.workspace,
        "channel_id": CHANNEL.channel_id,
        "user_id": "UALICE",
        "user_name": "alice",
        "command": "/papers",
        "text": text,
        "response_url": slack.response_url("cmd"),
        "trigger_id": f"{next(TRIGGERS)}.738474920.8088930838d",  # a new one per command
    }
    body = urlencode(form)
    timestamp = str(int(time.time()))
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=timestamp, body=body)
    assert signature is not None
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
    }
    url = f"http://127.0.0.1:{platform.bound_port}/slack/events"
    answered = len(slack.responses.get("cmd", []))
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=headers) as r,
    ):
        assert r.status == 200
        if r.content_type != "application/json":  # acked at once; the answer follows
            await slack.wait_for(answered + 1)
            return slack.responses["cmd"][answered]
        answer: dict[str, Any] = await r.json()
        return answer


def block_texts(blocks: list[dict[str, Any]]) -> list[str]:
    out = []
    for block in blocks:
        if "text" in block:
            out.append(block["text"]["text"])
        if block["type"] == "context":  # not the buttons of an actions block
            out.extend(e["text"] for e in block.get("elements", ()))
    return out


def assert_valid_and_safe(message: dict[str, Any]) -> None:
    assert 0 < len(message["blocks"]) <= 50
    assert message["text"]
    assert message["unfurl_links"] is False
    assert message["unfurl_media"] is False
    for block in message["blocks"]:
        parsed = Block.parse(block)
        assert parsed is not None
        parsed.validate_json()  # slack_sdk's own limits (3,000 a section, 150 a header)
    for text in [message["text"], *block_texts(message["blocks"])]:
        assert len(text) <= 3000
        for target in LINK.findall(text):
            url = target.split("|", 1)[0]  # the label after "|" is escaped paper text
            assert url.startswith("https://"), target
            assert "evil" not in url


async def test_subscribe_then_the_days_digest_arrives_escaped_and_threaded(
    world: tuple[FakeSlackApi, SlackPlatform, PaperService],
) -> None:
    slack, platform, service = world

    confirmation = await slash(platform, slack, "subscribe agents")
    assert confirmation["response_type"] == "in_channel"
    assert "alice subscribed this channel to: agents" in confirmation["text"]
    subscription = await service.get_subscription(CHANNEL)
    assert subscription is not None
    assert subscription.topics == (Topic(TopicKind.TERM, "agents"),)

    digest: Digest = await service.digest_for(CHANNEL, DAY, exclude_posted=True)
    assert digest.entries, "the fixture day has agent papers"
    key = idempotency_key(CHANNEL, DAY)
    receipt = await platform.post_digest(CHANNEL, digest, idempotency_key=key)
    await service.store.record_post(receipt, DAY, [e.paper.arxiv_id for e in digest.entries])

    top = slack.top_level(CHANNEL.channel_id)
    assert receipt.message_ids == tuple(m["ts"] for m in top)
    body = "".join(t for m in top for t in block_texts(m["blocks"]))
    assert "Agents that &lt;@U123&gt; ping &amp;lt; everyone" in body  # escaped, first
    assert "&lt;!channel&gt;" in body
    for entry in digest.entries:
        assert f"<{entry.paper.arxiv_url}|arXiv>" in body
        assert "agent" in " ".join(entry.reasons).lower()
    for message in top:
        assert_valid_and_safe(message)
        thread = slack.replies(CHANNEL.channel_id, message["ts"])
        assert thread, "abstracts and authors are in the thread"
        for reply in thread:
            assert_valid_and_safe(reply)
    thread_text = "".join(
        t
        for m in top
        for r in slack.replies(CHANNEL.channel_id, m["ts"])
        for t in block_texts(r["blocks"])
    )
    assert "&lt;@U999&gt;, Ann &amp; Bob" in thread_text

    # the scheduler retrying the same post (a crash after posting) posts nothing new
    posts = len(slack.calls("chat.postMessage"))
    again = await platform.post_digest(CHANNEL, digest, idempotency_key=key)
    assert again.message_ids == receipt.message_ids
    assert len(slack.calls("chat.postMessage")) == posts
    assert await service.store.posted_paper_ids(CHANNEL) >= {"2608.99999"}


async def test_today_is_deferred_and_answered_privately_with_the_digest(
    world: tuple[FakeSlackApi, SlackPlatform, PaperService],
) -> None:
    slack, platform, _ = world
    ack = await slash(platform, slack, "today")
    assert ack["response_type"] == "ephemeral"
    await slack.wait_for(1)
    answers = slack.responses["cmd"]
    assert all(a["response_type"] == "ephemeral" for a in answers)
    shown = "".join(t for a in answers for t in block_texts(a.get("blocks", [])))
    assert "Trending papers for Friday 21 August 2026" in shown
    assert "&lt;!channel&gt; Agents" in shown
    for answer in answers:
        for target in LINK.findall("".join(block_texts(answer.get("blocks", [])))):
            assert target.startswith("https://")


async def test_similar_answers_privately_with_the_papers_like_one_and_why(
    world: tuple[FakeSlackApi, SlackPlatform, PaperService],
) -> None:
    slack, platform, _ = world
    await slash(platform, slack, "today")  # the day's papers are fetched and stored
    await slack.wait_for(1)
    twin = hf_fixture(DAY)[0]["paper"]  # the hostile paper's abstract is this one's
    ack = await slash(platform, slack, "similar https://arxiv.org/abs/2608.99999v1")
    assert ack["response_type"] == "ephemeral"

    def similar_answers() -> list[dict[str, Any]]:
        return [a for a in slack.responses["cmd"] if "papers like" in a.get("text", "")]

    while not similar_answers():  # the answer follows through response_url, after today's
        await slack.wait_for(len(slack.responses["cmd"]) + 1)
    answers = similar_answers()
    [answer] = answers
    assert answer["response_type"] == "ephemeral"
    shown = "".join(block_texts(answer["blocks"]))
    assert twin["title"][:40] in shown
    assert "_Why:_ shares" in shown
    assert "arxiv.org/abs/2608.99999" not in shown  # not its own answer (the header names it)
    assert_valid_and_safe({"unfurl_links": False, "unfurl_media": False, **answer})
