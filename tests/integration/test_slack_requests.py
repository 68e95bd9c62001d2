"""Signed Slack requests that are replays, junk or full of secrets, through the real bolt
app (HTTP mode, signed as Slack signs) and the real replay guard on a SQLite file: a replay
is acknowledged and does nothing, junk gets a 400 and one log line, and at DEBUG the log
holds no `response_url`.
"""

from __future__ import annotations

import asyncio
import json
import logging
import socket
from collections.abc import AsyncIterator, Iterator
from pathlib import Path
from typing import Any

import pytest

from adapters.slack.platform import SlackPlatform
from bot.app import log_redaction
from bot.chat.replays import ReplayGuard
from bot.commands.clicks import VoteService
from bot.records.clock import FixedClock
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.slack_api import FakeSlackApi, Scripted
from tests.fakes.slack_digests import real_papers
from tests.integration.test_slack_clicks import (
    HERE,
    NOW,
    click_form,
    fake,
    posted_digest,
    store,
    vote_labels,
)
from tests.integration.test_slack_commands import (
    CHANNEL,
    RecordingHandler,
    command_form,
    config,
    send,
)

__all__ = ["fake", "store"]  # fixtures


def guarded(fake: FakeSlackApi, store: SqliteStore, **kwargs: Any) -> SlackPlatform:
    """An HTTP-mode platform as `paperbot run` builds it: votes and the replay guard on
    `store` (kwargs: the config's)."""
    clock = FixedClock(NOW)
    return SlackPlatform(
        config(fake, **kwargs),
        http_host="127.0.0.1",
        http_port=0,
        clicks=VoteService(store, clock).click,
        first_time=ReplayGuard(store, clock).first_time,
    )


@pytest.fixture
async def handler() -> RecordingHandler:
    return RecordingHandler()


@pytest.fixture
async def platform(
    fake: FakeSlackApi, store: SqliteStore, handler: RecordingHandler
) -> AsyncIterator[SlackPlatform]:
    made = guarded(fake, store)
    await made.start(handler)
    yield made
    await made.stop()


# ------------------------------------------------------------------ replays


async def test_a_replayed_command_is_acknowledged_and_runs_once(
    fake: FakeSlackApi, platform: SlackPlatform, handler: RecordingHandler
) -> None:
    form = command_form(fake, "help") | {"trigger_id": "13345224609.738474920.8088930838d"}
    first = await send(platform, form)
    replay = await send(platform, form)  # the same signed body, within five minutes
    assert first[0] == 200
    assert first[1] is not None
    assert replay == (200, None)  # acknowledged, and nothing said
    assert [text for _, text in handler.calls] == ["help"]
    other = form | {"trigger_id": "13345224609.738474920.0000000000a"}
    assert (await send(platform, other))[1] is not None  # another command runs
    assert len(handler.calls) == 2


async def test_a_replay_to_another_worker_on_the_same_store_runs_nothing(
    fake: FakeSlackApi, platform: SlackPlatform, handler: RecordingHandler, tmp_path: Path
) -> None:
    form = command_form(fake, "subscribe agents") | {"trigger_id": "1.2.worker"}
    assert await send(platform, form) == (200, None)
    await fake.wait_for(1)
    second_store = await SqliteStore.open(tmp_path / "votes.db")  # the fixture's file
    second = guarded(fake, second_store)
    await second.start(handler)
    try:
        assert await send(second, form) == (200, None)
    finally:
        await second.stop()
        await second_store.close()
    assert len(handler.calls) == 1
    assert len(fake.responses["cmd"]) == 1


async def test_a_replayed_click_does_not_take_the_vote_back(
    fake: FakeSlackApi, platform: SlackPlatform, store: SqliteStore
) -> None:
    message = await posted_digest(fake)
    paper = real_papers()[1].arxiv_id
    form = click_form(fake, message, f"pb:v:{paper}")
    for _ in range(3):  # the click, then two replays of its signed body
        assert (await send(platform, form))[0] == 200
    await fake.wait_calls("chat.update", 1)
    assert await store.vote_counts(HERE.key, [paper]) == {paper: 1}
    # a second, real click by the same user (a new action_ts) takes the vote back
    again = json.loads(form["payload"])
    again["actions"][0]["action_ts"] = "1.6"
    await send(platform, {"payload": json.dumps(again)})
    await fake.wait_calls("chat.update", 2)
    assert await store.vote_counts(HERE.key, [paper]) == {}
    assert len(fake.calls("chat.update")) == 2
    assert vote_labels(fake.channels[CHANNEL].messages[0]["blocks"]) == ["👍", "👍", "👍"]


# ------------------------------------------------------------------ junk


def signed_payload(fake: FakeSlackApi, **changes: Any) -> dict[str, str]:
    payload = json.loads(click_form(fake, None, f"pb:v:{real_papers()[0].arxiv_id}")["payload"])
    return {"payload": json.dumps(payload | changes)}


JUNK = {
    "actions is an object": lambda fake: signed_payload(fake, actions={"action_id": "pb:v:1"}),
    "actions is empty": lambda fake: signed_payload(fake, actions=[]),
    "payload is not JSON": lambda fake: {"payload": "{not json"},
    "payload is a list": lambda fake: {"payload": "[1, 2]"},
    "payload nested deep": lambda fake: {"payload": "[" * 100_000 + "]" * 100_000},
}


@pytest.mark.parametrize("junk", JUNK.values(), ids=JUNK.keys())
async def test_a_signed_junk_click_gets_a_400_and_one_log_line(
    fake: FakeSlackApi,
    platform: SlackPlatform,
    junk: Any,
    caplog: pytest.LogCaptureFixture,
) -> None:
    caplog.set_level(logging.INFO, logger="adapters")
    caplog.set_level(logging.INFO, logger="slack_bolt")
    status, body = await send(platform, junk(fake))
    assert status == 400
    assert body is not None
    assert body["error"]
    ours = [r for r in caplog.records if r.name.startswith(("adapters", "slack_bolt"))]
    assert len(ours) == 1
    assert ours[0].getMessage().startswith("Slack HTTP: refused a request (")
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]
    await send(platform, click_form(fake, None, f"pb:s:{real_papers()[0].arxiv_id}"))
    await fake.wait_for(1, "click")  # the next, good click is answered


NESTED = {"id": 5, "enterprise": 5, "team": 5, "user": 5, "channel": 5, "ts": 5}
WRONG_VALUES = [5, True, [], {}, [5], [NESTED], NESTED, "text", None]
READ_FIELDS = [
    "type", "team", "user", "channel", "enterprise", "container", "message", "view",
    "event", "item", "authorizations", "actions", "trigger_id", "response_url", "team_id",
    "user_id", "channel_id", "enterprise_id", "api_app_id", "token", "is_enterprise_install",
    "previous_message", "assistant_thread", "function_data", "thread_ts", "tokens",
    "function", "context",
]  # fmt: skip


async def test_no_signed_payload_makes_bolt_raise_whatever_field_is_wrong(
    fake: FakeSlackApi, platform: SlackPlatform, caplog: pytest.LogCaptureFixture
) -> None:
    """Every field bolt or a listener reads, set to each wrong type in turn, each action
    field likewise, and a command missing any one field: answered 200, 400 or 404, never
    a 500 or a traceback."""
    statuses = set()
    for field in READ_FIELDS:
        for value in WRONG_VALUES:
            status, _ = await send(platform, signed_payload(fake, **{field: value}))
            statuses.add(status)
    for field in ("action_id", "block_id", "action_ts", "type", "value"):
        for value in WRONG_VALUES:
            payload = json.loads(signed_payload(fake)["payload"])
            payload["actions"][0][field] = value
            status, _ = await send(platform, {"payload": json.dumps(payload)})
            statuses.add(status)
    for field in command_form(fake, "x"):  # a command missing any one field
        form = command_form(fake, "subscribe agents")
        del form[field]
        status, _ = await send(platform, form)
        statuses.add(status)
    assert statuses <= {200, 400, 404}
    assert 400 in statuses
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


# ------------------------------------------------------------------ secrets in the log


@pytest.fixture
def hooks_on_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """hooks.slack.com resolves to 127.0.0.1 (the fake serves the response URLs): the real
    respond() posts there, as to Slack, and no test reaches the internet."""
    real = socket.getaddrinfo

    def resolve(host: Any, *args: Any, **kwargs: Any) -> Any:
        return real("127.0.0.1" if host == "hooks.slack.com" else host, *args, **kwargs)

    monkeypatch.setattr(socket, "getaddrinfo", resolve)


@pytest.fixture
def redacted_log(caplog: pytest.LogCaptureFixture) -> Iterator[pytest.LogCaptureFixture]:
    """Everything at DEBUG, through the filter `paperbot run` installs on the handlers."""
    caplog.set_level(logging.DEBUG)
    installed = log_redaction.install()
    try:
        yield caplog
    finally:
        for handler in logging.getLogger().handlers:
            handler.removeFilter(installed)


async def test_at_debug_the_log_holds_no_response_url(
    fake: FakeSlackApi,
    platform: SlackPlatform,
    hooks_on_loopback: None,
    redacted_log: pytest.LogCaptureFixture,
) -> None:
    hooks = f"http://hooks.slack.com:{fake.port}/respond"
    malformed = json.loads(click_form(fake, None, 7)["payload"])  # bolt dropped it, loudly
    malformed["response_url"] = f"{hooks}/click"
    await send(platform, {"payload": json.dumps(malformed)})
    unrouted = json.loads(click_form(fake, None, "other:button")["payload"])
    unrouted["response_url"] = f"{hooks}/click"
    await send(platform, {"payload": json.dumps(unrouted)})
    form = command_form(fake, "subscribe agents") | {"response_url": f"{hooks}/cmd"}
    assert await send(platform, form) == (200, None)
    await fake.wait_for(1)  # answered through response_url: slack_sdk logged that post
    fake.script("chat.update", Scripted(error="invalid_auth"))  # a failure logs too
    text = redacted_log.text + "\n".join(r.getMessage() for r in redacted_log.records)
    assert "hooks.slack.com" not in text
    assert "legacy-verification-token" not in text
    assert "xoxb-test" not in text
    assert "[redacted]" in text  # there was something to take out


async def test_socket_mode_junk_is_acked_with_one_line_and_the_next_click_counts(
    fake: FakeSlackApi, store: SqliteStore, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.INFO)
    clock = FixedClock(NOW)
    socket_platform = SlackPlatform(
        config(fake, mode="socket", signing_secret=""),
        clicks=VoteService(store, clock).click,
        first_time=ReplayGuard(store, clock).first_time,
    )
    serving = asyncio.create_task(socket_platform.start(RecordingHandler()))
    message = await posted_digest(fake)
    paper = real_papers()[1].arxiv_id
    try:
        await fake.wait_sockets()
        junk = json.loads(signed_payload(fake, actions={"action_id": "pb:v:1"})["payload"])
        assert (await fake.send_envelope("interactive", junk))["envelope_id"]
        click = json.loads(click_form(fake, message, f"pb:v:{paper}")["payload"])
        for _ in range(2):  # Slack retrying an envelope it thinks was lost: counted once
            assert (await fake.send_envelope("interactive", click))["envelope_id"]
        await fake.wait_calls("chat.update", 1)
    finally:
        await socket_platform.stop()
        async with asyncio.timeout(5):
            await serving
    assert await store.vote_counts(HERE.key, [paper]) == {paper: 1}
    [dropped] = [r for r in caplog.records if "malformed" in r.getMessage()]
    assert dropped.getMessage() == (
        "Slack: dropped a malformed Socket Mode payload (actions is not a list of objects)"
    )
    assert not [r for r in caplog.records if r.exc_info or r.levelno >= logging.ERROR]


async def test_a_command_whose_text_says_payload_reaches_the_handler(
    fake: FakeSlackApi, platform: SlackPlatform, handler: RecordingHandler
) -> None:
    # bolt reads any form body holding the letters "payload" as a click's `payload=` field,
    # and an empty body when there is none: the command went unanswered ("unhandled")
    status, body = await send(platform, command_form(fake, "help payload"))
    assert status == 200
    assert body is not None
    assert [text for _, text in handler.calls] == ["help payload"]
    assert handler.calls[0][0].channel == HERE
