"""The console platform end to end: typed lines in, rendered answers and digests out."""

from __future__ import annotations

import asyncio
import io
import os
import threading
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime
from pathlib import Path

import pytest

from adapters.console import ConsolePlatform, render_reply
from adapters.console.platform import BANNER, HINT, IN_CHANNEL, command_text
from bot.commands.handler import Commands
from bot.digest.service import PaperService
from bot.records.chat import CommandContext, Reply
from bot.records.clock import FixedClock
from bot.records.digest import Digest, DigestEntry
from bot.records.models import ChannelRef, ChannelSettings, Paper
from bot.sources.sample import SampleSource
from bot.storage.sqlite.store import SqliteStore

NOW = datetime(2026, 8, 22, 10, 0, tzinfo=UTC)
START = [BANNER, IN_CHANNEL.format("console")]  # the banner's lines


@pytest.fixture
async def commands(tmp_path: Path) -> AsyncIterator[Commands]:
    store = await SqliteStore.open(tmp_path / "paperbot.db")
    sample = SampleSource()
    yield Commands(PaperService(store, sample, sample, FixedClock(NOW), defaults=ChannelSettings()))
    await store.close()


def paper(title: str = "A paper", arxiv_id: str = "2608.00001") -> Paper:
    return Paper(
        arxiv_id=arxiv_id,
        title=title,
        abstract="An abstract.",
        authors=("Ada Lovelace",),
        published_at=NOW,
        listed_on=date(2026, 8, 21),
        upvotes=7,
    )


def digest_of(*papers: Paper) -> Digest:
    entries = tuple(DigestEntry(i, p, "A summary.") for i, p in enumerate(papers, start=1))
    return Digest(day=date(2026, 8, 21), entries=entries, total_candidates=len(papers))


async def run_lines(commands: Commands, *lines: str) -> str:
    out = io.StringIO()
    platform = ConsolePlatform(out, io.StringIO("".join(f"{line}\n" for line in lines)))
    await platform.start(commands.handle)
    return out.getvalue()


async def test_a_session_typed_as_a_chat_user_would(commands: Commands) -> None:
    output = await run_lines(
        commands,
        "/papers subscribe agents",
        "/papers topics",
        "/papers today",
        "/papers nonsense",
        "hello?",
        "",
        "quit",
        "/papers topics",  # after quit: never read
    )
    blocks = output.split("\n")
    assert blocks[:2] == START
    assert blocks[2].endswith(" subscribed this channel to: agents")
    assert blocks[3] == "This channel follows 1 topic: agents"
    assert "Trending papers for Friday 21 August 2026" in output
    assert "Topics: agents" in output
    assert "EnvHarness: Awakening Static Worlds for Agent Learning" in output
    assert "Error: Unknown command `nonsense`. Try `/papers help`." in output
    assert output.count(HINT) == 1
    assert output.count("This channel follows") == 1
    assert output.endswith(HINT + "\n")


async def test_end_of_input_stops_like_quit(commands: Commands) -> None:
    output = await run_lines(commands, "/papers help search")
    assert output.startswith(
        "\n".join(START)
        + "\nUsage: /papers search <words>\n"
        + ("Search papers by title, abstract, authors and keywords.\n")
    )
    assert output.endswith("arXiv is asked the same query.\n")  # nothing after the help


async def test_commands_come_from_this_consoles_channel_as_a_manager() -> None:
    seen: list[tuple[CommandContext, str]] = []

    async def handler(ctx: CommandContext, text: str) -> Reply:
        seen.append((ctx, text))
        return Reply("ok")

    out = io.StringIO()
    platform = ConsolePlatform(out, io.StringIO("  /PAPERS   search  world model \n"), "lab")
    await platform.start(handler)
    [(ctx, text)] = seen
    assert ctx.channel == ChannelRef("console", "lab")
    assert ctx.can_manage
    assert ctx.user_id == "console"
    assert ctx.user_name
    assert text == "search  world model"


async def test_a_handler_bug_does_not_end_the_session(caplog: pytest.LogCaptureFixture) -> None:
    async def handler(ctx: CommandContext, text: str) -> Reply:
        if text == "boom":
            raise RuntimeError("secret detail")
        return Reply("still here")

    out = io.StringIO()
    await ConsolePlatform(out, io.StringIO("/papers boom\n/papers ok\n")).start(handler)
    assert out.getvalue().splitlines()[2:] == [
        "Something went wrong; it has been logged.",
        "still here",
    ]
    assert "secret detail" not in out.getvalue()
    assert any(r.exc_info for r in caplog.records)


async def test_stop_ends_the_loop_after_the_current_line() -> None:
    out = io.StringIO()
    platform = ConsolePlatform(out, io.StringIO("/papers one\n/papers two\n"))

    async def handler(ctx: CommandContext, text: str) -> Reply:
        await platform.stop()
        return Reply(text)

    await platform.start(handler)
    assert out.getvalue().splitlines() == [*START, "one"]


async def test_reading_input_does_not_block_the_event_loop() -> None:
    """While the console waits for a line, other work (a scheduled post) still runs."""
    read_fd, write_fd = os.pipe()
    proceed = threading.Event()

    def type_later() -> None:
        proceed.wait(timeout=10)  # a safety net only: the test sets it as soon as it can
        os.write(write_fd, b"/papers two\nquit\n")
        os.close(write_fd)

    typist = threading.Thread(target=type_later)
    typist.start()
    out = io.StringIO()
    with os.fdopen(read_fd, "r") as inp:
        platform = ConsolePlatform(out, inp, clock=FixedClock(NOW))

        async def echo(ctx: CommandContext, text: str) -> Reply:
            return Reply(text)

        session = asyncio.create_task(platform.start(echo))
        for _ in range(5):
            await asyncio.sleep(0)
        await platform.post_digest(
            platform.channel, digest_of(paper("Posted meanwhile")), idempotency_key="k"
        )
        proceed.set()
        await session
    typist.join()
    lines = out.getvalue().splitlines()
    assert lines[0] == BANNER
    assert lines.index("two") > next(i for i, s in enumerate(lines) if "Posted meanwhile" in s)


async def test_post_digest_prints_once_per_idempotency_key() -> None:
    out = io.StringIO()
    platform = ConsolePlatform(out, clock=FixedClock(NOW))
    channel = ChannelRef("console", "console")
    first = await platform.post_digest(channel, digest_of(paper()), idempotency_key="console:d1")
    again = await platform.post_digest(channel, digest_of(paper()), idempotency_key="console:d1")
    other = await platform.post_digest(channel, digest_of(paper()), idempotency_key="console:d2")
    assert first == again
    assert first.channel == channel
    assert first.posted_at == NOW
    assert first.message_ids == ("console-1",)
    assert other.message_ids == ("console-2",)
    assert out.getvalue().count("Trending papers for Friday 21 August 2026") == 2
    assert platform.name == "console"


@pytest.mark.parametrize(
    ("line", "expected"),
    [
        ("/papers today", "today"),
        ("/papers", ""),
        ("/Papers  search x ", "search x"),
        ("/paperstoday", None),
        ("papers today", None),
        ("hello", None),
    ],
)
def test_command_text(line: str, expected: str | None) -> None:
    assert command_text(line) == expected


def test_render_reply_error_and_plain_text() -> None:
    assert render_reply(Reply("Bad date.", is_error=True)) == "Error: Bad date."
    assert render_reply(Reply("Two\nlines")) == "Two\nlines"


def test_render_reply_one_paper_found_is_a_list_of_one() -> None:
    """`top`, `saved` and `search` with one paper: the same list form as with two; only
    `show` prints the card with the abstract."""
    for text in ('1 paper for "x":', "Most-voted papers here this week:", "Your saved papers:"):
        shown = render_reply(Reply(text, papers=(paper(),)))
        assert shown.startswith(f"{text}\n\n1. A paper\n   2608.00001"), shown
        assert "An abstract." not in shown


def test_render_reply_show_says_the_title_once() -> None:
    text = render_reply(Reply("A paper", papers=(paper(),)))
    assert text.startswith("A paper\nby Ada Lovelace")


def test_render_reply_several_papers_is_a_list() -> None:
    papers = (paper("First", "2608.00001"), paper("Second", "2608.00002"))
    text = render_reply(Reply('2 papers for "x":', papers=papers))
    assert text.startswith('2 papers for "x":\n\n1. First')
    assert "2. Second" in text
    assert "An abstract." not in text


def test_render_reply_digest_uses_the_digest_renderer() -> None:
    digest = digest_of(paper("Digest paper"))
    text = render_reply(Reply(digest.title, digest=digest))
    assert text.startswith("Trending papers for Friday 21 August 2026\n")
    assert text.count("Trending papers for") == 1  # the title is not said twice
    assert "1. Digest paper" in text


def test_a_digest_replys_own_text_comes_before_it() -> None:
    # As on Slack and Discord: `today` while the source is down says so above the list.
    note = "Hugging Face has not answered since 09:41 UTC (connection refused)."
    text = render_reply(Reply(note, digest=digest_of(paper("Digest paper"))))
    assert text.startswith(note + "\nTrending papers for Friday 21 August 2026")


def test_render_reply_drops_terminal_control_sequences() -> None:
    evil = paper("Nice \x1b[2J\x1b]0;pwned\x07title")
    text = render_reply(Reply("x", papers=(evil,)))
    assert "\x1b" not in text
    assert "\x07" not in text
    assert "Nice [2J]0;pwnedtitle" in text
