"""The console tries every vote verb offline, through the same command chain and click
handler as the chat platforms (bot/app/bootstrap.py), on the shipped sample and a real SQLite
file: `vote <n>` and `save <n>` under the papers on screen, `/papers saved`, `top`,
`settings cadence`, and `link` between two console channels (`channel <name>`)."""

from __future__ import annotations

import io
import re
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from adapters.console import ConsolePlatform
from adapters.console.clicks import CHANNEL_USAGE, CLICK_USAGE, NOTHING_SHOWN
from bot.app.bootstrap import App, build_app, make_platforms
from bot.commands.clicks import NOT_SUBSCRIBED
from bot.config.load import Config
from bot.records.models import ChannelRef
from tests.fakes.slack_digests import digest_of, real_papers

FIRST, SECOND = "2608.19880", "2608.18580"  # the sample's newest day, papers 1 and 2
CODE = re.compile(r"Link code: ([A-Z0-9]{8}) ")


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    config = Config(database_url=f"sqlite:///{tmp_path / 'console.db'}", source="sample")
    built = await build_app(config)  # the sample's own frozen clock
    try:
        yield built
    finally:
        await built.aclose()


def console(app: App, *lines: str) -> tuple[ConsolePlatform, io.StringIO]:
    out = io.StringIO()
    made = make_platforms(app, console_out=out, console_in=io.StringIO("\n".join(lines) + "\n"))
    platform = made["console"]
    assert isinstance(platform, ConsolePlatform)
    return platform, out


async def session(app: App, *lines: str) -> list[str]:
    """Type `lines` into a console on `app`; what it printed, one answer an item."""
    platform, out = console(app, *lines)
    await platform.start(app.handle)
    return out.getvalue().split("\n")


async def test_votes_and_saves_are_typed_under_the_papers_on_screen(app: App) -> None:
    printed = await session(
        app,
        "vote 1",  # nothing on screen yet
        "/papers today",
        "vote 1",  # not subscribed: a vote needs a subscription
        "/papers subscribe",
        "vote 1",
        "👍 2",
        "vote 2",  # taken back
        f"vote {SECOND}",  # by arXiv id
        "save 1",
        "/papers today",  # the counts so far under the list
        "vote 99",
        "vote",
        "save 2608.1",
    )
    text = "\n".join(printed)
    assert NOTHING_SHOWN in printed
    assert NOT_SUBSCRIBED in printed
    votes = [line for line in printed if line.startswith("👍 ") and "in this channel now" in line]
    assert votes == [
        f"👍 1 for {FIRST} in this channel now.",
        f"👍 1 for {SECOND} in this channel now.",
        f"👍 0 for {SECOND} in this channel now.",
        f"👍 1 for {SECOND} in this channel now.",
    ]
    assert "Saved “EnvHarness: Awakening Static Worlds for Agent Learning”." in text
    footers = [line for line in printed if line.startswith("[👍 vote <n>")]
    assert footers == [
        "[👍 vote <n> · 🔖 Save: save <n>]",
        "[👍 vote <n> · 🔖 Save: save <n>]  1. 👍 1 · 2. 👍 1",
    ]
    assert printed.count(CLICK_USAGE) == 2  # `vote` and `save 2608.1`
    assert "There are 10 papers on screen here, numbered 1 to 10; no paper 99." in printed
    store = app.store
    key = await store.vote_key(ChannelRef("console", "console").key)
    assert await store.vote_counts(key, [FIRST, SECOND]) == {FIRST: 1, SECOND: 1}
    assert [p.arxiv_id for p in await store.saved_papers("console::console", 10)] == [FIRST]


async def test_saved_top_and_cadence_answer_on_the_console(app: App) -> None:
    printed = await session(
        app,
        "/papers subscribe",
        "/papers today",
        "vote 2",
        "save 3",
        "/papers saved",
        "/papers top week public",
        "/papers settings cadence weekly fri",
        "/papers saved remove 2608.19880",
    )
    text = "\n".join(printed)
    assert "Your 1 saved paper, latest first:" in text
    assert "This channel's most-voted papers of the last 7 days:" in text
    top = printed.index("This channel's most-voted papers of the last 7 days:")
    assert "FACET" in "\n".join(printed[top : top + 4])  # paper 2, the one voted for
    assert "cadence weekly friday" in text
    assert "2608.19880 is not among your saved papers." in text


async def test_two_console_channels_link_and_pool_their_votes(app: App) -> None:
    first = await session(app, "/papers subscribe", "/papers today", "vote 1", "/papers link")
    [code] = [m.group(1) for line in first if (m := CODE.search(line))]
    second = await session(
        app,
        "channel bad!name",
        "channel lab",
        f"/papers link {code}",
        "/papers today",  # shows the console channel's vote: the counts are pooled
        "vote 1",  # the same person (the console's one user): their pooled vote taken back
        "/papers topics",
    )
    text = "\n".join(second)
    assert CHANNEL_USAGE in second
    assert "Now in channel lab." in second
    assert "[👍 vote <n> · 🔖 Save: save <n>]  1. 👍 1" in second
    assert f"👍 0 for {FIRST} in this channel now." in second
    assert "Linked with the console's channel console" in text  # topics names the link
    lab, home = ChannelRef("console", "lab"), ChannelRef("console", "console")
    assert await app.store.vote_key(lab.key) == await app.store.vote_key(home.key)


async def test_a_posted_digest_shows_its_counts_and_can_be_voted_on(app: App) -> None:
    await session(app, "/papers subscribe", "/papers today", "vote 2")
    platform, out = console(app, "vote 1")
    here = ChannelRef("console", "console")
    await platform.post_digest(here, digest_of(real_papers()[:3]), idempotency_key="k")
    await platform.start(app.handle)
    printed = out.getvalue().split("\n")
    assert "[👍 vote <n> · 🔖 Save: save <n>]  2. 👍 1" in printed
    assert f"👍 1 for {FIRST} in this channel now." in printed
