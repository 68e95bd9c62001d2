"""End to end on Slack: a signed `/papers saved export` or `top ... export` to the real bolt
app, answered by the real command chain (bot/app/bootstrap.py) on a real SQLite file, the
file uploaded by the real AsyncWebClient through Slack's two upload steps to the fake.

A private export lands only in the requester's direct message with the bot (linked from an
ephemeral answer); a `public` one only in the channel.
"""

from __future__ import annotations

import csv
import io
import itertools
import time
from collections.abc import AsyncIterator
from pathlib import Path
from urllib.parse import urlencode

import aiohttp
import pytest
from pybtex.database import parse_string
from slack_sdk.signature import SignatureVerifier

from adapters.slack.files import MISSING_SCOPE, NOT_IN_CHANNEL
from adapters.slack.platform import SlackPlatform
from bot.app.bootstrap import App, build_app
from bot.commands.clicks import user_key
from bot.config.load import Config, SlackConfig
from bot.records.models import ChannelRef
from tests.fakes.slack_api import FakeSlackApi, Scripted
from tests.fakes.slack_digests import real_papers

SECRET = "e2e-signing-secret"
TRIGGERS = itertools.count(1)
CHANNEL = ChannelRef("slack", "C0PAPERS", "T0TEAM")
UPLOAD_STEPS = ["files.getUploadURLExternal", "upload", "files.completeUploadExternal"]

World = tuple[FakeSlackApi, SlackPlatform, App]


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    slack = FakeSlackApi(team_id=CHANNEL.workspace)
    await slack.start()
    slack.add_channel(CHANNEL.channel_id)
    app = await build_app(Config(database_url=f"sqlite:///{tmp_path / 'p.db'}", source="sample"))
    config = SlackConfig(
        enabled=True,
        mode="http",
        bot_token="xoxb-e2e",
        signing_secret=SECRET,
        api_base_url=slack.base_url,
    )
    platform = SlackPlatform(config, http_host="127.0.0.1", http_port=0)
    await platform.start(app.handle)
    try:
        yield slack, platform, app
    finally:
        await platform.stop()
        await app.aclose()
        await slack.close()


async def slash(platform: SlackPlatform, slack: FakeSlackApi, text: str, user: str) -> None:
    form = {
        "team_id": CHANNEL.workspace,
        "channel_id": CHANNEL.channel_id,
        "user_id": user,
        "user_name": user.lower(),
        "command": "/papers",
        "text": text,
        "response_url": slack.response_url("cmd"),
        "trigger_id": f"{next(TRIGGERS)}.738474920.8088930838d",
    }
    body = urlencode(form)
    timestamp = str(int(time.time()))  # bolt checks the signature's age on the wall clock
    signature = SignatureVerifier(SECRET).generate_signature(timestamp=timestamp, body=body)
    assert signature is not None
    headers = {
        "Content-Type": "application/x-www-form-urlencoded",
        "X-Slack-Request-Timestamp": timestamp,
        "X-Slack-Signature": signature,
    }
    url = f"http://127.0.0.1:{platform.bound_port}/slack/events"
    async with (
        aiohttp.ClientSession() as session,
        session.post(url, data=body, headers=headers) as r,
    ):
        assert r.status == 200


async def saved_by(app: App, user: str, count: int) -> list[str]:
    papers = real_papers()[:count]
    await app.store.upsert_papers(papers)
    now = app.votes.clock.now()
    for paper in papers:
        await app.store.toggle_save(user_key(CHANNEL, user), paper.arxiv_id, now)
    return [p.arxiv_id for p in papers]


def steps(slack: FakeSlackApi) -> list[str]:
    return [r.method for r in slack.requests if r.method in {*UPLOAD_STEPS, "conversations.open"}]


async def test_a_private_export_reaches_only_the_requester_in_a_direct_message(
    world: World,
) -> None:
    slack, platform, app = world
    ids = await saved_by(app, "UALICE", 3)
    await slash(platform, slack, "saved export bibtex", "UALICE")
    await slack.wait_for(1)
    assert steps(slack) == ["conversations.open", *UPLOAD_STEPS]
    (file,) = slack.files.values()
    dm = slack.ims["UALICE"]
    assert file.shares == [dm]  # the DM with her, and nowhere else
    assert file.filename.startswith("paperbot-saved-")
    assert file.filename.endswith(".bib")
    assert file.content is not None
    parsed = parse_string(file.content.decode("utf-8"), "bibtex")
    assert sorted(e.fields["eprint"] for e in parsed.entries.values()) == sorted(ids)
    assert not any("files" in m for m in slack.channels[CHANNEL.channel_id].messages)
    (answer,) = slack.responses["cmd"]
    assert answer["response_type"] == "ephemeral"
    assert "Your 3 papers saved, as BibTeX" in answer["text"]
    assert f"<https://fake.slack.com/files/UBOT/{file.id}|our direct messages>" in answer["text"]


async def test_a_public_top_export_is_shared_in_the_channel_only(world: World) -> None:
    slack, platform, app = world
    papers = real_papers()[:2]
    await app.store.upsert_papers(papers)
    key = await app.store.vote_key(CHANNEL.key)
    now = app.votes.clock.now()
    for voter in ("UALICE", "UBOB"):
        await app.store.toggle_vote(key, papers[1].arxiv_id, voter, now)
    await app.store.toggle_vote(key, papers[0].arxiv_id, "UBOB", now)
    await slash(platform, slack, "top week export csv public", "UBOB")
    await slack.wait_calls("files.completeUploadExternal", 1)
    await slack.wait_until(lambda s: any(f.completed for f in s.files.values()))
    assert steps(slack) == UPLOAD_STEPS  # no direct message opened
    (file,) = slack.files.values()
    assert file.shares == [CHANNEL.channel_id]
    (message,) = [m for m in slack.channels[CHANNEL.channel_id].messages if "files" in m]
    assert "This channel's 2 papers most voted, as CSV" in message["text"]
    assert file.content is not None
    rows = list(csv.reader(io.StringIO(file.content.decode("utf-8-sig"))))
    assert [(r[0], r[-1]) for r in rows[1:]] == [
        (papers[1].arxiv_id, "2"),
        (papers[0].arxiv_id, "1"),
    ]


async def test_a_refused_upload_is_said_to_the_requester_alone(world: World) -> None:
    slack, platform, app = world
    await saved_by(app, "UALICE", 1)
    slack.script("files.getUploadURLExternal", Scripted(error="missing_scope"))
    await slash(platform, slack, "saved export md", "UALICE")
    await slack.wait_for(1)
    (answer,) = slack.responses["cmd"]
    assert answer["response_type"] == "ephemeral"
    assert answer["text"] == MISSING_SCOPE
    assert slack.calls("files.completeUploadExternal") == []


async def test_a_public_export_where_the_bot_is_not_invited_says_how_to_invite_it(
    world: World,
) -> None:
    slack, platform, app = world
    slack.channels[CHANNEL.channel_id].is_member = False
    papers = real_papers()[:1]
    await app.store.upsert_papers(papers)
    key = await app.store.vote_key(CHANNEL.key)
    await app.store.toggle_vote(key, papers[0].arxiv_id, "UBOB", app.votes.clock.now())
    await slash(platform, slack, "top export bibtex public", "UBOB")
    await slack.wait_for(1)
    (answer,) = slack.responses["cmd"]
    assert answer["response_type"] == "ephemeral"
    assert answer["text"] == NOT_IN_CHANNEL
    assert [f.shares for f in slack.files.values()] == [[]]  # uploaded, shared nowhere


async def test_nothing_saved_is_said_and_no_file_is_made(world: World) -> None:
    slack, platform, _ = world
    await slash(platform, slack, "saved export csv", "UALICE")
    await slack.wait_for(1)
    assert "You have no saved papers to export." in slack.responses["cmd"][0]["text"]
    assert slack.files == {}
