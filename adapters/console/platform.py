"""ConsolePlatform: the ChatPlatform port over a pair of text streams (a terminal, or a test).

A line typed as a chat user would, `/papers today`, goes to the command handler as one
channel's command; `vote <n>` and `save <n>` click the buttons under a paper shown, and
`channel <name>` speaks in another channel, `channel` alone lists them (see clicks.py and
verbs.py, which `/papers help` names too); a reply that carries a file (an export) has it
written to the working directory, named in the answer (see files.py); a person's own
digest (`/papers me`) is printed with every line marked `dm> `; `quit` or end of input stops,
and so does `stop()`, at once, even while a line is being waited for (see lines.py). An
input or output that fails (a closed stdin, stdout on a full disk or a closed pipe) raises
TransientPlatformError with its one-line cause.
"""

from __future__ import annotations

import asyncio
import getpass
import itertools
import logging
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TextIO

from adapters.console.clicks import (
    CHANNEL_USAGE,
    CLICK_USAGE,
    LIST_CHANNELS,
    NOTHING_SHOWN,
    ShownPapers,
    buttons_line,
    click_text,
    digest_numbers,
    parse_channel,
    parse_click,
    reply_numbers,
)
from adapters.console.files import write_attachment
from adapters.console.lines import InputClosed, LineReader
from adapters.console.render import render_reply, strip_control
from adapters.console.verbs import (
    channels_text,
    console_help,
    console_verb_help,
    not_on_screen_text,
)
from bot.commands.clicks import digest_counts
from bot.digest.text import render_text
from bot.ports import ClickHandler, CommandHandler, VoteCounts
from bot.records.chat import CommandContext, OnAccepted, PostedPart
from bot.records.clock import Clock, SystemClock
from bot.records.digest import Digest
from bot.records.errors import TransientPlatformError
from bot.records.instants import as_plain
from bot.records.models import ChannelRef, OfflineSample, PostReceipt

log = logging.getLogger(__name__)

PREFIX = "/papers"
QUIT_WORDS = frozenset({"quit", "exit", "/quit"})
BANNER = "paperbot console: type /papers help, or quit."
HINT = (
    "Commands start with /papers (try /papers help); vote <n> or save <n> clicks 👍 or 🔖 "
    "under paper n; channel <name> switches channel; quit to stop."
)
FAILED = "Something went wrong; it has been logged."
IN_CHANNEL = "You are in channel {} (`channel` lists them)."  # the banner's second line
SAMPLE_STANDS_STILL = "No digest comes due on a schedule; /papers today shows one."
DM_CHANNEL = "dm-"  # the console's DM channels: "dm-" and the user id
DM_PROMPT = "dm> "  # every line of a DM digest starts so, apart from the channels' output


class ConsolePlatform:
    name = "console"
    digests_at_once = 1  # one terminal: digests print one after another

    def __init__(
        self,
        out: TextIO,
        inp: TextIO | None = None,
        channel_id: str = "console",
        *,
        clock: Clock | None = None,
        clicks: ClickHandler | None = None,
        vote_counts: VoteCounts | None = None,
        sample: OfflineSample | None = None,
        export_dir: Path | None = None,
    ) -> None:
        self.out = out
        self.export_dir = export_dir  # None: the working directory at the time
        self.inp = inp
        self.channel = ChannelRef(self.name, channel_id)
        self._channels = [channel_id]  # spoken in this session, in order
        self._sample = sample  # the banner says the run answers from the offline sample
        self.clock: Clock = clock or SystemClock()
        self._posted: dict[str, PostReceipt] = {}
        self._replies: dict[str, str] = {}  # late-additions key -> reply id
        self._message_ids = itertools.count(1)
        self._stopping = asyncio.Event()
        self._clicks = clicks
        self._vote_counts = vote_counts
        self._shown = ShownPapers()

    async def post_digest(
        self,
        channel: ChannelRef,
        digest: Digest,
        *,
        idempotency_key: str,
        first_attempt: bool = False,
        posted: Sequence[PostedPart] = (),
        on_accepted: OnAccepted | None = None,
    ) -> PostReceipt:
        """Print the digest once per idempotency key; a repeat returns the first receipt."""
        earlier = self._posted.get(idempotency_key)
        if earlier is not None:
            return earlier
        if posted:  # printed by an earlier process: nothing is missing (one message)
            return PostReceipt(channel, (posted[0].message_id,), self.clock.now())
        numbered = digest_numbers(digest)
        counts = await digest_counts(self._vote_counts, channel, digest)
        line = buttons_line(numbered, counts, personal=digest.personal)
        buttons = "\n" + line if numbered and self._clicks else ""
        text = f"[{channel.channel_id}] " + render_text(digest) + buttons
        if channel.channel_id.startswith(DM_CHANNEL):  # a person's own digest: set apart
            text = "\n".join(DM_PROMPT + line for line in text.splitlines())
        self._write(text)
        self._shown.show(channel, numbered)
        receipt = PostReceipt(
            channel=channel,
            message_ids=(f"console-{next(self._message_ids)}",),
            posted_at=self.clock.now(),
        )
        self._posted[idempotency_key] = receipt
        if on_accepted is not None:
            await on_accepted(PostedPart(0, receipt.message_ids[0]))
        return receipt

    async def open_dm(self, person: ChannelRef) -> ChannelRef:
        """The person's DM, shown in this terminal with every line marked `dm> `."""
        return ChannelRef(self.name, DM_CHANNEL + person.channel_id)

    async def edit_digest(
        self,
        channel: ChannelRef,
        message_ids: Sequence[str],
        posted: Digest,
        settled: Digest,
        *,
        idempotency_key: str,
        votes: Mapping[str, int] | None = None,
    ) -> None:
        """A terminal cannot edit what it printed: print the settled digest, marked so."""
        self._write(f"[{channel.channel_id}] (updated) " + render_text(settled))

    async def post_reply(
        self,
        channel: ChannelRef,
        thread_of: str,
        digest: Digest,
        *,
        idempotency_key: str,
        first_attempt: bool = False,
    ) -> str:
        """Print a thread reply (late additions, follow-ups) once per key."""
        earlier = self._replies.get(idempotency_key)
        if earlier is not None:
            return earlier
        self._write(f"[{channel.channel_id}] (in the thread of {thread_of}) " + render_text(digest))
        self._replies[idempotency_key] = reply_id = f"console-{next(self._message_ids)}"
        return reply_id

    async def start(self, handler: CommandHandler) -> None:
        """Answer lines from the input until `quit`, end of input, or `stop()`.

        Raises TransientPlatformError when the input or the output fails."""
        self._stopping.clear()
        self._write(self.banner())
        reader = LineReader(self._input())
        while not self._stopping.is_set():
            line = await self._next_line(reader)
            if line is None or not line or line.strip().lower() in QUIT_WORDS:
                break
            answer = await self._answer(handler, line.strip())
            if answer:
                self._write(answer)

    def banner(self) -> str:
        """BANNER, the channel the console speaks in, and the sample it answers from."""
        lines = [BANNER, IN_CHANNEL.format(self.channel.channel_id)]
        if self._sample is not None:
            sample = as_plain(self._sample.describe())  # the terminal names the zone
            lines.append(f"Papers come from {sample}. {SAMPLE_STANDS_STILL}")
        return "\n".join(lines)

    async def stop(self) -> None:
        """Stop now, even while a line is being waited for."""
        self._stopping.set()

    async def _next_line(self, reader: LineReader) -> str | None:
        """The next line ("" at end of input), or None once `stop()` was called."""
        read = asyncio.ensure_future(reader.readline())
        stopped = asyncio.ensure_future(self._stopping.wait())
        try:
            await asyncio.wait((read, stopped), return_when=asyncio.FIRST_COMPLETED)
        finally:
            stopped.cancel()
        if not read.done():
            read.cancel()
            return None
        try:
            return read.result()
        except InputClosed as exc:
            raise TransientPlatformError(f"cannot read the console input: {exc.reason}") from None

    async def _answer(self, handler: CommandHandler, line: str) -> str | None:
        if not line:
            return None
        rest = command_text(line)
        try:
            if rest is None:
                return await self._verb(line)
            verb, _, about = rest.partition(" ")
            if verb.lower() == "help" and console_verb_help(about) is not None:
                return console_verb_help(about)
            reply = await handler(self.context(), rest)
            numbered = reply_numbers(reply)
            self._shown.show(self.channel, numbered)
            text = render_reply(reply)
            if reply.attachment is not None:
                text += "\n" + write_attachment(reply.attachment, self.export_dir)
            if numbered and self._clicks is not None:
                text += "\n\n" + buttons_line(numbered, reply.vote_counts)
            if rest.lower() == "help":
                text += "\n" + console_help()
            return text
        except Exception:
            # Handlers answer errors themselves; this only guards the loop against a bug.
            log.exception("console command failed")
            return FAILED

    async def _verb(self, line: str) -> str:
        """A line that is not a /papers command: a click, a channel switch, or a hint."""
        channel = parse_channel(line)
        if channel == LIST_CHANNELS:
            return channels_text(self._channels, self.channel.channel_id)
        if channel is not None:
            if not channel:
                return CHANNEL_USAGE
            self.channel = ChannelRef(self.name, channel)
            if channel not in self._channels:
                self._channels.append(channel)
            return f"Now in channel {channel}."
        click = parse_click(line)
        if click is None or self._clicks is None:
            return HINT
        arxiv_id = self._shown.resolve(self.channel, click.ref)
        if arxiv_id is None:
            if not click.ref.isdigit():
                return CLICK_USAGE
            numbers = self._shown.numbers(self.channel)
            return not_on_screen_text(click.ref, numbers) if numbers else NOTHING_SHOWN
        return await click_text(self._clicks, self.channel, "console", click.action, arxiv_id)

    def context(self) -> CommandContext:
        return CommandContext(
            channel=self.channel,
            user_id="console",
            user_name=_user_name(),
            can_manage=True,
        )

    def _input(self) -> TextIO | None:
        return self.inp if self.inp is not None else sys.stdin  # None: stdin was closed

    def _write(self, text: str) -> None:
        try:
            self.out.write(strip_control(text) + "\n")
            self.out.flush()
        except (OSError, ValueError) as exc:  # ValueError: the stream was closed
            reason = getattr(exc, "strerror", None) or str(exc)
            raise TransientPlatformError(f"cannot write to the console: {reason}") from None


def command_text(line: str) -> str | None:
    """What follows `/papers` on a typed line, or None if the line is not a command."""
    head, _, rest = line.strip().partition(" ")
    if head.lower() != PREFIX:
        return None
    return rest.strip()


def _user_name() -> str:
    try:
        return getpass.getuser() or "you"
    except (OSError, KeyError):  # no login name in some containers
        return "you"
