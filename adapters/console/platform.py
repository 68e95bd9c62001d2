"""ConsolePlatform: the ChatPlatform port over a pair of text streams (a terminal, or a test).

A line typed as a chat user would, `/papers today`, goes to the command handler as one
channel's command; `quit` or end of input stops, and so does `stop()`, at once, even while
a line is being waited for (see lines.py). An input or output that fails (a closed stdin,
stdout on a full disk or a closed pipe) raises TransientPlatformError with its one-line cause.
"""

from __future__ import annotations

import asyncio
import getpass
import itertools
import logging
import sys
from collections.abc import Mapping, Sequence
from typing import TextIO

from adapters.console.lines import InputClosed, LineReader
from adapters.console.render import render_reply, strip_control
from bot.clock import SystemClock
from bot.digest.model import Digest
from bot.digest.text import render_text
from bot.errors import TransientPlatformError
from bot.models import ChannelRef, PostReceipt
from bot.ports import Clock, CommandHandler
from bot.post_plan import OnAccepted, PostedPart
from bot.replies import CommandContext

log = logging.getLogger(__name__)

PREFIX = "/papers"
QUIT_WORDS = frozenset({"quit", "exit", "/quit"})
BANNER = "paperbot console: type /papers help, or quit."
HINT = "Commands start with /papers (try /papers help); quit to stop."
FAILED = "Something went wrong; it has been logged."


class ConsolePlatform:
    name = "console"

    def __init__(
        self,
        out: TextIO,
        inp: TextIO | None = None,
        channel_id: str = "console",
        *,
        clock: Clock | None = None,
    ) -> None:
        self.out = out
        self.inp = inp
        self.channel = ChannelRef(self.name, channel_id)
        self.clock: Clock = clock or SystemClock()
        self._posted: dict[str, PostReceipt] = {}
        self._replies: dict[str, str] = {}  # late-additions key -> reply id
        self._message_ids = itertools.count(1)
        self._stopping = asyncio.Event()

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
        self._write(f"[{channel.channel_id}] " + render_text(digest))
        receipt = PostReceipt(
            channel=channel,
            message_ids=(f"console-{next(self._message_ids)}",),
            posted_at=self.clock.now(),
        )
        self._posted[idempotency_key] = receipt
        if on_accepted is not None:
            await on_accepted(PostedPart(0, receipt.message_ids[0]))
        return receipt

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
        self._write(BANNER)
        reader = LineReader(self._input())
        while not self._stopping.is_set():
            line = await self._next_line(reader)
            if line is None or not line or line.strip().lower() in QUIT_WORDS:
                break
            answer = await self._answer(handler, line.strip())
            if answer:
                self._write(answer)

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
        if rest is None:
            return HINT
        try:
            return render_reply(await handler(self.context(), rest))
        except Exception:
            # Handlers answer errors themselves; this only guards the loop against a bug.
            log.exception("console command failed")
            return FAILED

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
