"""A newcomer's first session on the console, on the shipped sample and a real SQLite file
(issue 20): status and replies say this is the offline sample, which days it holds and the
clock it runs at; the sample's papers are in the store from the first command; the console
names its channel, lists channels, explains its own verbs in `/papers help`, and says which
numbers are on screen; one list form for `top`; settings say what a change ends."""

from __future__ import annotations

from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.app.bootstrap import App, build_app
from bot.config.load import Config
from tests.integration.test_console_votes import session

SAMPLE_LINE = (
    "the offline sample: the lists of 2024-06-13 and 2026-08-21, on a clock stopped at "
    "Sat 22 Aug 2026 09:00 UTC"
)


@pytest.fixture
async def app(tmp_path: Path) -> AsyncIterator[App]:
    config = Config(database_url=f"sqlite:///{tmp_path / 'first.db'}", source="sample")
    built = await build_app(config)
    try:
        yield built
    finally:
        await built.aclose()


async def test_the_banner_names_the_channel_and_the_sample(app: App) -> None:
    printed = await session(app, "quit")
    assert printed[1] == "You are in channel console (`channel` lists them)."
    assert printed[2] == (
        f"Papers come from {SAMPLE_LINE}. No digest comes due on a schedule; /papers today "
        "shows one."
    )


async def test_status_on_the_sample_promises_no_scheduled_digest(app: App) -> None:
    printed = await session(app, "/papers subscribe", "/papers status")
    text = "\n".join(printed)
    assert f"Papers from {SAMPLE_LINE}." in printed
    assert "Next digest: none. The offline sample's clock stands still" in text
    assert "Mon 24 Aug" not in text
    assert "This channel's key: console::console (for paperbot post-now --channel)" in printed


async def test_a_day_the_sample_lacks_is_named_as_such(app: App) -> None:
    printed = await session(app, "/papers today 2026-08-20")
    assert (
        "Error: 2026-08-20 is not in the offline sample; it holds the lists of 2024-06-13 and "
        "2026-08-21."
    ) in printed
    assert "No papers were listed for that day." not in printed


async def test_the_sample_is_in_the_store_from_the_first_command(app: App) -> None:
    printed = await session(app, "/papers similar 2608.19880")
    assert printed[3].startswith("10 papers like 2608.19880"), printed[3]
    sample = app.service.sample
    assert sample is not None
    assert len(await app.store.papers_listed_on(sample.days[-1])) == 17
    last = await app.store.last_fetch()
    assert last is not None
    assert last[0].isoformat() == "2026-08-21"  # the newest day fetched last


async def test_channel_alone_lists_the_channels_and_marks_the_current_one(app: App) -> None:
    printed = await session(app, "channel", "channel lab", "channel")
    assert printed[3].startswith("Channels: console (current). ")
    assert printed[4] == "Now in channel lab."
    assert printed[5].startswith("Channels: console, lab (current). ")


async def test_help_names_the_consoles_own_verbs(app: App) -> None:
    printed = await session(app, "/papers help", "/papers help vote", "/papers help show")
    text = "\n".join(printed)
    for verb in ("vote", "save", "channel", "quit"):
        assert any(line.startswith(f"  {verb} ") for line in printed), verb
    assert "Usage: vote <n>" in printed
    assert "One paper, by arXiv id or arXiv / Hugging Face URL." in printed  # capitals kept
    assert "arxiv / hugging face" not in text


async def test_a_number_off_screen_says_which_are_on_it_and_top_is_a_list(app: App) -> None:
    printed = await session(
        app, "/papers subscribe", "/papers today", "vote 1", "/papers top", "vote 7"
    )
    assert "There is only 1 paper on screen here, number 1; no paper 7." in printed
    top = printed.index("👍 1 for 2608.19880 in this channel now.") + 1
    answer = printed[
        top : printed.index("There is only 1 paper on screen here, number 1; no paper 7.")
    ]
    assert "1. EnvHarness: Awakening Static Worlds for Agent Learning" in answer
    assert "   2608.19880 · 2026-08-20 · 163 upvotes" in answer  # the list form's details
    assert not any(line.startswith("by Chengsong Huang") for line in answer)  # not the card


async def test_settings_say_what_a_cadence_ends_and_suggest_a_zone(app: App) -> None:
    printed = await session(app, "/papers settings cadence weekly fri", "/papers settings tz paris")
    text = "\n".join(printed)
    assert (
        "The daily digest stops here; to keep it too: /papers settings cadence daily weekly friday."
    ) in text
    assert "Error: Bad tz: unknown time zone 'paris'; did you mean Europe/Paris?" in printed
