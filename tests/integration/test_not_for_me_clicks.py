"""A "Not for me" click (issue 21) as a real signed `block_actions` request to the real bolt
app, on a digest message carrying the button `adapters/slack/buttons.not_for_me_button`
builds, with the real VoteService on a SQLite file: the mark is kept, the answer is
private, a second click takes it back; and once through the real discord.py client against
the fake gateway."""

from __future__ import annotations

import asyncio
import json
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import pytest

from adapters.discord import DiscordPlatform
from adapters.discord.buttons import not_for_me_button as discord_button
from adapters.slack.buttons import not_for_me_button
from adapters.slack.platform import SlackPlatform
from bot.commands.clicks import VoteService
from bot.records.chat import CommandContext, Reply
from bot.records.clock import FixedClock
from bot.records.models import ChannelRef, Subscription
from bot.records.people import person_ref
from bot.storage.sqlite.store import SqliteStore
from tests.fakes.discord_payloads import FakeUser
from tests.fakes.discord_setup import WAIT_S, config_for, fake_discord, no_sleep, serving
from tests.fakes.slack_api import FakeSlackApi
from tests.fakes.slack_digests import digest_of, real_papers
from tests.integration.test_slack_clicks import click_form, posted_digest
from tests.integration.test_slack_commands import CHANNEL, config, send

NOW = datetime(2026, 8, 22, 9, 0, tzinfo=UTC)
HERE = ChannelRef("slack", CHANNEL, "T0TEAM")
ALICE = "slack:T0TEAM:U1"
ADA = FakeUser(666_666_666_666_666_666, "ada")
EPHEMERAL = 64


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
    opened = await SqliteStore.open(tmp_path / "taste.db")
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


async def with_not_for_me(fake: FakeSlackApi) -> dict[str, Any]:
    """A posted digest whose papers carry the "Not for me" button too (as a DM digest's)."""
    message = await posted_digest(fake)
    for block in message["blocks"]:
        if block["type"] == "actions":
            arxiv_id = block["elements"][0]["action_id"].split(":", 2)[2]
            block["elements"].append(not_for_me_button(arxiv_id))
    fake.channels[CHANNEL].messages[-1] = dict(message)
    return message


async def test_not_for_me_is_kept_privately_and_a_second_click_takes_it_back(
    fake: FakeSlackApi, platform: SlackPlatform, store: SqliteStore
) -> None:
    message = await with_not_for_me(fake)
    paper = real_papers()[1]
    (button,) = [
        e
        for b in message["blocks"]
        if b["type"] == "actions"
        for e in b["elements"]
        if e["action_id"] == f"pb:n:{paper.arxiv_id}"
    ]
    assert button["text"]["text"] == "Not for me"
    status, _ = await send(platform, click_form(fake, message, button["action_id"]))
    assert status == 200
    await fake.wait_for(1, "click")
    (notice,) = fake.responses["click"]
    assert notice["response_type"] == "ephemeral"
    assert notice["text"].startswith("Noted: “")
    assert [p.arxiv_id for p in await store.not_for_me_papers(ALICE, 10)] == [paper.arxiv_id]
    assert await store.not_for_me_papers("slack:T0TEAM:U2", 10) == []
    await send(platform, click_form(fake, message, button["action_id"]))
    await fake.wait_for(2, "click")
    assert fake.responses["click"][1]["text"].startswith("Undone: “")
    assert await store.not_for_me_papers(ALICE, 10) == []
    assert fake.calls("chat.update") == []  # the message is never edited
    assert fake.calls("chat.postMessage") == []


async def test_not_for_me_works_in_a_channel_without_a_subscription(
    fake: FakeSlackApi, platform: SlackPlatform, store: SqliteStore
) -> None:
    await store.delete_subscription(HERE)  # the mark is the person's own, as a save is
    paper = real_papers()[0].arxiv_id
    await send(platform, click_form(fake, None, f"pb:n:{paper}"))
    await fake.wait_for(1, "click")
    assert fake.responses["click"][0]["text"].startswith("Noted: “")
    assert [p.arxiv_id for p in await store.not_for_me_papers(ALICE, 10)] == [paper]


async def test_not_for_me_through_discord_py_answers_privately_and_keeps_the_mark(
    tmp_path: Path,
) -> None:
    """The same click as a MESSAGE_COMPONENT interaction from the fake gateway through the
    real discord.py client (its DynamicItem template must take `pb:n:`)."""
    async with fake_discord() as gateway:
        here = ChannelRef("discord", str(gateway.guild.channel_id), str(gateway.guild.id))
        opened = await SqliteStore.open(tmp_path / "discord.db")
        try:
            await opened.upsert_papers(real_papers())
            votes = VoteService(opened, FixedClock(NOW))
            made = DiscordPlatform(
                config_for(gateway), sleep=no_sleep, guild_ready_timeout=0.0, clicks=votes.click
            )
            async with serving(made, no_commands):
                digest = digest_of(real_papers()[:2])
                await made.post_digest(here, digest, idempotency_key="nfm", first_attempt=True)
                [message] = [m for m in gateway.created if m["channel_id"] == here.channel_id]
                paper = real_papers()[1].arxiv_id
                button = discord_button(2, paper, row=1)  # as a DM digest's papers carry it
                row = {"type": 1, "components": [button.to_component_dict()]}
                message["components"] = [*message["components"], row]
                token = await gateway.click(message, f"pb:n:{paper}", ADA)
                async with asyncio.timeout(WAIT_S):
                    await gateway.wait_for(
                        lambda f: any(token in r.path for r in f.interaction_replies())
                    )
            [reply] = [r for r in gateway.interaction_replies() if token in r.path]
            assert reply.body["type"] == 4  # a message, not an edit of the digest
            assert reply.body["data"]["flags"] & EPHEMERAL
            assert reply.body["data"]["content"].startswith("Noted: “")
            marked = await opened.not_for_me_papers(f"discord::{ADA.id}", 10)
            assert [p.arxiv_id for p in marked] == [paper]
        finally:
            await opened.close()


async def test_save_and_not_for_me_clicks_in_a_discord_dm_count_for_the_person(
    tmp_path: Path,
) -> None:
    """A person's DM digest (no guild on its clicks) through the real discord.py client: 🔖
    and "Not for me" are kept under the person's global user key, answered privately."""
    async with fake_discord() as gateway:
        opened = await SqliteStore.open(tmp_path / "dm.db")
        try:
            await opened.upsert_papers(real_papers())
            votes = VoteService(opened, FixedClock(NOW))
            made = DiscordPlatform(
                config_for(gateway), sleep=no_sleep, guild_ready_timeout=0.0, clicks=votes.click
            )
            async with serving(made, no_commands):
                dm = await made.open_dm(person_ref("discord", "", str(ADA.id)))
                digest = replace(digest_of(real_papers()[:2]), personal=True)
                await made.post_digest(dm, digest, idempotency_key="dm", first_attempt=True)
                [message] = gateway.dm_messages(str(ADA.id))
                save, mark = (f"pb:{kind}:{real_papers()[1].arxiv_id}" for kind in "sn")
                buttons = [b["custom_id"] for r in message["components"] for b in r["components"]]
                assert save in buttons
                assert mark in buttons
                tokens = [await gateway.dm_click(message, button, ADA) for button in (save, mark)]
                async with asyncio.timeout(WAIT_S):
                    await gateway.wait_for(
                        lambda f: all(
                            any(t in r.path for r in f.interaction_replies()) for t in tokens
                        )
                    )
            replies = [
                next(r for r in gateway.interaction_replies() if t in r.path) for t in tokens
            ]
            assert [r.body["type"] for r in replies] == [4, 4]
            assert all(r.body["data"]["flags"] & EPHEMERAL for r in replies)
            assert replies[0].body["data"]["content"].startswith("Saved “")
            assert replies[1].body["data"]["content"].startswith("Noted: “")
            person = f"discord::{ADA.id}"
            assert [p.arxiv_id for p in await opened.saved_papers(person, 10)] == [
                real_papers()[1].arxiv_id
            ]
            assert len(await opened.not_for_me_papers(person, 10)) == 1
        finally:
            await opened.close()


def in_dm(form: dict[str, str], dm: str) -> dict[str, str]:
    """A click form as Slack sends it from the person's DM with the app (channel `dm`)."""
    payload = json.loads(form["payload"])
    payload["channel"] = {"id": dm, "name": "directmessage"}
    payload["container"]["channel_id"] = dm
    return {"payload": json.dumps(payload)}


async def test_save_and_not_for_me_under_a_slack_dm_digest_count_for_the_person(
    fake: FakeSlackApi, platform: SlackPlatform, store: SqliteStore
) -> None:
    """A DM digest posted by the real platform carries 🔖 and "Not for me" (no 👍); their
    clicks, signed requests from the DM to the real bolt app, are the person's own."""
    fake.add_channel("DU1")
    dm = ChannelRef("slack", "DU1", "T0TEAM")
    digest = replace(digest_of(real_papers()[:2]), personal=True)
    await platform.post_digest(dm, digest, idempotency_key="dm", first_attempt=True)
    [message] = [m for m in fake.channels["DU1"].messages if "thread_ts" not in m]
    buttons = [
        e["action_id"] for b in message["blocks"] if b["type"] == "actions" for e in b["elements"]
    ]
    paper = real_papers()[1].arxiv_id
    assert f"pb:s:{paper}" in buttons
    assert f"pb:n:{paper}" in buttons
    assert not [b for b in buttons if b.startswith("pb:v:")], "no vote in a DM"
    for number, action in enumerate((f"pb:s:{paper}", f"pb:n:{paper}"), 1):
        status, _ = await send(platform, in_dm(click_form(fake, message, action), "DU1"))
        assert status == 200
        await fake.wait_for(number, "click")
    saved, noted = fake.responses["click"]
    assert saved["text"].startswith("Saved “")
    assert noted["text"].startswith("Noted: “")
    assert [p.arxiv_id for p in await store.saved_papers(ALICE, 10)] == [paper]
    assert [p.arxiv_id for p in await store.not_for_me_papers(ALICE, 10)] == [paper]
