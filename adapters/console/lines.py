"""Typed lines from the console's input, without holding up a stop.

A `readline` blocked on a terminal or a pipe cannot be interrupted. Run in asyncio's
executor (`asyncio.to_thread`), it kept `paperbot run --console` alive after Ctrl-C or
SIGTERM until Enter was pressed: the interpreter joins that thread at exit. Here a stream
with a file descriptor is read with `os.read` in a daemon thread, which the exit does not
wait for and which holds no lock of the stream's; a stream without one (a test's StringIO)
is read directly, as it never blocks.
"""

from __future__ import annotations

import asyncio
import codecs
import contextlib
import io
import os
import threading
from typing import TextIO

CHUNK = 4096


class InputClosed(Exception):
    """The input cannot be read (closed, or the terminal went away); `reason` says why."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


class LineReader:
    def __init__(self, stream: TextIO | None) -> None:
        self._stream = stream
        self._fd = _fileno(stream)
        self._decoder = codecs.getincrementaldecoder("utf-8")(errors="replace")
        self._buffer = ""
        self._eof = False

    async def readline(self) -> str:
        """The next line with its newline; "" at end of input. Raises InputClosed."""
        if self._stream is None:
            raise InputClosed("there is no standard input")
        if self._fd is None:
            return self._read_stream(self._stream)
        while "\n" not in self._buffer and not self._eof:
            chunk = await _in_daemon_thread(self._fd)
            self._eof = not chunk
            self._buffer += self._decoder.decode(chunk, final=self._eof)
        line, newline, rest = self._buffer.partition("\n")
        self._buffer = rest
        return line + newline

    @staticmethod
    def _read_stream(stream: TextIO) -> str:
        try:
            return stream.readline()
        except (OSError, ValueError) as exc:  # ValueError: I/O operation on closed file
            raise InputClosed(_reason(exc)) from None


def _fileno(stream: TextIO | None) -> int | None:
    if stream is None:
        return None
    try:
        return stream.fileno()
    except (OSError, ValueError, io.UnsupportedOperation):
        return None


async def _in_daemon_thread(fd: int) -> bytes:
    loop = asyncio.get_running_loop()
    done: asyncio.Future[bytes] = loop.create_future()

    def settle(chunk: bytes | None, error: OSError | None) -> None:
        if done.done():
            return
        if error is not None:
            done.set_exception(InputClosed(_reason(error)))
        else:
            done.set_result(chunk or b"")

    def read() -> None:
        try:
            result: tuple[bytes | None, OSError | None] = (os.read(fd, CHUNK), None)
        except OSError as exc:
            result = (None, exc)
        # RuntimeError: the loop closed while this thread waited; nobody is listening.
        with contextlib.suppress(RuntimeError):
            loop.call_soon_threadsafe(settle, *result)

    threading.Thread(target=read, name="console-input", daemon=True).start()
    return await done


def _reason(exc: Exception) -> str:
    return getattr(exc, "strerror", None) or str(exc) or type(exc).__name__
