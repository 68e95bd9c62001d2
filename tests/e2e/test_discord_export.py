"""End to end on Discord: `/papers saved export:` and `/papers top export: public:` through
the real discord.py client and gateway against the fake, answered by the real command chain
(bot/app/bootstrap.py) on a real SQLite file: the file arrives as a multipart attachment of
the interaction's follow-up, its bytes parse, and it is ephemeral unless `public`.
"""

from __future__ import annotations

import asyncio
import csv
import io
import itertools
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from pybtex.database import parse_string

from adapters.discord import DiscordPlatform
from bot.app.bootstrap import App, build_app
from bot.commands.clicks import user_key
from bot.config.load import Config
from bot.records.models import ChannelRef
from tests.fakes.discord_api import FakeDiscord, Recorded
from tests.fakes.discord_payloads import MEMBER_PERMISSIONS, FakeUser, slash_command
from tests.fakes.discord_setup import WAIT_S, config_for, fake_discord, no_sleep, serving
from tests.fakes.slack_digests import real_papers

ADA = FakeUser(666_666_666_666_666_666, "ada")
EPHEMERAL = 64
_ids = itertools.count(710_000_000_000_000_001)

World = tuple[FakeDiscord, App]


@pytest.fixture
async def world(tmp_path: Path) -> AsyncIterator[World]:
    app = await build_app(Config(database_url=f"sqlite:///{tmp_path / 'p.db'}", source="sample"))
    try:
        async with fake_discord() as fake:
            platform = DiscordPlatform(config_for(fake), sleep=no_sleep, guild_ready_timeout=0.0)
            async with serving(platform, app.handle):
                yield fake, app
    finally:
        await app.aclose()


def channel(fake: FakeDiscord) -> ChannelRef:
    return ChannelRef("discord", str(fake.guild.channel_id), str(fake.guild.id))


async def command(fake: FakeDiscord, subcommand: str, **options: Any) -> list[Recorded]:
    """`/papers <subcommand>` by Ada, a member; its deferral and its follow-up."""
    interaction_id = next(_ids)
    payload = slash_command(
        interaction_id=interaction_id,
        app_id=fake.app_id,
        guild=fake.guild,
        user=ADA,
        permissions=MEMBER_PERMISSIONS,
        subcommand=subcommand,
        options=options,
    )
    await fake.dispatch("INTERACTION_CREATE", payload)
    token = f"interaction-token-{interaction_id}"

    def replies(f: FakeDiscord) -> list[Recorded]:
        return [r for r in f.interaction_replies() if token in r.path]

    async with asyncio.timeout(WAIT_S):
        await fake.wait_for(lambda f: len(replies(f)) >= 2)
    return replies(fake)


async def test_a_saved_export_is_an_ephemeral_attachment_for_the_requester(world: World) -> None:
    fake, app = world
    papers = real_papers()[:3]
    await app.store.upsert_papers(papers)
    for paper in papers:
        key = user_key(channel(fake), str(ADA.id))
        await app.store.toggle_save(key, paper.arxiv_id, app.votes.clock.now())
    defer, follow_up = await command(fake, "saved", export="bibtex")
    assert defer.body == {"type": 5, "data": {"flags": EPHEMERAL}}
    assert follow_up.headers["Content-Type"].startswith("multipart/form-data")
    assert follow_up.body["flags"] == EPHEMERAL  # only Ada sees it, and its file
    assert "Your 3 papers saved, as BibTeX" in follow_up.body["content"]
    (file,) = follow_up.files
    assert file.filename.startswith("paperbot-saved-")
    assert file.filename.endswith(".bib")
    parsed = parse_string(file.data.decode("utf-8"), "bibtex")
    eprints = sorted(e.fields["eprint"] for e in parsed.entries.values())
    assert eprints == sorted(p.arxiv_id for p in papers)
    assert fake.messages() == []  # nothing posted in the channel


async def test_a_public_top_export_is_an_attachment_the_channel_sees(world: World) -> None:
    fake, app = world
    papers = real_papers()[:2]
    await app.store.upsert_papers(papers)
    key = await app.store.vote_key(channel(fake).key)
    await app.store.toggle_vote(key, papers[0].arxiv_id, "discord::1", app.votes.clock.now())
    defer, follow_up = await command(fake, "top", period="all", export="csv", public=True)
    assert defer.body == {"type": 5}  # deferred publicly: the channel will see it
    assert not follow_up.body.get("flags")
    (file,) = follow_up.files
    assert file.filename.startswith("paperbot-top-all-")
    assert file.filename.endswith(".csv")
    rows = list(csv.reader(io.StringIO(file.data.decode("utf-8-sig"))))
    assert [(r[0], r[-1]) for r in rows[1:]] == [(papers[0].arxiv_id, "1")]


async def test_an_export_with_nothing_in_it_says_so_without_a_file(world: World) -> None:
    fake, _ = world
    _, follow_up = await command(fake, "saved", export="markdown")
    assert follow_up.files == ()
    assert "You have no saved papers to export." in follow_up.body["content"]
