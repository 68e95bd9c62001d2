"""👍 and 🔖 clicks as real signed `block_actions` requests to the real bolt app (HTTP mode)
and as Socket Mode envelopes, with the real VoteService on a SQLite file: counts change in
the posted message (chat.update), notices are private, bad clicks get nothing or a line.
"""

from __future__ import annotations

import asyncio
import itertools
import json
import logging
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path
from typing import Any

import pytest

from adapters.slack.platform import SlackPlatform
from adapters.slack.render import render_digest
from bot.commands.clicks import NOT_SUBSCRIBED, PAUSED, UNKNOWN_PAPER, VoteService
from bot.records.chat import Click, CommandContext, Reply
from bot.records.clock import FixedClock
from bot.records.digest import Digest, DigestEntry
from bot.records.models import ChannelRef, Subscription
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_digests import real_papers
from tests.integration.test_slack_commands import CHANNEL, config, send

NOW = datetime(2026, 8, 22, 9, 0, tzinfo=UTC)
CLICKS = itertools.count(1)  # Slack stamps every click and trigger anew
HERE = ChannelRef("slack", CHANNEL, "T0TEAM")


async def no_commands(ctx: CommandContext, text: str) -> Reply:
    return Reply("unused")


@pytest.fixture
async def fake() -> AsyncIterator[FakeSlackApi]:
    api = FakeSlackApi(team_id="T0TEAM")
    await api.start()
    api.add_channel(CHANNEL)
    yield api
    await api.close()


@pytest.fixture
async def store(tmp_path: Path) -> AsyncIterator[SqliteStore]:
    opened = await SqliteStore.open(tmp_path / "votes.db")
    await opened.upsert_papers(real_papers())
    await opened.save_subscription(Subscription(HERE))
    yield opened
    await opened.close()


@pytest.fixture
async def platform(fake: FakeSlackApi, store: SqliteStore) -> AsyncIterator[SlackPlatform]:
    votes = VoteService(store, FixedClock(NOW))
    made = SlackPlatform(config(fake), http_host="127.0.0.1", http_port=0, clicks=votes.click)
    await made.start(no_commands)
    yield made
    await made.stop()


async def posted_digest(fake: FakeSlackApi) -> dict[str, Any]:
    """A digest message as the fake channel holds it (what Slack would send back)."""
    papers = real_papers()[:3]
    entries = tuple(DigestEntry(n, p, "") for n, p in enumerate(papers, 1))
    digest = Digest(date(2026, 8, 21), entries)
    (part,) = render_digest(digest)
    ts = "1700000000.000100"
    message = {"ts": ts, "text": part.message.text, "blocks": list(part.message.blocks)}
    fake.channels[CHANNEL].messages.append(dict(message))
    return message


def click_form(
    fake: FakeSlackApi, message: dict[str, Any] | None, action_id: Any, user: str = "U1"
) -> dict[str, str]:
    payload: dict[str, Any] = {
        "type": "block_actions",
        "team": {"id": "T0TEAM", "domain": "papers"},
        "user": {"id": user, "team_id": "T0TEAM"},
        "api_app_id": "A0APP",
        "channel": {"id": CHANNEL, "name": "papers"},
        "container": {"type": "message", "channel_id": CHANNEL, "is_ephemeral": message is None},
        "response_url": fake.response_url("click"),
        "trigger_id": f"{next(CLICKS)}.738474920.8088930838d",
        "actions": [  # Slack stamps every click anew (the same stamp again is a replay)
            {
                "type": "button",
                "action_id": action_id,
                "block_id": "b",
                "action_ts": f"1700000000.{next(CLICKS):06d}",
            }
        ],
    }
    if message is not None:
        payload["message"] = message
        payload["container"]["message_ts"] = message["ts"]
    return {"payload": json.dumps(payload)}


def vote_labels(blocks: list[dict[str, Any]]) -> list[str]:
    return [
        e["text"]["text"]
        for b in blocks
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"].startswith("pb:v:")
    ]


async def test_a_vote_updates_the_count_in_place_and_a_second_click_takes_it_back(
    fake: FakeSlackApi, platform: SlackPlatform
) -> None:
    message = await posted_digest(fake)
    paper = real_papers()[1].arxiv_id
    status, _ = await send(platform, click_form(fake, message, f"pb:v:{paper}"))
    assert status == 200
    await fake.wait_calls("chat.update", 1)
    stored = fake.channels[CHANNEL].messages[0]
    assert vote_labels(stored["blocks"]) == ["👍", "👍 1", "👍"]
    await send(platform, click_form(fake, stored, f"pb:v:{paper}", user="U2"))
    await fake.wait_calls("chat.update", 2)
    assert vote_labels(fake.channels[CHANNEL].messages[0]["blocks"]) == ["👍", "👍 2", "👍"]
    await send(platform, click_form(fake, fake.channels[CHANNEL].messages[0], f"pb:v:{paper}"))
    await fake.wait_calls("chat.update", 3)
    assert vote_labels(fake.channels[CHANNEL].messages[0]["blocks"]) == ["👍", "👍 1", "👍"]
    assert fake.calls("chat.postMessage") == []  # a click never posts in the channel
    assert "click" not in fake.responses


async def test_a_save_answers_privately_and_never_edits_the_message(
    fake: FakeSlackApi, platform: SlackPlatform, store: SqliteStore
) -> None:
    message = await posted_digest(fake)
    paper = real_papers()[0]
    await send(platform, click_form(fake, message, f"pb:s:{paper.arxiv_id}"))
    await fake.wait_for(1, "click")
    (notice,) = fake.responses["click"]
    assert notice["response_type"] == "ephemeral"
    assert notice["replace_original"] is False
    assert notice["text"].startswith("Saved “")
    assert fake.calls("chat.update") == []
    assert [p.arxiv_id for p in await store.saved_papers("slack:T0TEAM:U1", 10)] == [paper.arxiv_id]


async def test_a_vote_on_an_ephemeral_reply_gets_the_count_privately(
    fake: FakeSlackApi, platform: SlackPlatform
) -> None:
    await send(platform, click_form(fake, None, f"pb:v:{real_papers()[0].arxiv_id}"))
    await fake.wait_for(1, "click")
    assert fake.responses["click"][0]["text"] == "👍 1 in this channel now."
    assert fake.calls("chat.update") == []


@pytest.mark.parametrize(
    ("action_id", "answer"),
    [
        ("pb:v:2601.00001", UNKNOWN_PAPER),  # well-formed, but a paper the store lacks
        ("pb:s:2601.00001", UNKNOWN_PAPER),
    ],
)
async def test_an_unknown_paper_gets_a_short_private_line(
    fake: FakeSlackApi, platform: SlackPlatform, action_id: str, answer: str
) -> None:
    await send(platform, click_form(fake, await posted_digest(fake), action_id))
    await fake.wait_for(1, "click")
    assert fake.responses["click"][0]["text"] == answer
    assert fake.calls("chat.update") == []


async def test_votes_in_a_paused_or_unsubscribed_channel_are_refused(
    fake: FakeSlackApi, platform: SlackPlatform, store: SqliteStore
) -> None:
    message = await posted_digest(fake)
    paper = real_papers()[0].arxiv_id
    await store.save_subscription(Subscription(HERE, paused_reason="not_in_channel"))
    await send(platform, click_form(fake, message, f"pb:v:{paper}"))
    await fake.wait_for(1, "click")
    await store.delete_subscription(HERE)
    await send(platform, click_form(fake, message, f"pb:v:{paper}"))
    await fake.wait_for(2, "click")
    assert [r["text"] for r in fake.responses["click"]] == [PAUSED, NOT_SUBSCRIBED]
    assert await store.vote_counts(HERE.key, [paper]) == {}


@pytest.mark.parametrize(
    "action_id",
    ["pb:v:2608.19880v2", "pb:x:1", "pb:v:" + "9" * 3000, 7, None, "pb:v:2608.19880\n"],
)
async def test_a_forged_action_is_acked_and_ignored_without_a_traceback(
    fake: FakeSlackApi, platform: SlackPlatform, action_id: Any, caplog: pytest.LogCaptureFixture
) -> None:
    # bolt routes only action ids that start with "pb:"; the rest never reach us, and the
    # non-string ones are refused at the door (400): every one is answered, no more
    status, _ = await send(platform, click_form(fake, await posted_digest(fake), action_id))
    assert status == (200 if isinstance(action_id, str) else 400)
    await send(platform, click_form(fake, None, f"pb:s:{real_papers()[0].arxiv_id}"))
    await fake.wait_for(1, "click")  # the next, good click is answered: nothing hung
    assert len(fake.responses["click"]) == 1
    assert fake.calls("chat.update") == []
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


async def test_an_unsigned_click_is_refused(fake: FakeSlackApi, platform: SlackPlatform) -> None:
    form = click_form(fake, None, f"pb:v:{real_papers()[0].arxiv_id}")
    status, _ = await send(platform, form, signed=False)
    assert status == 401
    status, _ = await send(platform, form, age_s=6 * 60)  # a replay after five minutes
    assert status == 401


def test_a_click_from_a_payload_without_a_user_is_not_made() -> None:
    from adapters.slack.actions import click_of

    assert click_of({"channel": {"id": "C1"}}, {"action_id": "pb:v:2608.19880"}) is None
    assert click_of({"channel": {"id": "C1"}, "user": {"id": "U<1>"}}, {}) is None
    made = click_of(
        {"channel": {"id": "C1"}, "user": {"id": "U1", "team_id": "T1"}}, {"action_id": "x"}
    )
    assert made == Click(ChannelRef("slack", "C1", "T1"), "U1", "x")


async def test_socket_mode_clicks_are_acked_over_the_websocket_and_counted_in_place(
    fake: FakeSlackApi, store: SqliteStore
) -> None:
    votes = VoteService(store, FixedClock(NOW))
    socket = SlackPlatform(config(fake, mode="socket", signing_secret=""), clicks=votes.click)
    serving = asyncio.create_task(socket.start(no_commands))  # serves until stop()
    message = await posted_digest(fake)
    paper = real_papers()[1].arxiv_id
    try:
        await fake.wait_sockets()
        for action_id, user in ((f"pb:v:{paper}", "U1"), (f"pb:v:{paper}", "U2")):
            payload = json.loads(click_form(fake, message, action_id, user)["payload"])
            ack = await fake.send_envelope("interactive", payload)
            assert ack["envelope_id"]  # acked on the socket, as Slack wants within 3 s
            await fake.wait_calls("chat.update", 1 + (user == "U2"))
            message = fake.channels[CHANNEL].messages[0]  # what Slack sends with the next click
        forged = json.loads(click_form(fake, message, "pb:v:2608.19880v2")["payload"])
        assert (await fake.send_envelope("interactive", forged))["envelope_id"]
        saved = json.loads(click_form(fake, message, f"pb:s:{paper}")["payload"])
        assert (await fake.send_envelope("interactive", saved))["envelope_id"]
        await fake.wait_for(1, "click")
    finally:
        await socket.stop()
        async with asyncio.timeout(5):
            await serving
    assert vote_labels(fake.channels[CHANNEL].messages[0]["blocks"]) == ["👍", "👍 2", "👍"]
    assert len(fake.calls("chat.update")) == 2  # the forged click and the save edited nothing
    [notice] = fake.responses["click"]  # only the save answered, privately
    assert notice["text"].startswith("Saved “")
    assert notice["response_type"] == "ephemeral"
    assert fake.calls("chat.postMessage") == []
    assert await store.vote_counts(HERE.key, [paper]) == {paper: 2}
